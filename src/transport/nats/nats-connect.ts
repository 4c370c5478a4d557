/**
 * Joining a NATS server (docs/nats.md): the official client, `@nats-io/transport-node`, is an
 * optional peer dependency loaded on first use, so the core package installs and imports without
 * it; asking for a `nats://` endpoint without it is ERR_DEPENDENCY_MISSING saying what to install.
 * Credentials come from the `nats` option, never from the endpoint string; files holding secrets
 * (token, creds, nkey seed) are read with the same checks as sidewire's own files (owner, mode, no
 * symlink: util/safe-file.ts).
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { createError } from '../../errors.js';
import { readSafeSync } from '../../util/safe-file.js';
import type { NatsEndpoint } from '../../endpoint/nats-url.js';
import type { NatsOptions } from './nats-options.js';

export type { NatsOptions } from './nats-options.js';

type NatsModule = typeof import('@nats-io/transport-node');
let loaded: Promise<NatsModule> | undefined;

/** The NATS client module. @throws SidewireError ERR_DEPENDENCY_MISSING when it is not installed. */
export function natsModule(): Promise<NatsModule> {
  loaded ??= import('@nats-io/transport-node').catch((err: unknown) => {
    loaded = undefined;
    throw missing('@nats-io/transport-node', err);
  });
  return loaded;
}

/** ERR_DEPENDENCY_MISSING for an optional NATS package, or `err` itself when it is another failure. */
export function missing(dependency: string, err: unknown): unknown {
  const e = err as { code?: unknown } | null;
  if (e === null || typeof e !== 'object' || (e.code !== 'ERR_MODULE_NOT_FOUND' && e.code !== 'MODULE_NOT_FOUND')) return err;
  return createError('ERR_DEPENDENCY_MISSING', `nats:// endpoints need ${dependency}, an optional peer dependency of sidewire that is not installed`, {
    fixes: [`install it in your application: npm install ${dependency}${dependency === '@nats-io/transport-node' ? '' : ' @nats-io/transport-node'}`, 'or use a local endpoint (unix://, pipe://, tcp://)'],
    details: { dependency },
    cause: err,
  });
}

/** Reads a secret file with sidewire's file checks. @throws SidewireError ERR_FILE_UNSAFE / ERR_INVALID_ARGUMENT */
function secret(path: string, what: string): string {
  const text = readSafeSync(path);
  if (text === undefined) {
    throw createError('ERR_INVALID_ARGUMENT', `the NATS ${what} file ${path} does not exist`, { fixes: [`check the path, or leave the ${what} option out`] });
  }
  return text;
}

/**
 * Connects to the NATS server of `endpoint`. `reconnect`: let the NATS client reconnect by itself
 * (a server's subscriptions survive a NATS restart); false for a client, whose reconnects (with
 * backoff and status events) are sidewire's own (docs/reconnect.md).
 * @throws ConnectionError ERR_CONNECT / ERR_NOT_RUNNING, SidewireError ERR_DEPENDENCY_MISSING
 */
export async function connectNats(endpoint: NatsEndpoint, options: NatsOptions = {}, how: { reconnect: boolean; name: string }): Promise<NatsConnection> {
  const nats = await natsModule();
  const enc = new TextEncoder();
  const authenticator = options.credsFile !== undefined
    ? nats.credsAuthenticator(enc.encode(secret(options.credsFile, 'creds')))
    : options.nkeySeedFile !== undefined
      ? nats.nkeyAuthenticator(enc.encode(secret(options.nkeySeedFile, 'nkey seed').trim()))
      : undefined;
  const token = options.token ?? (options.tokenFile === undefined ? undefined : secret(options.tokenFile, 'token').split('\n')[0]!.trim());
  const tls = options.tls === undefined ? undefined : options.tls === true ? {} : { ...options.tls };
  try {
    return await nats.connect({
      servers: `${endpoint.host}:${endpoint.port}`,
      name: how.name,
      timeout: options.connectTimeoutMs ?? 5000,
      reconnect: how.reconnect,
      maxReconnectAttempts: how.reconnect ? -1 : 0,
      reconnectTimeWait: 250,
      ...(token === undefined ? {} : { token }),
      ...(options.user === undefined ? {} : { user: options.user }),
      ...(options.pass === undefined ? {} : { pass: options.pass }),
      ...(authenticator === undefined ? {} : { authenticator }),
      ...(tls === undefined ? {} : { tls }),
    });
  } catch (err) {
    const refused = /ECONNREFUSED|CONNECTION_REFUSED/i.test(String((err as Error)?.message ?? err)) || (err as { code?: string })?.code === 'ECONNREFUSED';
    const auth = /auth|authorization/i.test(String((err as Error)?.message ?? ''));
    throw createError(refused ? 'ERR_NOT_RUNNING' : 'ERR_CONNECT', `cannot join the NATS server at ${endpoint.url}: ${(err as Error)?.message ?? String(err)}`, {
      cause: err,
      fixes: auth
        ? ['check the NATS credentials (the `nats` option: token, user/pass, credsFile, nkeySeedFile)']
        : [`start nats-server there (e.g. nats-server -a ${endpoint.host} -p ${endpoint.port} -js), or check the endpoint`],
      details: { endpoint: endpoint.url },
    });
  }
}
