/**
 * ZeroMQ endpoint strings (docs/zeromq.md "Endpoints"): `ipc:///abs/path.sock` (a Unix socket
 * file; `unix://` and a raw `/abs/path` are accepted too), `ipc://@name` (a Linux abstract
 * socket) and `tcp://host:port` (loopback unless remote access is allowed; port 0 or `*` picks a
 * free port). Parsed by the endpoint layer (endpoint/parse.ts), then judged for ZeroMQ on this
 * platform: named pipes do not exist in ZeroMQ, and Windows has no `ipc://` in the zeromq.js
 * builds, so the fixes there offer `tcp://127.0.0.1:5555`. Pure: nothing is bound or probed here.
 */
import * as path from 'node:path';
import { createError, type EndpointError } from '../errors.js';
import type { Endpoint } from '../endpoint/endpoint.js';
import { isLoopbackHost, parseEndpoint } from '../endpoint/parse.js';
import { currentUser, runtimeDirFor, type UserInputs } from '../endpoint/runtime-dir.js';
import { currentPlatform, type PlatformInfo } from '../platform/detect.js';

/** The port ZeroMQ examples use; offered in fixes. */
export const ZEROMQ_EXAMPLE_PORT = 5555;

/** A ZeroMQ endpoint sidewire can bind. */
export type ZeroMQEndpoint = Extract<Endpoint, { kind: 'unix' | 'abstract' | 'tcp' }>;

export interface ZeroMQAddressOptions {
  /**
   * Application name, for the example paths in fixes (`<runtime dir>/<name>.zmq.sock`).
   * @default 'sidewire'
   */
  readonly app?: string;
  /**
   * Service name, for the example paths in fixes.
   * @default app
   */
  readonly name?: string;
  /**
   * Accept a non-loopback TCP host (a warning is returned instead of ERR_ENDPOINT_REMOTE).
   * @default false
   */
  readonly allowRemote?: boolean;
  /**
   * Where the value came from, named in messages (e.g. `--zeromq`).
   * @default 'zeromq endpoint'
   */
  readonly what?: string;
  /**
   * Platform facts (`sidewire doctor --platform` simulates others).
   * @default currentPlatform()
   */
  readonly platform?: PlatformInfo;
  /**
   * Environment for the runtime dir in fixes.
   * @default process.env
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * The user, for the runtime dir in fixes.
   * @default currentUser()
   */
  readonly user?: UserInputs;
}

/** A resolved ZeroMQ endpoint. */
export interface ResolvedZeroMQAddress {
  readonly endpoint: ZeroMQEndpoint;
  /** The address zeromq.js binds (`ipc://…`, `tcp://host:port`, port 0 as `*`). */
  readonly address: string;
  /** E.g. an allowed non-loopback host. */
  readonly warnings: readonly string[];
}

/** The ZeroMQ spelling of `endpoint` (port 0 stays 0; `bindAddress` turns it into `*`). */
export function formatZeroMQ(endpoint: ZeroMQEndpoint): string {
  switch (endpoint.kind) {
    case 'unix':
      return `ipc://${endpoint.path}`;
    case 'abstract':
      return `ipc://@${endpoint.name}`;
    case 'tcp':
      return `tcp://${endpoint.host}:${endpoint.port}`;
  }
}

/** Values that work on `platform`, to offer in fixes. */
export function zeroMQSuggestions(options: ZeroMQAddressOptions = {}): string[] {
  const platform = options.platform ?? currentPlatform();
  const app = options.app ?? 'sidewire';
  const name = options.name ?? app;
  const tcp = `tcp://127.0.0.1:${ZEROMQ_EXAMPLE_PORT}`;
  if (!platform.supports.unix) return [tcp];
  const out: string[] = [];
  const dir = runtimeDirFor(app, options.env ?? process.env, options.user ?? currentUser());
  for (const p of [path.posix.join(dir, `${name}.zmq.sock`), `/tmp/${name}.zmq.sock`]) {
    if (platform.socketPathMax === null || Buffer.byteLength(p) <= platform.socketPathMax) {
      out.push(`ipc://${p}`);
      break;
    }
  }
  if (platform.supports.abstract) out.push(`ipc://@${app}-${name}-zmq`);
  out.push(tcp);
  return out;
}

function fail(code: 'ERR_ENDPOINT_FORMAT' | 'ERR_ENDPOINT_PLATFORM' | 'ERR_ENDPOINT_PATH_TOO_LONG' | 'ERR_ENDPOINT_REMOTE', message: string, fixes: string[], details: Record<string, unknown>): EndpointError {
  return createError(code, message, { fixes, details: { ...details, source: 'explicit' } }) as EndpointError;
}

/**
 * Parses and validates a ZeroMQ endpoint string for binding on this platform.
 * @throws EndpointError ERR_ENDPOINT_FORMAT, ERR_ENDPOINT_PLATFORM, ERR_ENDPOINT_PATH_TOO_LONG or ERR_ENDPOINT_REMOTE
 */
export function resolveZeroMQAddress(value: string, options: ZeroMQAddressOptions = {}): ResolvedZeroMQAddress {
  const what = options.what ?? 'zeromq endpoint';
  const platform = options.platform ?? currentPlatform();
  const fixes = (): string[] => zeroMQSuggestions(options).map((v, i) => `${i === 0 ? 'use' : 'or'} ${v}`);
  const text = typeof value === 'string' ? value.trim().replace(/^tcp:\/\/([^/]+):\*$/i, 'tcp://$1:0') : '';
  let parsed: Endpoint | 'auto';
  try {
    parsed = parseEndpoint(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw fail('ERR_ENDPOINT_FORMAT', `${what} ${JSON.stringify(value)} is not valid: ${message.replace(/^endpoint '.*?' is not valid: /, '')}`, fixes(), { value });
  }
  if (parsed === 'auto' || parsed.kind === 'pipe') {
    const why = parsed === 'auto' ? 'a ZeroMQ endpoint must be given explicitly' : 'ZeroMQ has no named pipes';
    throw fail('ERR_ENDPOINT_FORMAT', `${what} ${JSON.stringify(value)} is not valid: ${why}; ZeroMQ endpoints are ipc:///abs/path.sock or tcp://host:port`, fixes(), { value });
  }
  const endpoint = parsed;
  const shown = formatZeroMQ(endpoint);
  const details = { value: shown, kind: endpoint.kind, platform: platform.id };
  if (endpoint.kind === 'unix') {
    if (!platform.supports.unix) {
      throw fail('ERR_ENDPOINT_PLATFORM', `${what} ${shown} cannot be used on ${platform.label}: ipc:// endpoints are Unix socket files; on Windows ZeroMQ peers meet on loopback TCP`, fixes(), details);
    }
    const limit = platform.socketPathMax;
    const length = Buffer.byteLength(endpoint.path);
    if (limit !== null && length > limit) {
      throw fail('ERR_ENDPOINT_PATH_TOO_LONG', `${what} ${shown} is too long: the socket path is ${length} bytes, but ${platform.label} allows at most ${limit}`, fixes(), {
        ...details,
        path: endpoint.path,
        length,
        limit,
      });
    }
  } else if (endpoint.kind === 'abstract' && !platform.supports.abstract) {
    throw fail('ERR_ENDPOINT_PLATFORM', `${what} ${shown} cannot be used on ${platform.label}: abstract sockets exist only on Linux`, fixes(), details);
  }
  const warnings: string[] = [];
  if (endpoint.kind === 'tcp' && !isLoopbackHost(endpoint.host)) {
    const why = `${what} ${shown} is not a loopback address, so other machines could reach it`;
    if (options.allowRemote !== true) {
      throw fail('ERR_ENDPOINT_REMOTE', `${why}; remote access is off by default`, [`use tcp://127.0.0.1:${endpoint.port}`, 'or, if other machines really should connect, opt in to remote access (allowRemote: true, --allow-remote); ZeroMQ peers present no token'], { ...details, host: endpoint.host });
    }
    warnings.push(`${why} (remote access was allowed explicitly; ZeroMQ peers present no token)`);
  }
  return { endpoint, address: bindAddress(endpoint), warnings };
}

/** What zeromq.js binds: port 0 becomes `*` (ZeroMQ's "any free port"). */
function bindAddress(endpoint: ZeroMQEndpoint): string {
  return endpoint.kind === 'tcp' && endpoint.port === 0 ? `tcp://${endpoint.host}:*` : formatZeroMQ(endpoint);
}

