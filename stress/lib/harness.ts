/**
 * Orchestrator helpers shared by the suites: a private temp dir with a socket endpoint, the
 * stress server child, and a control client (a connection of the orchestrator itself).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect, type Client, type ServerLimits } from '../../src/index.js';
import { StressChild, type StressChildOptions } from './child.js';

export interface Workspace {
  readonly dir: string;
  /** `unix://<dir>/s.sock`. */
  readonly endpoint: string;
  cleanup(): void;
}

/** A fresh 0700 temp dir with a short path, and the socket endpoint inside it. */
export function workspace(prefix: string): Workspace {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sws-${prefix}-`));
  fs.chmodSync(dir, 0o700);
  return {
    dir,
    endpoint: `unix://${path.join(dir, 's.sock')}`,
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export interface ServerChildOptions extends StressChildOptions {
  readonly limits?: ServerLimits;
  /**
   * Durable store file (see server/durable-file-store.ts).
   * @default the server's default store
   */
  readonly durableFile?: string;
  /**
   * How long to wait for `ready` (generous: starting a tsx child takes seconds on a loaded machine).
   * @default 60000
   */
  readonly readyTimeoutMs?: number;
}

/** Starts the stress server in its own process and waits until it listens. */
export async function startServerChild(ws: Workspace, name: string, options: ServerChildOptions = {}): Promise<StressChild> {
  const child = new StressChild(
    name,
    'server/stress-server.ts',
    {
      endpoint: ws.endpoint,
      runtimeDir: ws.dir,
      ...(options.limits === undefined ? {} : { limits: options.limits }),
      ...(options.durableFile === undefined ? {} : { durableFile: options.durableFile }),
    },
    options,
  );
  try {
    await child.waitFor('ready', options.readyTimeoutMs ?? 60_000);
  } catch (err) {
    await child.kill();
    throw err;
  }
  return child;
}

/** The orchestrator's own connection, for `stress.*` control calls. */
export function controlClient(endpoint: string): Promise<Client> {
  return connect({ endpoint, env: {}, client: { name: 'stress-control', version: '1' }, callTimeoutMs: 60_000, connectTimeoutMs: 20_000, reconnect: false });
}

/** What `stress.stats` returns. */
export interface ServerStats {
  readonly rss: number;
  readonly peakRss: number;
  readonly heapUsed: number;
  readonly heapAfterGc: number | null;
  readonly fds: number;
  readonly processListeners: Record<string, number>;
  readonly resources: Record<string, number>;
  readonly connections: number;
  readonly clients: number;
  readonly serverListeners: Record<string, number>;
  readonly slowRunning: number;
  readonly handlerErrors: number;
  readonly errorSamples: string[];
}

export function serverStats(control: Client, gcSamples = 0): Promise<ServerStats> {
  return control.call('stress.stats', { gcSamples }) as Promise<ServerStats>;
}

/** Polls `check` every 50 ms until it returns true; false after `timeoutMs`. */
export async function pollUntil(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Splits `total` into `parts` near-equal integers. */
export function split(total: number, parts: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < parts; i++) out.push(Math.floor(total / parts) + (i < total % parts ? 1 : 0));
  return out.filter((n) => n > 0);
}

/** The soft open-files limit children inherit (`ulimit -n`), or undefined when unknown. */
export function fdLimit(): number | undefined {
  try {
    const out = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    return out === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(out);
  } catch {
    return undefined;
  }
}

/** Throws a clear error when the server process cannot hold `connections` sockets. */
export function requireFds(connections: number): void {
  const limit = fdLimit();
  const needed = connections + 100;
  if (limit !== undefined && limit < needed) {
    throw new Error(`the open-files limit (ulimit -n) is ${limit}; the server process needs about ${needed} for ${connections} connections: run \`ulimit -n ${Math.max(4096, needed)}\` in this shell first`);
  }
}
