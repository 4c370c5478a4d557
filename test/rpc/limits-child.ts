/**
 * A `test/fixtures/limits-server.ts` server in a child process, so a test can measure what one
 * client's messages cost the server (its peak RSS) apart from the test's own clients.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerLimits } from '../../src/server/server-options.js';
import { tempDir } from '../helpers/names.js';
import { Arrivals } from '../helpers/arrivals.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = path.join(here, '..', 'fixtures', 'limits-server.ts');

export interface ChildStats {
  /** The child's peak resident set size so far, in bytes. */
  readonly maxRssBytes: number;
  readonly heapUsedBytes: number;
}

export class LimitsChild {
  /** The server's unix socket. */
  readonly path: string;
  private readonly proc: ChildProcess;
  private readonly lines = new Arrivals<string>('line from the limits server');
  private readonly cleanup: () => void;

  private constructor(limits: ServerLimits) {
    const dir = tempDir('swl');
    this.cleanup = dir.cleanup;
    this.path = path.join(dir.dir, 's.sock');
    this.proc = spawn(process.execPath, ['--import', 'tsx', fixture, this.path, JSON.stringify(limits)], {
      cwd: path.resolve(here, '..', '..'),
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let buffer = '';
    this.proc.stdout!.setEncoding('utf8');
    this.proc.stdout!.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) !== -1) {
        this.lines.push(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
      }
    });
    this.proc.once('close', () => this.lines.end());
  }

  /** Starts the server and waits until it listens. */
  static async start(limits: ServerLimits = {}): Promise<LimitsChild> {
    const child = new LimitsChild(limits);
    const first = await child.lines.next(30_000);
    if (first !== 'ready') {
      await child.stop();
      throw new Error(`limits server did not start: ${String(first)}`);
    }
    return child;
  }

  /** The server's memory figures (asked over stdin: answered once its event loop is free). */
  async stats(timeoutMs = 60_000): Promise<ChildStats> {
    this.proc.stdin!.write('stats\n');
    const line = await this.lines.next(timeoutMs);
    if (line === undefined || !line.startsWith('stats ')) throw new Error(`unexpected line from the limits server: ${String(line)}`);
    return JSON.parse(line.slice('stats '.length)) as ChildStats;
  }

  /** Kills the server and removes its directory. */
  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const closed = new Promise((resolve) => this.proc.once('close', resolve));
      this.proc.kill('SIGKILL');
      await closed;
    }
    this.cleanup();
  }
}
