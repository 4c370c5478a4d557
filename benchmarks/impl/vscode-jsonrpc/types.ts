/**
 * The few vscode-jsonrpc types the benchmark uses, declared here so the root type check does not
 * need benchmarks/node_modules.
 */
import type { Socket } from 'node:net';
import { importPeer } from '../../lib/peer-import.js';

export interface MessageConnection {
  sendRequest<R>(method: string, params: unknown): Promise<R>;
  sendNotification(method: string, params: unknown): Promise<void>;
  onRequest(method: string, handler: (params: unknown) => unknown): void;
  onNotification(method: string, handler: (params: unknown) => void): void;
  listen(): void;
  dispose(): void;
}

interface JsonRpcNode {
  SocketMessageReader: new (socket: Socket) => object;
  SocketMessageWriter: new (socket: Socket) => object;
  createMessageConnection(reader: object, writer: object): MessageConnection;
}

/** Loads vscode-jsonrpc; the returned function makes a connection (not yet listening) over a socket. */
export async function loadConnectionFactory(): Promise<(socket: Socket) => MessageConnection> {
  const rpc = (await importPeer('vscode-jsonrpc/node')) as JsonRpcNode;
  return (socket) =>
    rpc.createMessageConnection(new rpc.SocketMessageReader(socket), new rpc.SocketMessageWriter(socket));
}
