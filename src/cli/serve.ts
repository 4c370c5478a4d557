/**
 * `sidewire serve [--app A] [--name N] [--endpoint E] [--tick-ms MS] [--config FILE]`: runs the
 * reference daemon with the daemon kit (serve-daemon.ts) in the foreground until SIGINT/SIGTERM
 * or `sidewire stop`, then closes gracefully and exits 0. SIGHUP reloads the config.
 */
import { createServeDaemon } from './serve-daemon.js';
import { installReferenceDaemon } from './reference-daemon.js';
import { ENDPOINT_OPTIONS, EXIT, UsageError, parseCommandArgs, type CliIO, type Command } from './io.js';
import { OBSERVABILITY_FLAGS, observabilityFromFlags } from '../observability/cli-flags.js';

const USAGE = 'Usage: sidewire serve [--app A] [--name N] [--endpoint E] [--tick-ms MS] [--config FILE] [--health-port N | --health-socket PATH] [--json]\n';

/** The first SIGINT/SIGTERM; a second one forces exit 130. Handlers stay until `dispose()`. */
export interface SignalWait {
  readonly signal: Promise<NodeJS.Signals>;
  dispose(): void;
}

/**
 * Installs SIGINT/SIGTERM handlers. They stay installed while the command shuts down, so other
 * handlers (the listener's file cleanup) see that the application handles the signal.
 */
export function waitForSignal(): SignalWait {
  let fired = false;
  let resolveSignal: (s: NodeJS.Signals) => void = () => undefined;
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    resolveSignal = resolve;
  });
  const on = (s: NodeJS.Signals): void => {
    if (fired) process.exit(130);
    fired = true;
    resolveSignal(s);
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  return {
    signal,
    dispose: () => {
      process.removeListener('SIGINT', on);
      process.removeListener('SIGTERM', on);
    },
  };
}

/** Parses a positive integer option, or undefined when absent. */
export function positiveInt(value: string | boolean | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || !Number.isSafeInteger(n) || n <= 0) {
    throw new UsageError(`--${option} must be a positive integer (milliseconds), not '${String(value)}'`);
  }
  return n;
}

export const serve: Command = async (argv: readonly string[], io: CliIO): Promise<number> => {
  const { values } = parseCommandArgs(argv, { ...ENDPOINT_OPTIONS, 'tick-ms': { type: 'string' }, config: { type: 'string' }, ...OBSERVABILITY_FLAGS });
  if (values['help'] === true) {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  const tickMs = positiveInt(values['tick-ms'], 'tick-ms');
  const kit = createServeDaemon({
    app: (values['app'] as string | undefined) ?? 'sidewire',
    ...(values['name'] === undefined ? {} : { name: values['name'] as string }),
    ...(values['endpoint'] === undefined ? {} : { endpoint: values['endpoint'] as string }),
    ...(values['config'] === undefined ? {} : { configFile: values['config'] as string }),
    env: io.env,
    onWarning: (m) => io.stderr(`sidewire: warning: ${m}\n`),
    observability: observabilityFromFlags(values, io),
  });
  const server = kit.server;
  const daemon = installReferenceDaemon(server, tickMs === undefined ? {} : { tickMs });
  try {
    await kit.start();
  } catch (err) {
    daemon.stop();
    throw err;
  }
  if (values['json'] === true) {
    io.stdout(JSON.stringify({ endpoint: server.endpoint, discoveryPath: server.discoveryPath ?? null, pid: process.pid, pidFile: kit.pidFile ?? null, health: server.healthUrl ?? null }) + '\n');
  } else {
    io.stdout(`listening on ${server.endpoint}\n`);
    if (server.discoveryPath !== undefined) io.stdout(`discovery file: ${server.discoveryPath}\n`);
    if (kit.pidFile !== undefined) io.stdout(`pid file: ${kit.pidFile}\n`);
    if (server.healthUrl !== undefined) io.stdout(`health: ${server.healthUrl}/health (metrics: ${server.healthUrl}/metrics)\n`);
  }
  const stopped = await kit.stopped;
  daemon.stop();
  if (values['json'] !== true) io.stdout(`${stopped.reason}: stopped\n`);
  return EXIT.ok;
};
