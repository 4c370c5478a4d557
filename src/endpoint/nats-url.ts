/**
 * `nats://host[:port]` endpoints (docs/nats.md): the same Server and Client served through a NATS
 * server instead of a local socket. Kept apart from the local `Endpoint` union on purpose: a NATS
 * endpoint is not bound or connected by sidewire's transports, it names the NATS server to join.
 * Credentials never live in the endpoint string (it is printed in logs and errors): they go in the
 * `nats` option (token, user/password, creds or nkey file, TLS).
 */
import { createError } from '../errors.js';

/** A parsed `nats://` endpoint. */
export interface NatsEndpoint {
  readonly kind: 'nats';
  readonly host: string;
  readonly port: number;
  /** `nats://host:port`, safe to print. */
  readonly url: string;
}

/** NATS' own default client port. */
export const DEFAULT_NATS_PORT = 4222;

const SCHEME = /^nats:\/\//i;

/** True when `endpoint` is a string naming a NATS server (`nats://…`). */
export function isNatsEndpoint(endpoint: unknown): endpoint is string {
  return typeof endpoint === 'string' && SCHEME.test(endpoint.trim());
}

/**
 * Parses `nats://host[:port]` (port 4222 when left out).
 * @throws EndpointError ERR_ENDPOINT_FORMAT for credentials in the string, a bad host or port
 */
export function parseNatsEndpoint(input: string): NatsEndpoint {
  const text = input.trim();
  const rest = text.replace(SCHEME, '').replace(/\/$/, '');
  const bad = (why: string, fix: string): never => {
    throw createError('ERR_ENDPOINT_FORMAT', `invalid NATS endpoint ${JSON.stringify(redactNatsUrl(text))}: ${why}`, {
      fixes: [fix],
      details: { endpoint: redactNatsUrl(text), reason: why },
    });
  };
  if (rest.includes('@')) {
    bad('credentials do not belong in the endpoint (it is printed in logs)', 'write nats://HOST:PORT and pass the credentials in the `nats` option (token, user/pass, credsFile) or with --nats-token-file/--nats-creds');
  }
  const m = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(?::(\d{1,5}))?$/.exec(rest);
  if (m === null) bad('expected nats://HOST or nats://HOST:PORT', 'e.g. nats://127.0.0.1:4222');
  const host = m![1]!;
  const port = m![2] === undefined ? DEFAULT_NATS_PORT : Number(m![2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) bad(`port ${m![2]} is not from 1 to 65535`, `e.g. nats://${host}:4222`);
  return { kind: 'nats', host, port, url: `nats://${host}:${port}` };
}

/** `nats://user:secret@host` → `nats://***@host`: for messages about a string a user wrote. */
export function redactNatsUrl(text: string): string {
  return text.replace(/^(nats:\/\/)[^@/]*@/i, '$1***@');
}
