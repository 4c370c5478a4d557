/**
 * sidewire server (the real `serve()`, every connection mode on one socket) for the benchmarks:
 * `echo` returns its params, notifications `n` and `blob` are counted, `sync` returns the counters.
 * The binary-mode client (client.ts) talks to it with length-prefixed MessagePack frames.
 * sidewire itself is the compiled build when the orchestrator made one (../sidewire/load.ts).
 */
import { dirname } from 'node:path';
import type { BenchServer, EndpointOptions } from '../../lib/protocol.js';
import { loadSidewire } from '../sidewire/load.js';

interface Data {
  readonly d: Buffer;
}

export async function startServer(options: EndpointOptions): Promise<BenchServer> {
  const { serve } = await loadSidewire();
  let notifications = 0;
  let blobBytes = 0;
  const server = await serve({
    app: 'bench',
    endpoint: `unix://${options.socketPath}`,
    env: { XDG_RUNTIME_DIR: dirname(options.socketPath) },
    discovery: false,
    cleanupOnExit: false,
  });
  server.method('echo', (params) => params);
  server.method('sync', () => ({ notifications, blobBytes }));
  server.onNotification('n', () => {
    notifications++;
  });
  server.onNotification('blob', (params) => {
    blobBytes += (params as Data).d.length;
  });
  return { close: () => server.close({ deadlineMs: 500 }) };
}
