/**
 * `sidewire serve [options]`: runs the reference daemon with the daemon kit (serve-daemon.ts) in
 * the foreground until SIGINT/SIGTERM or `sidewire stop`, then closes gracefully and exits 0.
 * SIGHUP reloads the config. The pid file follows an explicit endpoint (serve-identity.ts).
 */
import { natsOptionsFrom } from './nats-flags.js';
import { createServeDaemon } from './serve-daemon.js';
import { installReferenceDaemon } from './reference-daemon.js';
import { ENDPOINT_OPTIONS, EXIT, UsageError, parseCommandArgs, type CliIO, type Command } from './io.js';
import { OBSERVABILITY_FLAGS, observabilityFromFlags } from './observability-flags.js';
import { ENDPOINT_HELP, formatHelp, wantsHelp } from './help.js';
import { servePidFile } from './serve-identity.js';
import { ZEROMQ_FLAGS, ZEROMQ_HELP, startZeroMQ, zeroMQFlags } from './serve-zeromq.js';
import { parseAccessPolicy } from '../server/access-policy.js';
import { SidewireError } from '../errors.js';

const HELP = formatHelp({
  usage: 'sidewire serve [options]',
  summary:
    'Runs the reference daemon in the foreground: methods echo, sum, sleep, inbox.count, inbox.list; event clock.tick\n' +
    '(all in docs/clients.md); text commands STATUS, PAUSE, RESUME, RELOAD, PING, HELP. Ctrl-C, SIGTERM or sidewire stop end it (exit 0).',
  options: [
    ...ENDPOINT_HELP,
    { flag: '--tick-ms MS', text: 'interval of the clock.tick event', default: '1000' },
    { flag: '--config FILE', text: 'JSON config file, re-read on RELOAD / SIGHUP / sidewire reload', default: 'none' },
    { flag: '--pid-file PATH', text: 'the pid file', default: '<socket>.pid beside an explicit unix socket; else <runtime dir>/<name>.pid' },
    { flag: '--allow-remote', text: 'allow a non-loopback TCP --endpoint (other machines can connect; clients need the token)', default: 'off (loopback only)' },
    { flag: '--health-port N', text: 'GET /health and /metrics on http://127.0.0.1:N (0 = a free port, printed)', default: 'off' },
    { flag: '--health-socket PATH', text: 'the same on a unix socket', default: 'off' },
    { flag: '--dashboard', text: 'live web dashboard on the health port (a free loopback port unless --health-port); prints its URL with the control token', default: 'off' },
    { flag: '--idle-exit-ms MS', text: 'stop once no client has been connected for MS (for daemons started with --spawn)', default: 'never' },
    { flag: '--allow same-user|uid:N[,uid:M][,gid:G]', text: 'which local users may connect (kernel peer credentials, docs/security.md)', default: 'anyone who can open the endpoint' },
    ...ZEROMQ_HELP,
  ],
  examples: [
    'sidewire serve',
    'sidewire serve --app myapp --config ./myapp.json',
    'sidewire serve --endpoint unix:///tmp/a.sock --tick-ms 100',
    'sidewire serve --zeromq ipc:///tmp/sidewire-zmq.sock --zeromq-pub ipc:///tmp/sidewire-pub.sock',
  ],
});

const REMOTE_WARNING =
  '--allow-remote: other machines can reach this daemon on a non-loopback address; only clients with the token (in the discovery file) are served, and the traffic is not encrypted';

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

/** Parses a positive integer option (`unit` for the message, null for a plain count), or undefined when absent. */
export function positiveInt(value: string | boolean | undefined, option: string, unit: string | null = 'milliseconds'): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || !Number.isSafeInteger(n) || n <= 0) {
    throw new UsageError(`--${option} must be a positive integer${unit === null ? '' : ` (${unit})`}, not '${String(value)}'`);
  }
  return n;
}

/** `--allow`: the access policy, or undefined when absent. @throws UsageError */
function allowFlag(value: string | boolean | undefined): ReturnType<typeof parseAccessPolicy> | undefined {
  if (value === undefined) return undefined;
  try {
    return parseAccessPolicy(String(value));
  } catch (err) {
    throw new UsageError(err instanceof SidewireError ? err.message : String(err));
  }
}

export const serve: Command = async (argv: readonly string[], io: CliIO): Promise<number> => {
  const { values, positionals } = parseCommandArgs(
    argv,
    { ...ENDPOINT_OPTIONS, 'tick-ms': { type: 'string' }, config: { type: 'string' }, 'pid-file': { type: 'string' }, 'allow-remote': { type: 'boolean' }, allow: { type: 'string' }, 'idle-exit-ms': { type: 'string' }, ...OBSERVABILITY_FLAGS, ...ZEROMQ_FLAGS },
    true,
  );
  if (wantsHelp(values, positionals)) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const tickMs = positiveInt(values['tick-ms'], 'tick-ms');
  if (values['pid-file'] === '') throw new UsageError('--pid-file needs a path');
  const app = (values['app'] as string | undefined) ?? 'sidewire';
  const name = values['name'] as string | undefined;
  const endpoint = values['endpoint'] as string | undefined;
  const allowRemote = values['allow-remote'] === true;
  const allow = allowFlag(values['allow']);
  const idleExitMs = positiveInt(values['idle-exit-ms'], 'idle-exit-ms');
  const pidFile = servePidFile({ app, name, endpoint, pidFile: values['pid-file'] as string | undefined, allowRemote, env: io.env });
  const zmqFlags = await zeroMQFlags(values, app, name, allowRemote);
  if (allowRemote) io.stderr(`sidewire: warning: ${REMOTE_WARNING}\n`);
  const kit = createServeDaemon({
    app,
    ...(name === undefined ? {} : { name }),
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(pidFile === undefined ? {} : { pidFile }),
    ...natsOptionsFrom(values),
    allowRemote,
    ...(allow === undefined ? {} : { allow }),
    ...(idleExitMs === undefined ? {} : { idleExitMs }),
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
  const zmq = zmqFlags === undefined ? undefined : await startZeroMQ(server, zmqFlags, app, name, allowRemote, io).catch(async (err: unknown) => {
    daemon.stop();
    await kit.stop();
    throw err;
  });
  if (values['json'] === true) {
    const zeromq = zmq === undefined ? {} : { zeromq: zmq.endpoint ?? null, zeromqPub: zmq.publishEndpoint ?? null };
    io.stdout(JSON.stringify({ endpoint: server.endpoint, discoveryPath: server.discoveryPath ?? null, pid: process.pid, pidFile: kit.pidFile ?? null, health: server.healthUrl ?? null, dashboard: server.dashboardUrl ?? null, ...zeromq }) + '\n');
  } else {
    io.stdout(`listening on ${server.endpoint}\n`);
    if (server.discoveryPath !== undefined) io.stdout(`discovery file: ${server.discoveryPath}\n`);
    if (kit.pidFile !== undefined) io.stdout(`pid file: ${kit.pidFile}\n`);
    if (server.healthUrl !== undefined) io.stdout(`health: ${server.healthUrl}/health (metrics: ${server.healthUrl}/metrics)\n`);
    if (zmq?.endpoint !== undefined) io.stdout(`zeromq: ${zmq.endpoint}\n`);
    if (zmq?.publishEndpoint !== undefined) io.stdout(`zeromq pub: ${zmq.publishEndpoint}\n`);
    if (server.dashboardUrl !== undefined) io.stdout(`dashboard: ${server.dashboardUrl}\n`);
  }
  const stopped = await kit.stopped;
  daemon.stop();
  await zmq?.close({ deadlineMs: 1000 });
  if (values['json'] !== true) io.stdout(`${stopped.reason}: stopped\n`);
  return EXIT.ok;
};
