/**
 * Spawns a benchmark child (`node --import tsx <script>`), optionally pinned to one CPU with
 * `taskset`, and reads its JSON-line messages.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ChildMessage } from './child-io.js';

export interface SpawnOptions {
  /** Absolute path of the child's entry script (.ts). */
  readonly script: string;
  /** Arguments after the script. */
  readonly args: readonly string[];
  /** Pin the child to this CPU with `taskset -c` (undefined = not pinned). */
  readonly cpu?: number;
  /** Label used in error messages ("server", "client"). */
  readonly label: string;
}

/** Every child that has not exited yet, so the orchestrator can kill them on SIGINT/SIGTERM. */
const live = new Set<ChildHandle>();

/** Kills every live child (used by signal handlers). */
export function killAllChildren(): void {
  for (const child of live) void child.kill();
}

/** A running child and its message stream. */
export class ChildHandle {
  private readonly queue: ChildMessage[] = [];
  private waiter: ((m: ChildMessage | undefined) => void) | undefined;
  private stderrTail = '';
  private exited = false;
  readonly exit: Promise<number | null>;

  constructor(
    private readonly child: ChildProcess,
    readonly label: string,
  ) {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => this.onLine(line));
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-2000);
    });
    live.add(this);
    // 'close', not 'exit': 'exit' can come before the last stdout line has been read, and a child
    // that prints its result and exits at once (the C floor client) was then reported as having
    // "exited early" (the bug behind the C floor's 1-in-5 failures, issue 25).
    this.exit = new Promise((resolve) => {
      child.on('close', (code) => {
        live.delete(this);
        this.exited = true;
        this.deliver(undefined);
        resolve(code);
      });
    });
  }

  /** Process id (the `taskset` exec keeps the pid of the node process). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  private onLine(line: string): void {
    if (!line.startsWith('{')) return;
    try {
      this.deliver(JSON.parse(line) as ChildMessage);
    } catch {
      // not one of ours
    }
  }

  private deliver(message: ChildMessage | undefined): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter(message);
    } else if (message) {
      this.queue.push(message);
    }
  }

  /** The next message; rejects on exit, on an `error` message or after `timeoutMs`. */
  async next(timeoutMs: number): Promise<ChildMessage> {
    let message = this.queue.shift();
    if (message === undefined) {
      if (this.exited) throw new Error(`${this.label} exited early${this.describeStderr()}`);
      let timer: NodeJS.Timeout | undefined;
      message = await new Promise<ChildMessage | undefined>((resolve) => {
        this.waiter = resolve;
        timer = setTimeout(() => {
          this.waiter = undefined;
          resolve({ type: 'error', message: `${this.label} timed out after ${timeoutMs} ms` });
        }, timeoutMs);
        timer.unref();
      });
      clearTimeout(timer);
      if (message === undefined) throw new Error(`${this.label} exited early${this.describeStderr()}`);
    }
    if (message.type === 'error') throw new Error(`${this.label}: ${message.message}`);
    return message;
  }

  /** Writes one command line to the child's stdin. */
  send(line: string): void {
    if (!this.exited) this.child.stdin!.write(line + '\n');
  }

  /** Kills the child (SIGKILL) unless it already exited, and waits for the exit. */
  async kill(): Promise<void> {
    if (!this.exited) this.child.kill('SIGKILL');
    await this.exit;
  }

  private describeStderr(): string {
    const tail = this.stderrTail.trim();
    return tail ? `; stderr: ${tail.split('\n').slice(-5).join(' | ')}` : '';
  }
}

/** The `tsx` loader's URL, resolved from this file (so the cwd does not matter). */
function tsxLoader(): string {
  return import.meta.resolve('tsx');
}

/** Starts one child. */
export function spawnChild(options: SpawnOptions): ChildHandle {
  const nodeArgs = ['--import', tsxLoader(), options.script, ...options.args];
  const [command, args] =
    options.cpu === undefined
      ? [process.execPath, nodeArgs]
      : ['taskset', ['-c', String(options.cpu), process.execPath, ...nodeArgs]];
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
  return new ChildHandle(child, options.label);
}

/** Starts a native benchmark child (`command args…`, e.g. the C floor) that speaks the same JSON lines. */
export function spawnNative(options: { readonly command: string; readonly args: readonly string[]; readonly cpu?: number; readonly label: string }): ChildHandle {
  const [command, args] =
    options.cpu === undefined ? [options.command, options.args] : ['taskset', ['-c', String(options.cpu), options.command, ...options.args]];
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: process.env });
  return new ChildHandle(child, options.label);
}

/** True when `taskset` works here and there are at least two CPUs to pin client and server apart. */
export function canPin(): boolean {
  if (process.platform !== 'linux' || availableParallelism() < 2) return false;
  const probe = spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
  return probe.status === 0;
}

/** Absolute path of a file under benchmarks/. */
export function benchPath(relative: string): string {
  return fileURLToPath(new URL(`../${relative}`, import.meta.url));
}
