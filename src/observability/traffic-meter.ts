/**
 * The per-mode traffic hooks a message stream calls on its hot path. `ServerMetrics.meter(mode)`
 * returns one; each call only adds to a plain number (prom-client is updated at scrape time).
 * Streams hold `TrafficMeter | undefined` and skip the calls when metrics are off.
 */
export interface TrafficMeter {
  /** `bytes` bytes arrived from the peer (any number of messages, or part of one). */
  received(bytes: number): void;
  /** One message was decoded (a JSON-RPC batch is one message). */
  decoded(): void;
  /** One encoded message of `bytes` bytes was queued for the peer. */
  sent(bytes: number): void;
  /** One event was dropped because the peer does not read fast enough. */
  eventDropped(): void;
}
