/**
 * Client-side helper: opens many `Client`s at once, a bounded number of connects in flight (the
 * accept backlog of a unix socket is finite: beyond it connect fails with EAGAIN), retrying
 * transient failures.
 */
import { connect, connectTransport, isSidewireError, type Client, type ClientOptions } from '../../src/index.js';
import type { Socket } from 'node:net';
import { clientMode, sleep } from '../lib/child-io.js';

export interface ConnectManyOptions {
  readonly endpoint: string;
  /** Name sent in `$/hello` (`<name>-<i>`). */
  readonly name: string;
  /**
   * Connects in flight at once.
   * @default 32
   */
  readonly concurrency?: number;
  /**
   * Attempts per client.
   * @default 50
   */
  readonly attempts?: number;
  /**
   * Extra client options (override the defaults here, e.g. `reconnect`).
   * @default { reconnect: false } — a stress client that lost its connection stays closed
   */
  readonly client?: Partial<ClientOptions>;
  /**
   * Keep each client's socket (for abrupt disconnects): `sockets[i]`.
   * @default false
   */
  readonly keepSockets?: boolean;
}

/** A connected client and (when asked for) its socket. */
export interface Opened {
  readonly client: Client;
  readonly socket: Socket | undefined;
}

/** Errors worth another attempt: a full backlog, a slow accept. */
function transient(err: unknown): boolean {
  return isSidewireError(err, 'ERR_CONNECT') || isSidewireError(err, 'ERR_TIMEOUT') || isSidewireError(err, 'ERR_HANDSHAKE');
}

/** Opens one client, retrying transient failures. */
export async function openOne(options: ConnectManyOptions, index: number): Promise<Opened> {
  const attempts = options.attempts ?? 50;
  for (let attempt = 1; ; attempt++) {
    let socket: Socket | undefined;
    try {
      const client = await connect({
        endpoint: options.endpoint,
        env: {},
        client: { name: `${options.name}-${index}`, version: '1' },
        connectTimeoutMs: 20_000,
        reconnect: false,
        ...clientMode(),
        ...(options.keepSockets
          ? {
              transportFactory: async (target, o) => {
                socket = await connectTransport(target.endpoint, o);
                return socket;
              },
            }
          : {}),
        ...options.client,
      });
      return { client, socket };
    } catch (err) {
      if (attempt >= attempts || !transient(err)) throw err;
      await sleep(Math.min(500, 10 * attempt));
    }
  }
}

/** Opens `n` clients (indices `first`…`first + n - 1`). */
export async function connectMany(n: number, options: ConnectManyOptions, first = 0): Promise<Opened[]> {
  const out: Opened[] = new Array<Opened>(n);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      out[i] = await openOne(options, first + i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, options.concurrency ?? 32) }, worker));
  return out;
}
