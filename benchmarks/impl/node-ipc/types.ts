/**
 * The few node-ipc (v14) types the benchmark uses, declared here so the root type check does not
 * need benchmarks/node_modules.
 */
import type { Socket } from 'node:net';
import { importPeer } from '../../lib/peer-import.js';

export interface IpcConfig {
  silent: boolean;
  socketRoot: string;
  appspace: string;
  maxRetries: number;
  stopRetrying: boolean;
  maxConnections: number;
}

export interface IpcServer {
  on(event: string, handler: (data: unknown, socket: Socket) => void): void;
  emit(socket: Socket, event: string, data: unknown): boolean;
  start(): void;
  stop(): void;
}

export interface IpcClientConnection {
  on(event: string, handler: (data: unknown) => void): void;
  emit(event: string, data: unknown): boolean;
  socket: Socket | false;
}

export interface IpcInstance {
  config: IpcConfig;
  server: IpcServer;
  of: Record<string, IpcClientConnection | undefined>;
  serve(path: string, callback: () => void): void;
  connectTo(id: string, path: string, callback: () => void): void;
  disconnect(id: string): void;
}

/** A fresh, silent node-ipc instance whose socket root is `dir`. */
export async function createIpc(dir: string): Promise<IpcInstance> {
  const mod = (await importPeer('node-ipc')) as { IPCModule: new () => IpcInstance };
  const ipc = new mod.IPCModule();
  ipc.config.silent = true;
  ipc.config.socketRoot = dir.endsWith('/') ? dir : `${dir}/`;
  ipc.config.appspace = '';
  ipc.config.maxRetries = 0;
  ipc.config.stopRetrying = true;
  return ipc;
}
