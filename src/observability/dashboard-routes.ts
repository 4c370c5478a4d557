/**
 * The dashboard routes of the health server (docs/observability.md "Dashboard"): `GET /` (the
 * page), `GET /events` (Server-Sent Events) and `POST /control/pause|resume|reload` (daemon kit
 * only, with the token in the `x-sidewire-token` header: 403 without it). The health server's
 * Host check runs before these. Every control request is logged and put in the event tail.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from './logger.js';
import type { DashboardSource, ResolvedDashboardOptions } from './dashboard-options.js';
import { dashboardPage } from './dashboard-page.js';
import { DashboardStreams } from './dashboard-stream.js';
import { errorFields } from './redact.js';

const TEXT = 'text/plain; charset=utf-8';
const ACTIONS = ['pause', 'resume', 'reload'] as const;
type Action = (typeof ACTIONS)[number];

function sameToken(given: string | undefined, expected: string): boolean {
  if (given === undefined || given === '') return false;
  // Hash both so the comparison is constant-time whatever the lengths.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function text(res: ServerResponse, status: number, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': TEXT, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...extra });
  res.end(body);
}

export class DashboardRoutes {
  readonly #source: DashboardSource;
  readonly #options: ResolvedDashboardOptions;
  readonly #logger: Logger;
  readonly streams: DashboardStreams;

  constructor(source: DashboardSource, options: ResolvedDashboardOptions, logger: Logger) {
    this.#source = source;
    this.#options = options;
    this.#logger = logger;
    this.streams = new DashboardStreams(source, options, logger);
  }

  /** The token of the control requests (`?token=` in the page URL). */
  get token(): string {
    return this.#options.token;
  }

  /** Answers the request when `path` is a dashboard route; false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): boolean {
    if (path === '/' || path === '/index.html') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return this.#notAllowed(res, 'GET, HEAD');
      const controls = this.#source.controls !== undefined && sameToken(query.get('token') ?? undefined, this.#options.token);
      const page = dashboardPage(controls);
      const body = Buffer.from(page.html, 'utf8');
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': String(body.length),
        'cache-control': 'no-store',
        'content-security-policy': page.csp,
        'referrer-policy': 'no-referrer',
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    }
    if (path === '/events') {
      if (req.method !== 'GET') return this.#notAllowed(res, 'GET');
      this.streams.open(req, res);
      return true;
    }
    const action = path.startsWith('/control/') ? path.slice('/control/'.length) : undefined;
    if (action === undefined) return false;
    if (!(ACTIONS as readonly string[]).includes(action)) {
      text(res, 404, 'not found: the controls are /control/pause, /control/resume and /control/reload\n');
      return true;
    }
    if (req.method !== 'POST') return this.#notAllowed(res, 'POST');
    this.#control(req, res, action as Action);
    return true;
  }

  #notAllowed(res: ServerResponse, allow: string): true {
    text(res, 405, `method not allowed: use ${allow}\n`, { allow });
    return true;
  }

  #control(req: IncomingMessage, res: ServerResponse, action: Action): void {
    req.resume(); // no body is read
    const header = req.headers['x-sidewire-token'];
    const given = Array.isArray(header) ? header[0] : header;
    const controls = this.#source.controls;
    if (controls === undefined || !sameToken(given, this.#options.token)) {
      this.#logger.warn({ action, reason: controls === undefined ? 'no controls' : 'bad or missing token' }, 'dashboard control refused');
      text(res, 403, controls === undefined
        ? 'forbidden: this server has no daemon controls (only a daemon built with the daemon kit has them)\n'
        : 'forbidden: send the dashboard token in the x-sidewire-token header (open the page with the ?token= URL that sidewire serve --dashboard printed)\n');
      return;
    }
    // warn: an operator action, so it shows in the default (warn) log of `sidewire serve`.
    this.#logger.warn({ action }, `dashboard control: ${action} requested with the token`);
    Promise.resolve()
      .then(() => controls[action]())
      .then(
        () => {
          this.#source.tail?.push('control', action, { detail: 'ok' });
          text(res, 200, `${action}: ok, state ${this.#source.state()}\n`);
        },
        (err: unknown) => {
          const message = err instanceof Error ? errorFields(err)['message'] : String(err);
          this.#logger.warn({ action, err }, `dashboard control ${action} failed`);
          this.#source.tail?.push('control', action, { detail: `failed: ${String(message)}` });
          text(res, 409, `${action} failed: ${String(message)}\n`);
        },
      );
  }
}
