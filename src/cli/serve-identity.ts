/**
 * Which instance a `sidewire serve` is: with the platform default endpoint, the app/name (pid file
 * `<runtime dir>/<name>.pid`); with an explicit endpoint (`--endpoint` or `<APP>_ENDPOINT`), that
 * endpoint — so two daemons on different explicit endpoints run at once (docs/daemon.md §4):
 * - a unix socket: the pid file beside it, `<socket path>.pid`;
 * - any other endpoint: `<runtime dir>/<name>-<12 hex digits of the endpoint's sha256>.pid`.
 * `--pid-file PATH` overrides both.
 */
import { isNatsEndpoint, parseNatsEndpoint } from '../endpoint/nats-url.js';
import { currentUser, runtimeDirFor } from '../endpoint/runtime-dir.js';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { formatEndpoint } from '../endpoint/parse.js';
import { resolveEndpoint } from '../endpoint/resolve.js';

export interface ServeIdentityInput {
  readonly app: string;
  readonly name?: string | undefined;
  readonly endpoint?: string | undefined;
  readonly pidFile?: string | undefined;
  readonly allowRemote: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * The pid file for this instance, or undefined for the daemon kit's default. Resolving the
 * endpoint here also refuses a bad one before anything starts (exit 2 for a bad --endpoint).
 * @throws EndpointError for an invalid app, name or endpoint
 */
export function servePidFile(input: ServeIdentityInput): string | undefined {
  if (input.pidFile !== undefined) return path.resolve(input.pidFile);
  if (isNatsEndpoint(input.endpoint)) {
    // docs/nats.md: one pid file per NATS server and service
    const key = createHash('sha256').update(parseNatsEndpoint(input.endpoint).url).digest('hex').slice(0, 12);
    return path.join(runtimeDirFor(input.app, input.env, currentUser()), `${input.name ?? input.app}-nats-${key}.pid`);
  }
  const resolved = resolveEndpoint({
    app: input.app,
    ...(input.name === undefined ? {} : { name: input.name }),
    ...(input.endpoint === undefined ? {} : { endpoint: input.endpoint }),
    env: input.env,
    allowRemote: input.allowRemote,
  });
  if (input.pidFile !== undefined) return path.resolve(input.pidFile);
  if (resolved.source === 'default') return undefined;
  const { endpoint } = resolved;
  if (endpoint.kind === 'unix') return `${endpoint.path}.pid`;
  const key = createHash('sha256').update(formatEndpoint(endpoint)).digest('hex').slice(0, 12);
  return path.join(resolved.runtimeDir, `${resolved.name}-${key}.pid`);
}
