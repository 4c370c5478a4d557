/**
 * How long does listen() take on a stale socket file (left by a SIGKILLed server)?
 * Each run: a plain Node child binds the path and is SIGKILLed (the socket file stays), then
 * listen() is timed: lock, probe (refused), unlink, bind, chmod, discovery write.
 * Target: median < 50 ms.   Run: node --import tsx benchmarks/reclaim.ts [runs]
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { listen } from '../src/transport/listen.js';

const runs = Number(process.argv[2] ?? 20);

/** Starts a child that binds `socketPath`, waits until it listens, SIGKILLs it. */
async function leaveStaleSocket(socketPath: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socketPath)}, () => console.log('R'))`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', () => reject(new Error('child exited before listening')));
  });
  child.removeAllListeners('exit');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  if (!fs.lstatSync(socketPath).isSocket()) throw new Error('no stale socket');
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swbench-'));
  fs.chmodSync(dir, 0o700);
  const socketPath = path.join(dir, 'reclaim.sock');
  const times: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      await leaveStaleSocket(socketPath);
      const t0 = performance.now();
      const listener = await listen({ endpoint: { kind: 'unix', path: socketPath }, runtimeDir: dir, name: 'bench' });
      times.push(performance.now() - t0);
      await listener.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  times.sort((a, b) => a - b);
  const median = times.length % 2 === 1 ? (times[(times.length - 1) / 2] as number) : ((times[times.length / 2 - 1] as number) + (times[times.length / 2] as number)) / 2;
  const fmt = (n: number): string => `${n.toFixed(2)} ms`;
  console.log(`listen() on a stale socket, ${runs} runs: median ${fmt(median)}, min ${fmt(times[0] as number)}, max ${fmt(times[times.length - 1] as number)} (target: median < 50 ms)`);
}

await main();
