/**
 * sidewire server (the real `serve()`, JSON mode on the wire) for the benchmarks: `echo` returns
 * its params, notifications `n` and `blob` (base64) are counted, `sync` returns the counters.
 *
 * For the `metrics` scenario (e) the method `bench.metricsEndpoint` starts, once, a second server
 * in this process with `metrics: true` on a sibling socket (`m.sock`) and returns its path; the
 * first server keeps metrics off. Both serve the same handlers, so the client can alternate
 * between them and only the metrics differ; `bench.cpu` returns the process's CPU time (µs).
 *
 * sidewire itself is the compiled build when the orchestrator made one (load.ts).
 */
import { dirname, join } from 'node:path';
import type { Server } from '../../../src/index.js';
import type { BenchServer, EndpointOptions } from '../../lib/protocol.js';
import { loadSidewire } from './load.js';

interface Counters {
  notifications: number;
  blobBytes: number;
}

interface Params {
  readonly d?: string;
  readonly b64?: string;
}

/** Starts one sidewire server on `socketPath` with the benchmark's handlers. */
export async function startSidewire(socketPath: string, metrics: boolean, counters: Counters): Promise<Server> {
  const { serve } = await loadSidewire();
  const server = await serve({
    app: 'bench',
    endpoint: `unix://${socketPath}`,
    env: { XDG_RUNTIME_DIR: dirname(socketPath) },
    discovery: false,
    cleanupOnExit: false,
    metrics,
  });
  server.method('echo', (params) => params);
  server.method('sync', () => ({ n: counters.notifications, bytes: counters.blobBytes }));
  server.method('bench.cpu', () => {
    const u = process.cpuUsage(); // the whole process: both servers of scenario (e) live in it
    return u.user + u.system;
  });
  server.onNotification('n', () => {
    counters.notifications++;
  });
  server.onNotification('blob', (params) => {
    counters.blobBytes += Buffer.from((params as Params).b64 ?? '', 'base64').length;
  });
  return server;
}

export async function startServer(options: EndpointOptions): Promise<BenchServer> {
  const counters: Counters = { notifications: 0, blobBytes: 0 };
  const main = await startSidewire(options.socketPath, false, counters);
  let withMetrics: Promise<Server> | undefined;
  const metricsPath = join(dirname(options.socketPath), 'm.sock');
  main.method('bench.metricsEndpoint', async () => {
    withMetrics ??= startSidewire(metricsPath, true, counters);
    await withMetrics;
    return { socketPath: metricsPath };
  });
  return {
    close: async () => {
      const servers = [main, ...(withMetrics === undefined ? [] : [await withMetrics])];
      await Promise.all(servers.map((s) => s.close({ deadlineMs: 500 })));
    },
  };
}
