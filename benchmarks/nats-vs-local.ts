/**
 * Calls through NATS against calls over the local socket, in the same run (docs/benchmarks.md,
 * "NATS vs the local socket"; docs/nats.md). Starts a nats-server on a free loopback port, and one
 * child process serving the same `echo` method on a unix socket and on nats:// (two servers, one
 * process), then measures from this process with sidewire clients:
 *   - RTT: sequential calls, median and p99 in µs;
 *   - throughput: calls/s with `inflight` calls outstanding.
 * Run (nats-server on PATH; `apt-get install nats-server`):
 *   node --import tsx benchmarks/nats-vs-local.ts [calls] [inflight]
 * Numbers vary by machine and load; compare the rows of one run with each other only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from '../src/server/server.js';
import { connect, type Client } from '../src/client/client.js';

const SERVICE = 'bench';

/** The child: the same method on both endpoints, until stdin closes. */
async function serveBoth(natsUrl: string, sock: string): Promise<void> {
  const local = createServer({ endpoint: `unix://${sock}`, discovery: false, cleanupOnExit: false });
  const nats = createServer({ endpoint: natsUrl, service: SERVICE, app: SERVICE, discovery: false, durable: false, cleanupOnExit: false });
  for (const s of [local, nats]) s.method('echo', (p) => p);
  await Promise.all([local.listen(), nats.listen()]);
  process.stdout.write('ready\n');
  process.stdin.resume();
  process.stdin.once('end', () => {
    void Promise.all([local.close(), nats.close()]).then(() => process.exit(0));
  });
}

async function freePort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/** Starts `command` and resolves once its output contains `marker` (60 s at most). */
function started(child: ChildProcess, marker: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => reject(new Error(`${what} not ready within 60 s:\n${log}`)), 60_000);
    const onData = (d: Buffer): void => {
      log += d.toString();
      if (log.includes(marker)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (err) => reject(new Error(`cannot start ${what}: ${err.message}`)));
    child.once('exit', (code) => reject(new Error(`${what} exited with ${String(code)}:\n${log}`)));
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

async function rtt(client: Client, calls: number): Promise<{ median: number; p99: number }> {
  for (let i = 0; i < 200; i++) await client.call('echo', { i }); // warm up
  const us: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t = process.hrtime.bigint();
    await client.call('echo', { i });
    us.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  us.sort((a, b) => a - b);
  return { median: percentile(us, 0.5), p99: percentile(us, 0.99) };
}

async function throughput(client: Client, calls: number, inflight: number): Promise<number> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < calls) {
      const i = next++;
      await client.call('echo', { i });
    }
  };
  const t = process.hrtime.bigint();
  await Promise.all(Array.from({ length: inflight }, worker));
  return calls / (Number(process.hrtime.bigint() - t) / 1e9);
}

async function main(): Promise<void> {
  const calls = Number(process.argv[2] ?? 5000);
  const inflight = Number(process.argv[3] ?? 32);
  const dir = mkdtempSync(join(tmpdir(), 'sw-bench-nats-'));
  const port = await freePort();
  const natsUrl = `nats://127.0.0.1:${port}`;
  const natsServer = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const self = fileURLToPath(import.meta.url);
  let child: ChildProcess | undefined;
  const clients: Client[] = [];
  try {
    await started(natsServer, 'Server is ready', 'nats-server');
    child = spawn(process.execPath, ['--import', 'tsx', self, '--serve', natsUrl, join(dir, 'b.sock')], { stdio: ['pipe', 'pipe', 'pipe'] });
    await started(child, 'ready', 'the server process');
    const targets: Array<[string, () => Promise<Client>]> = [
      ['unix socket, binary mode', () => connect({ endpoint: `unix://${join(dir, 'b.sock')}`, mode: 'binary', sharedMemory: false })],
      ['unix socket, JSON mode', () => connect({ endpoint: `unix://${join(dir, 'b.sock')}`, mode: 'json' })],
      ['nats:// (loopback nats-server)', () => connect({ endpoint: natsUrl, service: SERVICE, app: SERVICE })],
    ];
    console.log(`${calls} calls of echo({ i }), ${inflight} in flight for throughput; node ${process.version}`);
    console.log('| transport | RTT median (µs) | RTT p99 (µs) | calls/s |');
    console.log('|---|---:|---:|---:|');
    for (const [label, open] of targets) {
      const client = await open();
      clients.push(client);
      const r = await rtt(client, calls);
      const cps = await throughput(client, calls, inflight);
      console.log(`| ${label} | ${r.median.toFixed(0)} | ${r.p99.toFixed(0)} | ${cps.toFixed(0)} |`);
    }
  } finally {
    for (const c of clients) await c.close();
    child?.stdin?.end();
    if (child !== undefined && child.exitCode === null) await new Promise((resolve) => child!.once('exit', resolve));
    natsServer.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--serve') await serveBoth(process.argv[3]!, process.argv[4]!);
else await main();
