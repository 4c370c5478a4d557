/**
 * The server process of every stress suite: `serve()` on the given endpoint with the given
 * limits, the methods of `methods.ts`, and `{ type: 'ready', endpoint, pid, readyAt }` on stdout
 * once listening. Exits (after a graceful close) when stdin closes; the chaos suite kill -9s it.
 * Any uncaught exception crashes it on purpose: the orchestrator sees the exit.
 */
import { createServer, type ServerLimits } from '../../src/index.js';
import { emit, keepAlive, readConfig } from '../lib/child-io.js';
import { DurableFileStore } from './durable-file-store.js';
import { registerMethods } from './methods.js';
import { RssSampler } from './stats.js';

export interface StressServerConfig {
  /** `unix:///…/s.sock` or another endpoint. */
  readonly endpoint: string;
  /** Runtime dir for the discovery file (XDG_RUNTIME_DIR of the server). */
  readonly runtimeDir: string;
  readonly limits?: ServerLimits;
  /**
   * Record durable notifications in this append-only file (exactly once, see DurableFileStore).
   * @default the server's default store (a seen log: at most once to handlers)
   */
  readonly durableFile?: string;
  /**
   * RSS sampling period for the peak, ms.
   * @default 25
   */
  readonly rssSampleMs?: number;
}

const config = readConfig<StressServerConfig>();
const sampler = new RssSampler(config.rssSampleMs ?? 25);
const server = createServer({
  app: 'stress',
  endpoint: config.endpoint,
  env: { XDG_RUNTIME_DIR: config.runtimeDir },
  cleanupOnExit: true,
  onWarning: (m) => process.stderr.write(`warning: ${m}\n`),
  ...(config.limits === undefined ? {} : { limits: config.limits }),
});
registerMethods(server, sampler);
const durableFile = config.durableFile;
if (durableFile !== undefined) server.durable.configure({ store: () => new DurableFileStore(durableFile) });
await server.listen();
emit({ type: 'ready', endpoint: server.endpoint, pid: process.pid, readyAt: Date.now() });
keepAlive();
process.stdin.resume();
process.stdin.on('end', () => {
  void server.close({ deadlineMs: 500 }).finally(() => process.exit(0));
});
