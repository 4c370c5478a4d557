/**
 * Plain `node:net` unix-socket helpers for the raw and vscode-jsonrpc implementations.
 */
import { connect, createServer, type Socket } from 'node:net';
import type { BenchServer } from './protocol.js';

export function connectUnix(socketPath: string): Promise<Socket> {
  return new Promise<Socket>((resolve, reject) => {
    const socket = connect({ path: socketPath });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Ends `socket` and resolves when it closed (or after `timeoutMs`, destroying it). */
export function closeSocket(socket: Socket, timeoutMs = 2000): Promise<void> {
  return new Promise<void>((resolve) => {
    if (socket.destroyed) return resolve();
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    timer.unref();
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.end();
  });
}

/** Listens on `socketPath`; `onConnection` gets every accepted socket. Resolves once listening. */
export function listenUnix(socketPath: string, onConnection: (socket: Socket) => void): Promise<BenchServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    onConnection(socket);
  });
  return new Promise<BenchServer>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve({
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
