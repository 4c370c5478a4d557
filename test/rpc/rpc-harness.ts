/**
 * Test helpers for the rpc layer: a server on a fresh unix socket in a private temp dir, and a
 * raw line-based socket client that speaks JSON-RPC by hand (so tests see the exact wire).
 */
import * as net from 'node:net';
import * as path from 'node:path';
import { serve, type Server } from '../../src/server/server.js';
import type { ServerOptions } from '../../src/server/server-options.js';
import type { ServiceShape, UntypedService } from '../../src/protocol/service.js';
import { tempDir, uniqueName } from '../helpers/names.js';
import { RawPeer } from '../helpers/arrivals.js';

export interface TestServer<S extends ServiceShape = UntypedService> {
  readonly server: Server<S>;
  readonly dir: string;
  /** The socket path (the pipe path `\\.\pipe\<app>` on Windows). */
  readonly path: string;
  /** `unix://<path>` (`pipe://<app>` on Windows). */
  readonly endpoint: string;
  /** Environment that makes the runtime dir live inside `dir`. */
  readonly env: Record<string, string>;
  readonly app: string;
  cleanup(): Promise<void>;
}

/**
 * A server on `unix://<tmp>/s.sock` with its runtime dir in the same temp dir. Under node.exe (the
 * win32 lane, docs/windows.md) it is the named pipe `pipe://<app>` instead, the runtime dir still in
 * the temp dir (through LOCALAPPDATA).
 */
export async function startServer<S extends ServiceShape = UntypedService>(options: ServerOptions = {}): Promise<TestServer<S>> {
  const { dir, cleanup } = tempDir('swr');
  const app = uniqueName('a');
  const win32 = process.platform === 'win32';
  const socketPath = win32 ? `\\\\.\\pipe\\${app}` : path.join(dir, 's.sock');
  const endpoint = win32 ? `pipe://${app}` : `unix://${socketPath}`;
  const env: Record<string, string> = win32 ? { LOCALAPPDATA: dir } : { XDG_RUNTIME_DIR: dir };
  const server = await serve<S>({ app, endpoint, env, cleanupOnExit: false, ...options });
  return {
    server,
    dir,
    path: socketPath,
    endpoint,
    env,
    app,
    async cleanup() {
      await server.close({ deadlineMs: 200 });
      cleanup();
    },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** A raw client: writes lines, reads lines, nothing clever. */
export class RawClient extends RawPeer<string> {
  declare readonly socket: net.Socket;
  private buffer = '';

  private constructor(socket: net.Socket) {
    super(socket, 'line');
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) !== -1) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        this.arrived.push(line);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.buffer !== '') this.arrived.push(this.buffer);
      this.buffer = '';
      this.arrived.end();
    });
  }

  static connect(socketPath: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(socketPath, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  /** Writes a value as one line (strings are written as-is). */
  send(value: unknown): void {
    this.socket.write(typeof value === 'string' ? value : JSON.stringify(value) + '\n');
  }

  /** The next line, or undefined when the connection closed; rejects after `timeoutMs`. */
  nextLine(timeoutMs = 5000): Promise<string | undefined> {
    return this.arrived.next(timeoutMs);
  }

  /** The next line parsed as JSON. */
  async next(timeoutMs = 5000): Promise<Json> {
    const line = await this.nextLine(timeoutMs);
    if (line === undefined) throw new Error('connection closed before a reply');
    return JSON.parse(line);
  }

}

/** Resolves after `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until true (rejects after `timeoutMs`). */
export async function waitFor(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}
