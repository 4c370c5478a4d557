/**
 * `sidewire serve [--app A] [--name N] [--endpoint E] [--tick-ms MS]`: runs the reference daemon
 * in the foreground until SIGINT/SIGTERM, then closes gracefully and exits 0.
 */
import { createServer } from '../rpc/server.js';
import { installReferenceDaemon, type ReferenceService } from './reference-daemon.js';
import { ENDPOINT_OPTIONS, EXIT, UsageError, parseCommandArgs, type CliIO, type Command } from './io.js';

const USAGE = 'Usage: sidewire serve [--app A] [--name N] [--endpoint E] [--tick-ms MS] [--json]\n';

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
  const { values } = parseCommandArgs(argv, { ...ENDPOINT_OPTIONS, 'tick-ms': { type: 'string' } });
  if (values['help'] === true) {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  const tickMs = positiveInt(values['tick-ms'], 'tick-ms');
  const server = createServer<ReferenceService>({
    app: (values['app'] as string | undefined) ?? 'sidewire',
    ...(values['name'] === undefined ? {} : { name: values['name'] as string }),
    ...(values['endpoint'] === undefined ? {} : { endpoint: values['endpoint'] as string }),
    env: io.env,
    onWarning: (m) => io.stderr(`sidewire: warning: ${m}\n`),
  });
  const daemon = installReferenceDaemon(server, tickMs === undefined ? {} : { tickMs });
  const stopped = waitForSignal();
  try {
    await server.listen();
  } catch (err) {
    daemon.stop();
    stopped.dispose();
    throw err;
  }
  if (values['json'] === true) {
    io.stdout(JSON.stringify({ endpoint: server.endpoint, discoveryPath: server.discoveryPath ?? null, pid: process.pid }) + '\n');
  } else {
    io.stdout(`listening on ${server.endpoint}\n`);
    if (server.discoveryPath !== undefined) io.stdout(`discovery file: ${server.discoveryPath}\n`);
  }
  const signal = await stopped.signal;
  if (values['json'] !== true) io.stdout(`${signal}: shutting down\n`);
  daemon.stop();
  try {
    await server.close();
  } finally {
    stopped.dispose();
  }
  return EXIT.ok;
};
