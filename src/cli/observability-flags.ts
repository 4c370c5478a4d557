/**
 * The observability flags of `sidewire serve`: `--health-port N` / `--health-socket PATH`,
 * `--dashboard` (the live page on the health port, docs/observability.md "Dashboard"), and
 * the CLI's logger (human-readable on stderr; `SIDEWIRE_LOG` / `DEBUG=sidewire*` for more).
 */
import * as path from 'node:path';
import { UsageError } from './io.js';
import { consoleLogger, loggerFromEnv, silentLogger, type Logger } from '../observability/logger.js';
import type { ServerHealthOptions } from '../observability/server-health.js';
import type { ServerMetrics } from '../observability/metrics.js';

/** parseArgs options for the flags. */
export const OBSERVABILITY_FLAGS = {
  'health-port': { type: 'string' },
  'health-socket': { type: 'string' },
  dashboard: { type: 'boolean' },
} as const;

/** What `sidewire serve` passes to its server. */
export interface CliObservability {
  readonly metrics: boolean | ServerMetrics;
  readonly logger: Logger;
  readonly health?: ServerHealthOptions;
}

/** `--health-port` as a port number 0–65535 (0: a free port). */
function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n > 65535) {
    throw new UsageError(`--health-port must be a port number from 0 to 65535 (0 picks a free one), not '${value}'`);
  }
  return n;
}

/**
 * The CLI logger: what `SIDEWIRE_LOG` / `DEBUG` ask for, else warnings and errors, written
 * through `stderr`.
 */
export function cliLogger(env: Readonly<Record<string, string | undefined>>, stderr: (text: string) => void): Logger {
  const stream = { write: (text: string) => stderr(text) };
  const fromEnv = loggerFromEnv(env, { stream });
  const wanted = env['SIDEWIRE_LOG']?.trim().toLowerCase();
  if (fromEnv !== silentLogger || wanted === 'silent' || wanted === 'off') return fromEnv;
  return consoleLogger({ level: 'warn', stream });
}

/** Server options from the flags: metrics always on (for `sidewire top`), health when asked. */
export function observabilityFromFlags(
  values: Record<string, string | boolean | undefined>,
  io: { readonly env: Readonly<Record<string, string | undefined>>; readonly stderr: (text: string) => void },
): CliObservability {
  const healthPort = values['health-port'];
  const healthSocket = values['health-socket'];
  if (typeof healthPort === 'string' && typeof healthSocket === 'string') {
    throw new UsageError('use either --health-port or --health-socket, not both');
  }
  if (typeof healthSocket === 'string' && !path.isAbsolute(healthSocket)) {
    throw new UsageError(`--health-socket needs an absolute path, e.g. $XDG_RUNTIME_DIR/sidewire/health.sock, not '${healthSocket}'`);
  }
  let health: ServerHealthOptions | undefined = typeof healthPort === 'string' ? { port: port(healthPort) } : typeof healthSocket === 'string' ? { path: healthSocket } : undefined;
  if (values['dashboard'] === true) {
    // The dashboard is for a browser: loopback TCP (a free port unless --health-port says which).
    if (typeof healthSocket === 'string') throw new UsageError('--dashboard needs a TCP health server (a browser cannot open a unix socket): use --health-port N or leave both out');
    health = { ...(health ?? { port: 0 }), dashboard: true };
  }
  return { metrics: true, logger: cliLogger(io.env, io.stderr), ...(health === undefined ? {} : { health }) };
}
