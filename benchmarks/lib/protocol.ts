/**
 * The contract between the benchmark scenarios and the implementations under test.
 *
 * Every implementation (a peer library, a raw `node:net` baseline, later sidewire itself) provides
 * a server (`startServer`) and a client (`connect`). Scenarios are written once against
 * `BenchClient`, so every implementation runs exactly the same workload.
 */
import type { ScenarioParams } from './scenarios.js';

/** What one message carries: the same payload as text (JSON implementations) and as bytes. */
export interface Payload {
  /** ASCII text of `bytes.length` characters, for JSON implementations. */
  readonly text: string;
  /** The payload as bytes, for binary implementations. */
  readonly bytes: Buffer;
}

/** The server's counters, read after every earlier message was processed. */
export interface ServerCounters {
  /** One-way notifications received (decoded). */
  readonly notifications: number;
  /** Bytes of blob payload received (after base64 decoding for JSON implementations). */
  readonly blobBytes: number;
}

/** A connected client of one implementation. */
export interface BenchClient {
  /** Sends one request whose reply echoes the payload; resolves when the reply arrived. */
  request(payload: Payload): Promise<void>;
  /**
   * Sends one notification (no reply). Returns a promise when the caller must wait before
   * sending more (backpressure), else undefined.
   */
  notify(payload: Payload): Promise<void> | undefined;
  /** Sends one large binary message one way (JSON implementations base64 it). Same backpressure rule. */
  blob(bytes: Buffer): Promise<void> | undefined;
  /** Resolves with the server's counters once the server processed everything sent before it. */
  sync(): Promise<ServerCounters>;
  /** Closes the connection. */
  close(): Promise<void>;
}

/** A running server of one implementation. */
export interface BenchServer {
  /** Stops listening and closes connections. */
  close(): Promise<void>;
}

/** Where the server listens: a unix socket path (each implementation spells it its own way). */
export interface EndpointOptions {
  /** Absolute path of the unix socket file. */
  readonly socketPath: string;
}

/** The module every implementation's `server.ts` exports. */
export interface ServerModule {
  startServer(options: EndpointOptions): Promise<BenchServer>;
}

/** The module every implementation's `client.ts` exports. */
export interface ClientModule {
  connect(options: EndpointOptions): Promise<BenchClient>;
  /**
   * Scenarios this implementation runs itself instead of the shared ones (and implementation-specific
   * scenarios such as `metrics`). Keyed by scenario id.
   */
  readonly ownScenarios?: Readonly<Record<string, OwnScenario>>;
}

/** A scenario an implementation runs itself; returns the scenario's metrics. */
export type OwnScenario = (options: EndpointOptions, params: ScenarioParams) => Promise<Record<string, number>>;

/** Builds a payload of exactly `size` ASCII bytes. */
export function makePayload(size: number): Payload {
  const text = 'x'.repeat(size);
  return { text, bytes: Buffer.from(text, 'latin1') };
}
