/**
 * The C floor of the latency scenario (docs/benchmarks.md, "The C floor"): `native/floor.c`,
 * compiled with `cc -O2` once per benchmark run, then run as a server + client pair in every
 * latency run, pinned like the others. Its p50/p99/p99.9 are what the kernel and the machine cost
 * that day (the absolute round trip on shared VMs swings several-fold between days), and every
 * latency figure is also given as a multiple of it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchPath, spawnNative, type ChildHandle } from './spawn.js';
import type { ScenarioParams } from './scenarios.js';

/** The row id of the floor in the latency results. */
export const FLOOR_ID = 'c-floor';
/** Its row label. */
export const FLOOR_LABEL = 'C floor (cc -O2, length-prefix)';

/** A compiled floor: the binary and its temp dir (removed by `dispose`). */
export interface Floor {
  readonly binary: string;
  dispose(): void;
}

/**
 * Compiles native/floor.c with `cc` (the compiler `CC` names, else `cc`).
 * @throws Error naming the command and its output when there is no compiler or the build fails
 */
export function buildFloor(): Floor {
  const dir = mkdtempSync(join(tmpdir(), 'swb-floor-'));
  const binary = join(dir, 'floor');
  const cc = process.env['CC'] ?? 'cc';
  const built = spawnSync(cc, ['-O2', '-o', binary, benchPath('native/floor.c')], { encoding: 'utf8' });
  if (built.error !== undefined || built.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    const why = built.error?.message ?? built.stderr.trim().split('\n').slice(-3).join(' | ');
    throw new Error(`cannot compile the C floor (${cc} -O2 benchmarks/native/floor.c): ${why}; install a C compiler (apt-get install gcc)`);
  }
  return { binary, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** One floor measurement: a server and a client process (client on CPU 0, server on CPU 1 when pinned). */
export async function runFloor(floor: Floor, params: ScenarioParams, pin: boolean, timeoutMs: number): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'swb-'));
  const socketPath = join(dir, 'f.sock');
  const children: ChildHandle[] = [];
  try {
    const server = spawnNative({ command: floor.binary, args: ['server', socketPath], label: 'C floor server', ...(pin ? { cpu: 1 } : {}) });
    children.push(server);
    await server.next(30_000);
    const args = ['client', socketPath, String(params.count), String(params.warmup), String(params.size)];
    const client = spawnNative({ command: floor.binary, args, label: 'C floor client', ...(pin ? { cpu: 0 } : {}) });
    children.push(client);
    const result = await client.next(timeoutMs);
    if (result.type !== 'result') throw new Error(`C floor client sent "${result.type}" instead of a result`);
    return { ...result.metrics };
  } finally {
    await Promise.all(children.map((c) => c.kill()));
    rmSync(dir, { recursive: true, force: true });
  }
}
