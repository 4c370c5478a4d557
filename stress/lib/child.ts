/**
 * Orchestrator side of a stress child process (a server or a client driver): spawned with
 * `node --import tsx <script> <json config>`, it talks JSON lines — it writes `{ "type": ... }`
 * messages on stdout, we write commands on its stdin. Every wait has a deadline; `stop()` ends
 * stdin (children exit when it closes) and SIGKILLs a child that does not exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const stressDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const repoRoot = path.dirname(stressDir);

/** A message a child wrote (one JSON line on stdout). */
export interface ChildMessage {
  readonly type: string;
  readonly [key: string]: unknown;
}

export interface StressChildOptions {
  /**
   * Extra node flags (e.g. `--expose-gc`).
   * @default []
   */
  readonly nodeFlags?: readonly string[];
  /**
   * Extra environment.
   * @default {}
   */
  readonly env?: Record<string, string>;
}

export class ChildFailed extends Error {
  override name = 'ChildFailed';
}

export class StressChild {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly messages: ChildMessage[] = [];
  /** Resolves once the process exited and its pipes closed. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stderrTail = '';
  private waiters: Array<() => void> = [];
  private closed = false;
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly listeners: Array<(m: ChildMessage) => void> = [];

  /** `script` is relative to stress/ (e.g. `server/stress-server.ts`). */
  constructor(name: string, script: string, config: unknown, options: StressChildOptions = {}) {
    this.name = name;
    this.proc = spawn(process.execPath, [...(options.nodeFlags ?? []), '--import', 'tsx', path.join(stressDir, script), JSON.stringify(config)], {
      cwd: repoRoot,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let buffer = '';
    this.proc.stdout!.setEncoding('utf8');
    this.proc.stdout!.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        this.onLine(line);
      }
    });
    this.proc.stderr!.setEncoding('utf8');
    this.proc.stderr!.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-4000);
    });
    this.proc.stdin!.on('error', () => undefined);
    this.exited = new Promise((resolve) => {
      this.proc.once('close', (code, signal) => {
        this.closed = true;
        this.exitInfo = { code, signal };
        this.wake();
        resolve({ code, signal });
      });
    });
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  /** True once the process exited. */
  get hasExited(): boolean {
    return this.closed || this.proc.exitCode !== null || this.proc.signalCode !== null;
  }

  /** The last 4000 characters of stderr. */
  get stderr(): string {
    return this.stderrTail;
  }

  /** Calls `fn` for every message from now on (and not for earlier ones). */
  onMessage(fn: (m: ChildMessage) => void): void {
    this.listeners.push(fn);
  }

  /** The first message (at index ≥ `from`) of `type` matching `match`; rejects on exit or after `timeoutMs`. */
  waitFor(type: string, timeoutMs: number, match: (m: ChildMessage) => boolean = () => true, from = 0): Promise<ChildMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new ChildFailed(`${this.name}: no "${type}" message within ${timeoutMs} ms${this.describeStderr()}`));
      }, timeoutMs);
      const check = (): void => {
        const hit = this.messages.slice(from).find((m) => m.type === type && match(m));
        if (hit !== undefined) {
          clearTimeout(timer);
          resolve(hit);
        } else if (this.closed) {
          clearTimeout(timer);
          const how = this.exitInfo?.signal ?? `code ${String(this.exitInfo?.code)}`;
          reject(new ChildFailed(`${this.name} exited (${how}) before sending "${type}"${this.describeStderr()}`));
        } else {
          this.waiters.push(check);
        }
      };
      check();
    });
  }

  /** Writes one command (a JSON line) to the child's stdin. */
  send(command: { type: string; [key: string]: unknown }): void {
    if (!this.hasExited) this.proc.stdin!.write(JSON.stringify(command) + '\n');
  }

  /** Sends a signal (e.g. SIGKILL) and waits for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.hasExited) this.proc.kill(signal);
    await this.exited;
  }

  /** Ends stdin (the child exits by itself); SIGKILLs it after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.hasExited) {
      await this.exited;
      return;
    }
    this.proc.stdin!.end();
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  private describeStderr(): string {
    const tail = this.stderrTail.trim();
    return tail === '' ? '' : `; stderr: ${tail.slice(-1500)}`;
  }

  private onLine(line: string): void {
    if (!line.startsWith('{')) return;
    let message: ChildMessage;
    try {
      message = JSON.parse(line) as ChildMessage;
    } catch {
      return;
    }
    if (typeof message.type !== 'string') return;
    this.messages.push(message);
    for (const fn of this.listeners) fn(message);
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

/** Stops every child (in parallel), ignoring failures. */
export async function stopAll(children: ReadonlyArray<StressChild | undefined>, graceMs = 5000): Promise<void> {
  await Promise.all(children.map((c) => c?.stop(graceMs).catch(() => undefined)));
}
