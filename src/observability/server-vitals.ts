/**
 * A server's vital signs, for `GET /health` and the `$/stats` reserved method: state, uptime,
 * open connections, version, and (with metrics on) the cumulative counters.
 */
import type { HealthSnapshot } from './health-handler.js';
import type { ServerMetrics, ServerMetricsSnapshot } from './metrics.js';

/** What the vitals are read from (the server). */
export interface VitalsSource {
  /** True once a graceful close started. */
  closing(): boolean;
  /** Open connections in any mode. */
  connections(): number;
  /** The connected JSON/binary clients, for `$/stats` `clients`. */
  clients?(): StatsClient[];
  /** The server's version (as in `$/hello`). */
  readonly version: string;
  /** Epoch ms. */
  now(): number;
}

/** One entry of `$/stats` `clients` (docs/protocol.md, docs/security.md "Peer identity"). */
export interface StatsClient {
  readonly clientId: string;
  readonly mode: string;
  /** Epoch ms. */
  readonly connectedAt: number;
  /** The kernel-verified peer, or null where there is none (TCP, pipes, no native helper). */
  readonly peer: { readonly pid: number; readonly uid: number; readonly gid: number } | null;
}

/** The result of `$/stats`. */
export interface ServerStats {
  /** Server time, epoch ms (rates are computed against it). */
  readonly time: number;
  /** `running`, or `stopping` during a graceful close. */
  readonly state: string;
  readonly uptimeSecs: number;
  /** Open connections in any mode. */
  readonly connections: number;
  readonly version: string;
  /** Cumulative counters; null when the server runs without metrics. */
  readonly metrics: ServerMetricsSnapshot | null;
  /** The connected JSON/binary clients with their peer identity (absent from servers before it). */
  readonly clients?: readonly StatsClient[];
}

export class ServerVitals {
  readonly #source: VitalsSource;
  readonly #startedAt: number;

  constructor(source: VitalsSource) {
    this.#source = source;
    this.#startedAt = source.now();
  }

  /** `running`, or `stopping` once a graceful close started (`/health` then answers 503). */
  get state(): string {
    return this.#source.closing() ? 'stopping' : 'running';
  }

  /** Whole seconds since the server was created. */
  get uptimeSecs(): number {
    return Math.max(0, Math.floor((this.#source.now() - this.#startedAt) / 1000));
  }

  /** The body of `GET /health`. */
  health(): HealthSnapshot {
    return { state: this.state, uptimeSecs: this.uptimeSecs, connections: this.#source.connections(), version: this.#source.version };
  }

  /** The result of `$/stats`. */
  stats(metrics: ServerMetrics | undefined): ServerStats {
    return {
      time: this.#source.now(),
      state: this.state,
      uptimeSecs: this.uptimeSecs,
      connections: this.#source.connections(),
      version: this.#source.version,
      metrics: metrics === undefined ? null : metrics.snapshot(),
      clients: this.#source.clients?.() ?? [],
    };
  }
}
