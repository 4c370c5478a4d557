/**
 * One measurement: a fresh server process and a fresh client process for one implementation and
 * one scenario, over a unix socket in a private temp dir. Both are always killed and the dir removed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchPath, killAllChildren, spawnChild, type ChildHandle } from './spawn.js';
import type { ScenarioParams } from './scenarios.js';

export interface PairOptions {
  readonly impl: string;
  readonly scenario: string;
  readonly params: ScenarioParams;
  /** Pin client to CPU 0 and server to CPU 1. */
  readonly pin: boolean;
  /** Kill both processes when the measurement takes longer than this. */
  readonly timeoutMs: number;
}

/** Start-up allowance (module loading through tsx) before the measurement's own timeout. */
const STARTUP_MS = 30_000;

/** Temp dirs of pairs still running (removed by `abortPairs` on a signal). */
const liveDirs = new Set<string>();

/** Kills every running child and removes the pairs' temp dirs (for SIGINT/SIGTERM handlers). */
export function abortPairs(): void {
  killAllChildren();
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  liveDirs.clear();
}

/** Runs one pair; resolves with the client's metrics plus `clientRssMiB` and `serverRssMiB`. */
export async function runPair(options: PairOptions): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'swb-'));
  liveDirs.add(dir);
  const socketPath = join(dir, 's.sock');
  const children: ChildHandle[] = [];
  try {
    const server = spawnChild({
      script: benchPath('child/server-main.ts'),
      args: ['--impl', options.impl, '--socket', socketPath],
      label: `${options.impl} server`,
      ...(options.pin ? { cpu: 1 } : {}),
    });
    children.push(server);
    const client = spawnChild({
      script: benchPath('child/client-main.ts'),
      args: ['--impl', options.impl, '--socket', socketPath, '--scenario', options.scenario, '--params', JSON.stringify(options.params)],
      label: `${options.impl} client`,
      ...(options.pin ? { cpu: 0 } : {}),
    });
    children.push(client);
    await Promise.all([server.next(STARTUP_MS), client.next(STARTUP_MS)]);
    client.send('go');
    const result = await client.next(options.timeoutMs);
    if (result.type !== 'result') throw new Error(`client sent "${result.type}" instead of a result`);
    server.send('stop');
    const stopped = await server.next(10_000);
    const metrics: Record<string, number> = { ...result.metrics };
    const mib = 1024 * 1024;
    if (result.peakRssBytes !== undefined) metrics['clientRssMiB'] = result.peakRssBytes / mib;
    if (stopped.type === 'stopped' && stopped.peakRssBytes !== undefined) metrics['serverRssMiB'] = stopped.peakRssBytes / mib;
    return metrics;
  } finally {
    await Promise.all(children.map((c) => c.kill()));
    rmSync(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
  }
}
