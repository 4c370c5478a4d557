/**
 * A tiny HTTP server for liveness checks and Prometheus scrapes: `GET /health` and
 * `GET /metrics`, on loopback TCP (default `127.0.0.1`, a free port) or on a unix socket.
 * It refuses foreign `Host` headers (DNS rebinding) and non-loopback binds unless allowed.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { EndpointError, SidewireError, systemCode, createError } from '../errors.js';
import { listenServer } from '../transport/bind.js';
import { bindSocketFile, removeIfSame, type FileIdentity } from '../transport/socket-file.js';
import { createHealthHandler, type HealthSnapshot, type MetricsBody } from './health-handler.js';
import { silentLogger, type Logger } from './logger.js';
import { isLoopbackHost } from './loopback.js';
import { DashboardRoutes } from './dashboard-routes.js';
import { resolveDashboardOptions, type DashboardOptions, type DashboardSource } from './dashboard-options.js';

export type { HealthSnapshot, MetricsBody } from './health-handler.js';

export interface HealthServerOptions {
  /**
   * Address to listen on. Must be loopback unless `allowRemote` is set. Ignored when `path` is set.
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /**
   * TCP port; 0 picks a free one (read it from `url` / `address`).
   * @default 0
   */
  readonly port?: number;
  /**
   * Absolute path of a unix socket to listen on instead of host/port (created mode 0600; keep it
   * in the 0700 runtime dir). Any `Host` header is accepted there.
   * @default undefined (listen on TCP)
   */
  readonly path?: string;
  /**
   * Allow a non-loopback `host` (0.0.0.0, a LAN address). Logs a warning. Requests must still
   * carry a loopback `Host` header or one listed in `allowedHosts`.
   * @default false
   */
  readonly allowRemote?: boolean;
  /**
   * Extra `Host` header names (without port) to accept, e.g. `['myhost.lan']` with `allowRemote`.
   * @default []
   */
  readonly allowedHosts?: readonly string[];
  /** Called for every `GET /health`. */
  readonly health: () => HealthSnapshot;
  /**
   * Produces the `GET /metrics` body, e.g. `async () => ({ contentType: m.contentType, body: await m.metrics() })`.
   * @default undefined (`/metrics` answers 404)
   */
  readonly metrics?: () => Promise<MetricsBody>;
  /**
   * Where warnings (remote bind, refused Host headers) and callback failures go.
   * @default silentLogger
   */
  readonly logger?: Logger;
  /**
   * How long an idle keep-alive connection stays open, in ms.
   * @default 1000
   */
  readonly keepAliveTimeoutMs?: number;
  /**
   * The live dashboard (`GET /`, `GET /events`, `POST /control/*`; docs/observability.md
   * "Dashboard"): its options, and where it reads from. The same Host check applies.
   * @default undefined (no dashboard: `/` answers 404)
   */
  readonly dashboard?: { readonly options: boolean | DashboardOptions; readonly source: DashboardSource; readonly serverToken?: string | undefined };
}

/** Where the health server listens. */
export type HealthServerAddress = { readonly kind: 'tcp'; readonly host: string; readonly port: number } | { readonly kind: 'unix'; readonly path: string };

export interface HealthServer {
  /** Base URL: `http://127.0.0.1:PORT`, or `http+unix://<percent-encoded path>` for a unix socket. */
  readonly url: string;
  readonly address: HealthServerAddress;
  /** The dashboard page URL (with `?token=` when the dashboard has controls); undefined without a dashboard. */
  readonly dashboardUrl: string | undefined;
  /** Stops listening and closes every connection (also idle keep-alive ones). Idempotent. */
  close(): Promise<void>;
}

function checkOptions(options: HealthServerOptions): void {
  if (typeof options.health !== 'function') {
    throw createError('ERR_INVALID_ARGUMENT', 'startHealthServer needs a `health` function that returns the health snapshot', {
      fixes: ["pass health: () => ({ state: 'running', uptimeSecs, connections, version })"],
    });
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw createError('ERR_INVALID_ARGUMENT', `health server port must be an integer from 0 to 65535, got ${String(port)}`, {
      fixes: ['pass port: 0 to pick a free port', 'or a fixed port such as 9464'],
      details: { option: 'port', value: port },
    });
  }
  if (options.path !== undefined && !path.isAbsolute(options.path)) {
    throw createError('ERR_INVALID_ARGUMENT', `health server socket path must be absolute, got ${JSON.stringify(options.path)}`, {
      fixes: ['pass an absolute path inside the runtime dir, e.g. <runtime dir>/<name>.health.sock'],
      details: { option: 'path', value: options.path },
    });
  }
  const host = options.host ?? '127.0.0.1';
  if (options.path === undefined && !options.allowRemote && !isLoopbackHost(host)) {
    throw createError('ERR_ENDPOINT_REMOTE', `the health server would listen on ${host}, which is not a loopback address, so other machines could reach it`, {
      fixes: ["use host: '127.0.0.1' (the default) and scrape it locally", 'or listen on a unix socket with `path`', "or pass allowRemote: true (and allowedHosts: ['<your host name>']) if remote scrapes are intended"],
      details: { host },
    });
  }
}

function listenError(err: unknown, where: string, isUnix: boolean): EndpointError {
  const code = systemCode(err);
  if (code === 'EADDRINUSE') {
    return createError('ERR_ENDPOINT_IN_USE', `cannot start the health server on ${where}: it is already in use`, {
      cause: err,
      fixes: isUnix
        ? [`if no server is running, remove the stale socket file: rm ${where}`, 'or choose another path']
        : ['pass port: 0 to pick a free port', 'or stop the process that uses this port (e.g. `ss -ltnp` shows it)'],
      details: { where, errno: code },
    });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return createError('ERR_ENDPOINT_PERMISSION', `cannot start the health server on ${where}: permission denied`, {
      cause: err,
      fixes: isUnix ? [`make ${path.dirname(where)} writable by you`, 'or use a path in the runtime dir'] : ['use a port above 1023, or port 0'],
      details: { where, errno: code },
    });
  }
  return createError('ERR_ENDPOINT_LISTEN', `cannot start the health server on ${where}: ${code ?? String(err)}`, {
    cause: err,
    fixes: isUnix ? ['check that the directory exists and the path is short enough (107 bytes on Linux)'] : ["use host: '127.0.0.1' and port: 0"],
    details: { where, errno: code },
  });
}

function addressOf(server: http.Server, socketPath: string | undefined): HealthServerAddress {
  if (socketPath !== undefined) return { kind: 'unix', path: socketPath };
  const info = server.address() as AddressInfo;
  return { kind: 'tcp', host: info.address, port: info.port };
}

function urlOf(address: HealthServerAddress): string {
  if (address.kind === 'unix') return `http+unix://${encodeURIComponent(address.path)}`;
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `http://${host}:${address.port}`;
}

/**
 * Starts the health server.
 * @throws EndpointError ERR_ENDPOINT_REMOTE (non-loopback host without allowRemote),
 *   ERR_ENDPOINT_IN_USE, ERR_ENDPOINT_PERMISSION, ERR_ENDPOINT_LISTEN; SidewireError ERR_INVALID_ARGUMENT
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  checkOptions(options);
  const logger = options.logger ?? silentLogger;
  const host = options.host ?? '127.0.0.1';
  const socketPath = options.path;
  if (socketPath === undefined && !isLoopbackHost(host)) {
    logger.warn({ host }, 'health server listens on a non-loopback address: other machines can reach it');
  }
  const d = options.dashboard;
  const dashboard = d === undefined || d.options === false ? undefined : new DashboardRoutes(d.source, resolveDashboardOptions(d.options, d.serverToken), logger);
  // Our own Host check decides (403 over TCP, anything goes over a unix socket), not Node's 400.
  const server = http.createServer(
    { requireHostHeader: false },
    createHealthHandler({
      health: options.health,
      metrics: options.metrics,
      hostCheck: { unixSocket: socketPath !== undefined, allowedHosts: options.allowedHosts ?? [] },
      logger,
      dashboard,
    }),
  );
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 1000;
  server.headersTimeout = 5000;
  server.requestTimeout = 10_000;
  const where = socketPath ?? `${host}:${options.port ?? 0}`;
  let socketFile: FileIdentity | undefined;
  try {
    if (socketPath !== undefined) {
      // Born 0600, verified, published by link: never chmod'ed by a path another user can swap (docs/security.md "Files").
      socketFile = await bindSocketFile(server, socketPath, 0o600);
    } else {
      await listenServer(server, { host, port: options.port ?? 0 });
    }
  } catch (err) {
    if (err instanceof SidewireError) throw err; // ERR_FILE_UNSAFE
    throw listenError(err, where, socketPath !== undefined);
  }
  server.on('error', (err) => logger.error({ err }, 'health server error'));
  const address = addressOf(server, socketPath);
  let closing: Promise<void> | undefined;
  const url = urlOf(address);
  return {
    url,
    address,
    dashboardUrl: dashboard === undefined ? undefined : d?.source.controls === undefined ? `${url}/` : `${url}/?token=${encodeURIComponent(dashboard.token)}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        dashboard?.streams.closeAll();
        if (socketPath !== undefined && socketFile !== undefined) removeIfSame(socketPath, socketFile); // before closing: see removeIfSame
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
