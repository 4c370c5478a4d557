/**
 * Options and data sources of the dashboard (`health.dashboard`, docs/observability.md "Dashboard"):
 * resolved and checked once.
 */
import { randomBytes } from 'node:crypto';
import { createError } from '../errors.js';
import type { ClientInfo } from '../protocol/client-info.js';
import type { EventTail } from './event-tail.js';
import type { MethodLatency, ServerMetricsSnapshot } from './metrics.js';

/** `health.dashboard` when it is an object (`true` takes every default). */
export interface DashboardOptions {
  /**
   * The token the control requests must carry (`?token=` in the page URL). A daemon kit's server
   * uses its endpoint token when it has one.
   * @default the server's token, else 32 random hex bytes per start
   */
  readonly token?: string;
  /**
   * Show the (redacted) payloads of published events in the event tail.
   * @default false
   */
  readonly payloads?: boolean;
  /**
   * How often `/events` sends a snapshot, in ms.
   * @default 1000
   */
  readonly intervalMs?: number;
  /**
   * Bytes a browser's `/events` stream may have queued in the server (beyond the OS socket
   * buffer) before that stream is closed: a stalled page is dropped, not buffered for.
   * @default 262144
   */
  readonly maxStreamBufferBytes?: number;
  /**
   * Open `/events` streams at once; more are answered 503.
   * @default 16
   */
  readonly maxStreams?: number;
}

/** PAUSE / RESUME / RELOAD of a daemon built with the daemon kit. */
export interface DashboardControls {
  pause(): void | Promise<void>;
  resume(): void | Promise<void>;
  reload(): void | Promise<void>;
}

/** Where the dashboard reads from: the server's vitals, metrics, connections and observer. */
export interface DashboardSource {
  /** `running`, `paused`, `stopping`… (the daemon's state when there is a daemon). */
  state(): string;
  uptimeSecs(): number;
  readonly version: string;
  clients(): ClientInfo[];
  /** Open connections in any mode (text ones included). */
  connections(): number;
  metrics(): ServerMetricsSnapshot | null;
  latencies(): MethodLatency[];
  readonly tail: EventTail | undefined;
  readonly controls: DashboardControls | undefined;
}

export interface ResolvedDashboardOptions {
  readonly token: string;
  readonly payloads: boolean;
  readonly intervalMs: number;
  readonly maxStreamBufferBytes: number;
  readonly maxStreams: number;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v <= 0) {
    throw createError('ERR_INVALID_ARGUMENT', `dashboard option ${name} must be a positive integer, got ${String(value)}`, {
      fixes: [`leave ${name} out for the default (${fallback})`],
      details: { option: name, value },
    });
  }
  return v;
}

/** Resolves `health.dashboard`; `serverToken` is the endpoint's token, if it has one. */
export function resolveDashboardOptions(options: boolean | DashboardOptions, serverToken: string | undefined): ResolvedDashboardOptions {
  const o = options === true || options === false ? {} : options;
  const token = o.token ?? serverToken ?? randomBytes(32).toString('hex');
  if (typeof token !== 'string' || token.length < 16) {
    throw createError('ERR_INVALID_ARGUMENT', 'dashboard token must be a string of at least 16 characters', {
      fixes: ['leave token out: a random one is made per start'],
    });
  }
  return {
    token,
    payloads: o.payloads ?? false,
    intervalMs: positive('intervalMs', o.intervalMs, 1000),
    maxStreamBufferBytes: positive('maxStreamBufferBytes', o.maxStreamBufferBytes, 262_144),
    maxStreams: positive('maxStreams', o.maxStreams, 16),
  };
}
