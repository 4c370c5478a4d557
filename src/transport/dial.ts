/**
 * One raw connection attempt with a deadline, without any error mapping: the shared core of
 * `connectTransport` (which maps failures to coded errors) and `probeEndpoint` (which maps them
 * to probe states).
 */
import * as net from 'node:net';
import type { Endpoint } from '../endpoint/endpoint.js';
import { toNetAddress } from '../endpoint/parse.js';
import { connectAbstractSocket } from './abstract-exact.js';

export type DialResult =
  | { readonly ok: true; readonly socket: net.Socket }
  | { readonly ok: false; readonly timedOut: boolean; readonly error: Error };

/** Connects to `endpoint`; settles on 'connect', 'error' or after `timeoutMs`. Never rejects. */
export function dial(endpoint: Endpoint, timeoutMs: number): Promise<DialResult> {
  if (endpoint.kind === 'abstract') {
    // An exact abstract name (abstract-exact.ts): a unix socket connects at once or fails.
    try {
      const socket = connectAbstractSocket(endpoint.name);
      if (socket !== undefined) return Promise.resolve({ ok: true, socket });
    } catch (err) {
      return Promise.resolve({ ok: false, timedOut: false, error: err as Error });
    }
  }
  return new Promise((resolve) => {
    const socket = net.connect(toNetAddress(endpoint));
    const finish = (result: DialResult): void => {
      clearTimeout(timer);
      socket.removeListener('connect', onConnect);
      socket.removeListener('error', onError);
      resolve(result);
    };
    const onConnect = (): void => finish({ ok: true, socket });
    const onError = (error: Error): void => {
      socket.destroy();
      finish({ ok: false, timedOut: false, error });
    };
    const timer = setTimeout(() => {
      socket.destroy();
      const error = Object.assign(new Error(`connect timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' });
      finish({ ok: false, timedOut: true, error });
    }, timeoutMs);
    timer.unref();
    socket.once('connect', onConnect);
    socket.once('error', onError);
  });
}
