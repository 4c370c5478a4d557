/**
 * The `health` option of a server: starts the health server (`GET /health`, `GET /metrics`)
 * next to the server and feeds it from the server's vitals and metrics.
 */
import { startHealthServer, type HealthServer } from './health-server.js';
import type { Logger } from './logger.js';
import type { ServerMetrics } from './metrics.js';
import type { ServerVitals } from './server-vitals.js';
import type { ClientInfo } from '../protocol/client-info.js';
import type { DashboardControls, DashboardOptions } from './dashboard-options.js';
import type { EventTail } from './event-tail.js';

/** `ServerOptions.health`. */
export interface ServerHealthOptions {
  /**
   * TCP port of the health server; 0 picks a free one (see `server.healthUrl`).
   * @default 0
   */
  readonly port?: number;
  /**
   * Address to listen on; must be loopback unless `allowRemote`.
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /**
   * Listen on this unix socket (absolute path) instead of TCP.
   * @default undefined (TCP)
   */
  readonly path?: string;
  /**
   * Allow a non-loopback `host` (logs a warning).
   * @default false
   */
  readonly allowRemote?: boolean;
  /**
   * Extra `Host` header names accepted over TCP, besides localhost / 127.x / [::1].
   * @default []
   */
  readonly allowedHosts?: readonly string[];
  /**
   * Serve the live dashboard too (`GET /` page, `GET /events`, and for a daemon-kit daemon
   * `POST /control/pause|resume|reload` with the token); see docs/observability.md "Dashboard".
   * URL: `server.dashboardUrl`.
   * @default false
   */
  readonly dashboard?: boolean | DashboardOptions;
}

/** A daemon kit's controls and state, for the dashboard. */
export interface DashboardDaemon {
  readonly controls: DashboardControls;
  state(): string;
}

/** What the dashboard reads besides vitals and metrics. */
export interface DashboardDeps {
  clients(): ClientInfo[];
  readonly tail: EventTail | undefined;
  /** The daemon's controls and state, when a daemon kit runs this server. */
  readonly daemon: DashboardDaemon | undefined;
  /** The endpoint's token, when it requires one. */
  readonly token: string | undefined;
}

/**
 * Starts the health server for a sidewire server. `/metrics` answers 404 when `metrics` is
 * undefined.
 * @throws EndpointError ERR_ENDPOINT_REMOTE, ERR_ENDPOINT_IN_USE, ERR_ENDPOINT_PERMISSION,
 *   ERR_ENDPOINT_LISTEN; SidewireError ERR_INVALID_ARGUMENT
 */
export function startServerHealth(
  options: ServerHealthOptions,
  deps: { readonly vitals: ServerVitals; readonly metrics: ServerMetrics | undefined; readonly logger: Logger; readonly dashboard: DashboardDeps },
): Promise<HealthServer> {
  const { vitals, metrics, logger } = deps;
  const { dashboard: dashboardOption, ...rest } = options;
  const d = deps.dashboard;
  const dashboard =
    dashboardOption === undefined || dashboardOption === false
      ? undefined
      : {
          options: dashboardOption,
          serverToken: d.token,
          source: {
            state: () => (vitals.state === 'running' && d.daemon !== undefined ? d.daemon.state() : vitals.state),
            uptimeSecs: () => vitals.uptimeSecs,
            version: vitals.health().version,
            clients: () => d.clients(),
            connections: () => vitals.health().connections,
            metrics: () => metrics?.snapshot() ?? null,
            latencies: () => metrics?.latencies() ?? [],
            tail: d.tail,
            controls: d.daemon?.controls,
          },
        };
  return startHealthServer({
    ...rest,
    ...(dashboard === undefined ? {} : { dashboard }),
    health: () => vitals.health(),
    ...(metrics === undefined ? {} : { metrics: async () => ({ contentType: metrics.contentType, body: await metrics.metrics() }) }),
    logger,
  });
}
