/**
 * The request handler of the health server: `GET /health`, `GET /metrics`, a `Host` header
 * check, and short plain-text errors (never a stack trace).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from './logger.js';
import { isAllowedHostHeader, type HostCheckOptions } from './loopback.js';
import type { DashboardRoutes } from './dashboard-routes.js';

/** What `GET /health` reports; extra fields are passed through to the JSON body. */
export interface HealthSnapshot {
  /** Lifecycle state, e.g. `running`; `stopping` and `stopped` make `/health` answer 503. */
  readonly state: string;
  readonly uptimeSecs: number;
  /** Open client connections. */
  readonly connections: number;
  /** The server's version. */
  readonly version: string;
  readonly [extra: string]: unknown;
}

/** The Prometheus exposition returned by `GET /metrics`. */
export interface MetricsBody {
  readonly contentType: string;
  readonly body: string;
}

export interface HealthRoutes {
  readonly health: () => HealthSnapshot;
  readonly metrics: (() => Promise<MetricsBody>) | undefined;
  readonly hostCheck: HostCheckOptions;
  readonly logger: Logger;
  /** `GET /`, `GET /events`, `POST /control/*` when the dashboard is on (docs/observability.md "Dashboard"). */
  readonly dashboard?: DashboardRoutes | undefined;
}

const UNHEALTHY_STATES: ReadonlySet<string> = new Set(['stopping', 'stopped']);
const TEXT = 'text/plain; charset=utf-8';

function send(req: IncomingMessage, res: ServerResponse, status: number, contentType: string, body: string, extra: Record<string, string> = {}): void {
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': String(bytes.length),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...extra,
  });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

function serveHealth(req: IncomingMessage, res: ServerResponse, routes: HealthRoutes): void {
  let snapshot: HealthSnapshot;
  try {
    snapshot = routes.health();
  } catch (err) {
    routes.logger.error({ err }, 'health check callback failed');
    send(req, res, 500, 'application/json', `${JSON.stringify({ status: 'error' })}\n`);
    return;
  }
  const unhealthy = UNHEALTHY_STATES.has(snapshot.state);
  const status = unhealthy ? 'stopping' : 'ok';
  const body = Object.assign({ status }, snapshot, { status });
  send(req, res, unhealthy ? 503 : 200, 'application/json', `${JSON.stringify(body)}\n`);
}

async function serveMetrics(req: IncomingMessage, res: ServerResponse, routes: HealthRoutes): Promise<void> {
  if (routes.metrics === undefined) {
    send(req, res, 404, TEXT, 'not found: metrics are not enabled\n');
    return;
  }
  let result: MetricsBody;
  try {
    result = await routes.metrics();
  } catch (err) {
    routes.logger.error({ err }, 'metrics callback failed');
    send(req, res, 500, TEXT, 'metrics unavailable\n');
    return;
  }
  send(req, res, 200, result.contentType, result.body);
}

/** Builds the `(req, res)` listener for `http.createServer`. */
export function createHealthHandler(routes: HealthRoutes): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (!isAllowedHostHeader(req.headers.host, routes.hostCheck)) {
      routes.logger.warn({ host: req.headers.host ?? null, url: req.url }, 'health server refused a request with a foreign Host header');
      send(req, res, 403, TEXT, 'forbidden: Host header not allowed (use localhost or 127.0.0.1)\n');
      return;
    }
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (routes.dashboard?.handle(req, res, path, new URLSearchParams(q === -1 ? '' : url.slice(q + 1))) === true) return;
    if (path !== '/health' && path !== '/metrics') {
      send(req, res, 404, TEXT, 'not found: try /health or /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(req, res, 405, TEXT, 'method not allowed: use GET or HEAD\n', { allow: 'GET, HEAD' });
      return;
    }
    if (path === '/health') {
      serveHealth(req, res, routes);
      return;
    }
    serveMetrics(req, res, routes).catch((err: unknown) => {
      routes.logger.error({ err }, 'health server failed to answer /metrics');
      res.destroy();
    });
  };
}
