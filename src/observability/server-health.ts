/**
 * The `health` option of a server: starts the health server (`GET /health`, `GET /metrics`)
 * next to the server and feeds it from the server's vitals and metrics.
 */
import { startHealthServer, type HealthServer } from './health-server.js';
import type { Logger } from './logger.js';
import type { ServerMetrics } from './metrics.js';
import type { ServerVitals } from './server-vitals.js';

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
}

/**
 * Starts the health server for a sidewire server. `/metrics` answers 404 when `metrics` is
 * undefined.
 * @throws EndpointError ERR_ENDPOINT_REMOTE, ERR_ENDPOINT_IN_USE, ERR_ENDPOINT_PERMISSION,
 *   ERR_ENDPOINT_LISTEN; SidewireError ERR_INVALID_ARGUMENT
 */
export function startServerHealth(
  options: ServerHealthOptions,
  deps: { readonly vitals: ServerVitals; readonly metrics: ServerMetrics | undefined; readonly logger: Logger },
): Promise<HealthServer> {
  const { vitals, metrics, logger } = deps;
  return startHealthServer({
    ...options,
    health: () => vitals.health(),
    ...(metrics === undefined ? {} : { metrics: async () => ({ contentType: metrics.contentType, body: await metrics.metrics() }) }),
    logger,
  });
}
