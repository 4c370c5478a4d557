/**
 * End-to-end cost of server metrics: a real sidewire server in a child process with
 * `metrics: true` vs `metrics: false`, driven over a unix socket by a raw NDJSON client in this
 * process (the same client for both, so only the server differs). Two workloads per run:
 * - requests: `count` echo requests of `size` bytes, `concurrency` in flight (req/s);
 * - notifications: `count` one-way notifications, timed until the server confirms it handled
 *   all of them (msg/s).
 * Each run starts fresh server processes; runs alternate off/on (then on/off) so drift of the
 * machine hits both alike. The result is the median of the runs, and the overhead
 * `1 - on/off` in %.
 *
 *   node --import tsx benchmarks/metrics-overhead-server.ts [--count 200000] [--runs 3] [--quick]
 *
 * Importable: `measureMetricsOverhead({ count, warmup, size, concurrency, runs })` returns
 * `{ overheadPct, reqPerSecOff, reqPerSecOn, notifOverheadPct, msgPerSecOff, msgPerSecOn }`
 * (the first three are the keys of the harness's `metrics` scenario).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface OverheadParams {
  /** Requests and notifications per run (each). */
  readonly count: number;
  /** Untimed requests before each measurement. */
  readonly warmup: number;
  /** Payload bytes. */
  readonly size: number;
  /** Requests in flight. */
  readonly concurrency: number;
  /** Runs per setting (median taken); at least 1. */
  readonly runs: number;
  /** Called with one line per finished run. */
  readonly onProgress?: (line: string) => void;
}

export interface OverheadResult {
  /** Request throughput lost with metrics on, in % (negative: noise made "on" faster). */
  readonly overheadPct: number;
  readonly reqPerSecOff: number;
  readonly reqPerSecOn: number;
  /** Notification throughput lost with metrics on, in %. */
  readonly notifOverheadPct: number;
  readonly msgPerSecOff: number;
  readonly msgPerSecOn: number;
  /**
   * Extra server CPU time per request with metrics on, in % (median µs on / off - 1). Less
   * sensitive to other load on the machine than throughput.
   */
  readonly cpuOverheadPct: number;
  readonly cpuUsPerReqOff: number;
  readonly cpuUsPerReqOn: number;
  /** Extra server CPU time per notification with metrics on, in %. */
  readonly notifCpuOverheadPct: number;
}

const SELF = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------- child: the server

async function childServer(argv: readonly string[]): Promise<void> {
  const socketPath = argv[argv.indexOf('--socket') + 1]!;
  const metrics = argv[argv.indexOf('--metrics') + 1] === '1';
  const { serve } = await import('../src/server/server.js');
  const dir = path.dirname(socketPath);
  const server = await serve({ app: 'bench', endpoint: `unix://${socketPath}`, env: { XDG_RUNTIME_DIR: dir }, discovery: false, cleanupOnExit: false, metrics });
  let notes = 0;
  server.method('echo', (p) => p);
  server.method('notes', () => notes);
  server.method('cpu', () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  });
  server.onNotification('note', () => {
    notes++;
  });
  process.stdout.write('ready\n');
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) if (line === 'stop') break;
  const requests = server.metrics?.snapshot().requests ?? -1;
  await server.close({ deadlineMs: 500 });
  process.stdout.write(`${JSON.stringify({ requests, notes })}\n`);
}

// ---------------------------------------------------------------- parent: the client

interface ServerChild {
  readonly child: ChildProcess;
  readonly lines: AsyncIterator<string>;
}

async function startServer(socketPath: string, metrics: boolean): Promise<ServerChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF, '--child-server', '--metrics', metrics ? '1' : '0', '--socket', socketPath], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const first = await lines.next();
  clearTimeout(timer);
  if (first.done === true || first.value !== 'ready') throw new Error(`benchmark server did not start (got ${JSON.stringify(first.value)})`);
  return { child, lines };
}

async function stopServer(s: ServerChild): Promise<{ requests: number; notes: number }> {
  s.child.stdin!.end('stop\n');
  const timer = setTimeout(() => s.child.kill('SIGKILL'), 10_000);
  const last = await s.lines.next();
  await once(s.child, 'exit');
  clearTimeout(timer);
  return JSON.parse(String(last.value)) as { requests: number; notes: number };
}

/** A pipelined NDJSON client: keeps `concurrency` echo requests in flight. */
class BenchClient {
  private buffer = '';
  private onLine: (line: string) => void = () => undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('utf8');
      let nl: number;
      let start = 0;
      while ((nl = this.buffer.indexOf('\n', start)) !== -1) {
        this.onLine(this.buffer.slice(start, nl));
        start = nl + 1;
      }
      this.buffer = this.buffer.slice(start);
    });
  }

  static async connect(socketPath: string): Promise<BenchClient> {
    const socket = net.connect(socketPath);
    await once(socket, 'connect');
    return new BenchClient(socket);
  }

  /** Sends `total` echo requests, `concurrency` at a time; resolves with the elapsed seconds. */
  requests(total: number, concurrency: number, size: number): Promise<number> {
    const params = `["${'x'.repeat(size)}"]`;
    let sent = 0;
    let received = 0;
    const line = (): string => `{"jsonrpc":"2.0","id":${sent++},"method":"echo","params":${params}}\n`;
    return new Promise((resolve, reject) => {
      const start = process.hrtime.bigint();
      this.onLine = (text) => {
        const msg = JSON.parse(text) as { result?: string[] };
        if (msg.result?.[0]?.length !== size) {
          reject(new Error(`bad reply: ${text.slice(0, 200)}`));
          return;
        }
        received++;
        if (sent < total) this.socket.write(line());
        if (received === total) resolve(Number(process.hrtime.bigint() - start) / 1e9);
      };
      let burst = '';
      while (sent < Math.min(concurrency, total)) burst += line();
      this.socket.write(burst);
    });
  }

  /** One request `method` (nothing else in flight); resolves with its result. */
  call(method: string): Promise<unknown> {
    return new Promise((resolve) => {
      this.onLine = (text) => resolve((JSON.parse(text) as { result: unknown }).result);
      this.socket.write(`{"jsonrpc":"2.0","id":"c","method":"${method}"}\n`);
    });
  }

  /** Sends `total` notifications, then asks how many the server handled; resolves with the elapsed seconds. */
  async notifications(total: number, size: number, expectTotal: number): Promise<number> {
    const note = `{"jsonrpc":"2.0","method":"note","params":["${'x'.repeat(size)}"]}\n`;
    const start = process.hrtime.bigint();
    const perWrite = Math.max(1, Math.floor(65_536 / note.length));
    for (let sent = 0; sent < total; ) {
      const n = Math.min(perWrite, total - sent);
      sent += n;
      if (!this.socket.write(note.repeat(n))) await once(this.socket, 'drain');
    }
    const count = (await this.call('notes')) as number;
    if (count !== expectTotal) throw new Error(`the server handled ${count} notifications, expected ${expectTotal}`);
    return Number(process.hrtime.bigint() - start) / 1e9;
  }

  close(): void {
    this.socket.destroy();
  }
}

interface RunResult {
  readonly reqPerSec: number;
  readonly msgPerSec: number;
  /** Server CPU time (user + system) per request, µs. */
  readonly cpuUsPerReq: number;
  /** Server CPU time per notification, µs. */
  readonly cpuUsPerMsg: number;
}

async function oneRun(metrics: boolean, p: OverheadParams, dir: string, n: number): Promise<RunResult> {
  const socketPath = path.join(dir, `m${n}-${metrics ? 'on' : 'off'}.sock`);
  const server = await startServer(socketPath, metrics);
  const client = await BenchClient.connect(socketPath);
  let result: RunResult;
  try {
    const cpu = async (): Promise<number> => (await client.call('cpu')) as number;
    await client.requests(p.warmup, p.concurrency, p.size);
    const cpu0 = await cpu();
    const reqSecs = await client.requests(p.count, p.concurrency, p.size);
    const cpu1 = await cpu();
    await client.notifications(p.warmup, p.size, p.warmup);
    const cpu2 = await cpu();
    const msgSecs = await client.notifications(p.count, p.size, p.warmup + p.count);
    const cpu3 = await cpu();
    result = { reqPerSec: p.count / reqSecs, msgPerSec: p.count / msgSecs, cpuUsPerReq: (cpu1 - cpu0) / p.count, cpuUsPerMsg: (cpu3 - cpu2) / p.count };
  } catch (err) {
    server.child.kill('SIGKILL');
    throw err;
  } finally {
    client.close();
  }
  const counted = await stopServer(server);
  const expected = p.warmup + p.count + 2 + 4; // echo requests, two `notes` and four `cpu` requests
  if (metrics && counted.requests !== expected) throw new Error(`the server's metrics counted ${counted.requests} requests, expected ${expected}`);
  return result;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const pct = (off: number, on: number): number => (1 - on / off) * 100;

/** Runs the benchmark (see the file comment). */
export async function measureMetricsOverhead(p: OverheadParams): Promise<OverheadResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swbench-'));
  const off: RunResult[] = [];
  const on: RunResult[] = [];
  try {
    for (let run = 0; run < Math.max(1, p.runs); run++) {
      const order = run % 2 === 0 ? [false, true] : [true, false];
      for (const metrics of order) {
        const r = await oneRun(metrics, p, dir, run);
        (metrics ? on : off).push(r);
        p.onProgress?.(`run ${run + 1} metrics ${metrics ? 'on ' : 'off'}: ${Math.round(r.reqPerSec)} req/s, ${Math.round(r.msgPerSec)} msg/s; server CPU ${r.cpuUsPerReq.toFixed(2)} µs/req, ${r.cpuUsPerMsg.toFixed(2)} µs/msg`);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const reqPerSecOff = median(off.map((r) => r.reqPerSec));
  const reqPerSecOn = median(on.map((r) => r.reqPerSec));
  const msgPerSecOff = median(off.map((r) => r.msgPerSec));
  const msgPerSecOn = median(on.map((r) => r.msgPerSec));
  const cpuUsPerReqOff = median(off.map((r) => r.cpuUsPerReq));
  const cpuUsPerReqOn = median(on.map((r) => r.cpuUsPerReq));
  return {
    overheadPct: pct(reqPerSecOff, reqPerSecOn),
    reqPerSecOff,
    reqPerSecOn,
    notifOverheadPct: pct(msgPerSecOff, msgPerSecOn),
    msgPerSecOff,
    msgPerSecOn,
    cpuOverheadPct: (cpuUsPerReqOn / cpuUsPerReqOff - 1) * 100,
    cpuUsPerReqOff,
    cpuUsPerReqOn,
    notifCpuOverheadPct: (median(on.map((r) => r.cpuUsPerMsg)) / median(off.map((r) => r.cpuUsPerMsg)) - 1) * 100,
  };
}

// ---------------------------------------------------------------- command line

function option(argv: readonly string[], name: string, fallback: number): number {
  const i = argv.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const n = Number(argv[i + 1]);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${name} needs a positive integer`);
  return n;
}

async function main(argv: readonly string[]): Promise<void> {
  const quick = argv.includes('--quick');
  const params: OverheadParams = {
    count: option(argv, 'count', quick ? 20_000 : 200_000),
    warmup: option(argv, 'warmup', quick ? 2_000 : 10_000),
    size: option(argv, 'size', 64),
    concurrency: option(argv, 'concurrency', 64),
    runs: option(argv, 'runs', quick ? 1 : 3),
    onProgress: (line) => console.log(`  ${line}`),
  };
  console.log(
    `metrics on vs off: ${params.count} echo requests (${params.concurrency} in flight) and ${params.count} notifications of ${params.size} B, ` +
      `${params.runs} run(s) each, interleaved; node ${process.version}, ${os.availableParallelism()} CPUs, load average ${os.loadavg()[0]!.toFixed(1)}`,
  );
  const r = await measureMetricsOverhead(params);
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  console.log(`requests:      off ${fmt(r.reqPerSecOff)} req/s   on ${fmt(r.reqPerSecOn)} req/s   (medians)`);
  console.log(`notifications: off ${fmt(r.msgPerSecOff)} msg/s   on ${fmt(r.msgPerSecOn)} msg/s   (medians)`);
  console.log(`server CPU:    off ${r.cpuUsPerReqOff.toFixed(2)} µs/req   on ${r.cpuUsPerReqOn.toFixed(2)} µs/req   (medians)`);
  console.log(`metrics overhead: ${r.overheadPct.toFixed(1)} % (requests), ${r.notifOverheadPct.toFixed(1)} % (notifications); target < 5 %`);
  console.log(`metrics CPU overhead: ${r.cpuOverheadPct.toFixed(1)} % per request, ${r.notifCpuOverheadPct.toFixed(1)} % per notification (server CPU time, less sensitive to machine load)`);
}

if (process.argv.includes('--child-server')) {
  childServer(process.argv.slice(2)).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
} else if (process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
