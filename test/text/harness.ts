/**
 * Test harness for text sessions: a real unix-socket server in a private temp dir that hands each
 * connection to handleTextSession (optionally like the sniffer: first chunk passed as `initial`),
 * and a client that sends bytes and collects everything until the server closes.
 */
import * as net from 'node:net';
import * as path from 'node:path';
import { handleTextSession, type TextSessionOptions } from '../../src/text/text-session.js';
import { tempDir, uniqueName } from '../helpers/names.js';

export interface TextServer {
  readonly path: string;
  /** Every handleTextSession promise so far. */
  readonly sessions: Promise<void>[];
  close(): Promise<void>;
}

export interface TextServerOptions {
  /** Read the first chunk first and pass it as `initial`, like the mode sniffer. */
  readonly sniff?: boolean;
  readonly allowHalfOpen?: boolean;
}

export async function startTextServer(session: TextSessionOptions, options: TextServerOptions = {}): Promise<TextServer> {
  const { dir, cleanup } = tempDir('swt');
  const socketPath = path.join(dir, `${uniqueName()}.sock`);
  const sessions: Promise<void>[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: options.allowHalfOpen ?? false }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (options.sniff === true) {
      socket.once('data', (chunk: Buffer) => {
        socket.pause();
        sessions.push(handleTextSession(socket, chunk, session));
      });
    } else {
      sessions.push(handleTextSession(socket, Buffer.alloc(0), session));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return {
    path: socketPath,
    sessions,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      cleanup();
    },
  };
}

export interface Exchange {
  /** Everything the server sent. */
  readonly text: string;
  /** True when the server ended its side (FIN) before the socket closed. */
  readonly serverEnded: boolean;
}

export interface SendOptions {
  /** Delay between chunks, in ms. @default 0 */
  readonly delayMs?: number;
  /** Half-close our side after sending. @default false */
  readonly end?: boolean;
  /** Keep our side open after the server's FIN (so the server must destroy). @default false */
  readonly allowHalfOpen?: boolean;
  /** Fail if the server has not closed by then. @default 5000 */
  readonly timeoutMs?: number;
}

/** Connects, writes `chunks` one by one, and resolves with what came back once the socket closed. */
export function exchange(socketPath: string, chunks: ReadonlyArray<string | Buffer>, options: SendOptions = {}): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ path: socketPath, allowHalfOpen: options.allowHalfOpen ?? false });
    const received: Buffer[] = [];
    let serverEnded = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${options.timeoutMs ?? 5000} ms; got ${JSON.stringify(Buffer.concat(received).toString())}`));
    }, options.timeoutMs ?? 5000);
    socket.on('data', (d: Buffer) => received.push(d));
    socket.on('end', () => {
      serverEnded = true;
    });
    socket.on('error', () => {}); // EPIPE/ECONNRESET after the server closed are expected in some tests
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(received).toString('utf8'), serverEnded });
    });
    socket.once('connect', async () => {
      for (const chunk of chunks) {
        if (socket.destroyed) return;
        socket.write(chunk);
        if ((options.delayMs ?? 0) > 0) await new Promise((r) => setTimeout(r, options.delayMs));
      }
      if (options.end === true && !socket.destroyed) socket.end();
    });
  });
}

/** Sends one string and returns the reply text. */
export async function ask(socketPath: string, line: string | Buffer, options: SendOptions = {}): Promise<string> {
  return (await exchange(socketPath, [line], options)).text;
}
