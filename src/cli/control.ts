/**
 * `sidewire status|pause|resume|reload|stop [--app A] [--name N] [--endpoint E] [--json] [--timeout MS]`:
 * controls any daemon built with the daemon kit (including `sidewire serve`) over JSON-RPC.
 *
 * Output: `status` prints `key: value` lines (`--json`: the exact `daemon.status` object); the
 * others print one word (`--json`: `{"ok":true,"result":"OK"}`). Errors go to stderr with their
 * fixes (`--json`: `{"ok":false,"error":{...}}` on stdout).
 * Exit codes (docs/daemon.md "Exit codes"): 0 ok, 1 the daemon answered with an error, 2 bad
 * arguments, 3 not running.
 * `stop` waits (up to --timeout) until the daemon closed the connection and its process is gone.
 */
import { isSidewireError, type SidewireError } from '../errors.js';
import { isPidAlive } from '../daemon/pid-file.js';
import type { Client } from '../client/client.js';
import { connect } from '../client/client.js';
import { ErrorCodes, ResponseError } from '../protocol/response-error.js';
import { clientOptionsFrom } from './call.js';
import { ENDPOINT_HELP, TOKEN_HELP, formatHelp, timeoutHelp, wantsHelp } from './help.js';
import { notRunningFixes } from './hints.js';
import { CLIENT_OPTIONS, EXIT, UsageError, parseCommandArgs, type CliIO, type Command } from './io.js';
import { positiveInt } from './serve.js';
import { totals } from '../observability/stats-view.js';
import type { ServerStats } from '../observability/server-vitals.js';

type Action = 'status' | 'pause' | 'resume' | 'reload' | 'stop';
type Values = Record<string, string | boolean | undefined>;

const METHODS: Readonly<Record<Action, { method: string; done: string; what: string }>> = {
  status: { method: 'daemon.status', done: '', what: "show the daemon's state, pid, uptime, connections and version" },
  pause: { method: 'daemon.pause', done: 'paused', what: 'pause the daemon (running → paused)' },
  resume: { method: 'daemon.resume', done: 'resumed', what: 'resume the daemon (paused → running)' },
  reload: { method: 'daemon.reload', done: 'reloaded', what: 'reload the config; on error the old one stays' },
  stop: { method: 'daemon.stop', done: 'stopped', what: 'stop the daemon gracefully and wait until it is gone' },
};

const DEFAULT_TIMEOUT_MS = 10_000;

function usage(action: Action): string {
  return formatHelp({
    usage: `sidewire ${action} [options]`,
    summary: `${METHODS[action].what[0]!.toUpperCase()}${METHODS[action].what.slice(1)}. Works with any daemon built with the daemon kit, including sidewire serve.`,
    options: [...ENDPOINT_HELP, TOKEN_HELP, timeoutHelp('how long to wait for the daemon', String(DEFAULT_TIMEOUT_MS))],
    examples: [`sidewire ${action}`, `sidewire ${action} --app myapp --json`, `sidewire ${action} --endpoint unix:///tmp/my.sock --timeout 30000`],
  });
}

function notRunning(err: SidewireError, values: Values, io: CliIO): number {
  const fixes = notRunningFixes(err, values);
  const message = `the daemon is not running: ${err.message}`;
  if (values['json'] === true) {
    io.stdout(JSON.stringify({ ok: false, error: { code: err.code, message, fixes, details: err.details } }) + '\n');
  } else {
    io.stderr(`sidewire: ${message}\nHow to fix:\n${fixes.map((f, i) => `  ${i + 1}. ${f}`).join('\n')}\n`);
  }
  return EXIT.notRunning;
}

function daemonError(action: Action, err: ResponseError, values: Values, io: CliIO): number {
  if (values['json'] === true) {
    io.stdout(JSON.stringify({ ok: false, error: err.toJSON() }) + '\n');
    return EXIT.failed;
  }
  const data = (typeof err.data === 'object' && err.data !== null ? err.data : {}) as { fixes?: unknown };
  const fixes = Array.isArray(data.fixes) ? data.fixes.map(String) : [];
  if (err.code === ErrorCodes.MethodNotFound) fixes.push('this server has no daemon kit: control works with daemons built on createDaemon()/startDaemon() and with sidewire serve');
  const howTo = fixes.length === 0 ? '' : `How to fix:\n${fixes.map((f, i) => `  ${i + 1}. ${f}`).join('\n')}\n`;
  const message = err.message.startsWith(`${action} failed: `) ? err.message : `${action} failed: ${err.message}`;
  io.stderr(`sidewire: ${message}\n${howTo}`);
  return EXIT.failed;
}

/** `key: value` lines; strings as is, other values as JSON. */
export function formatStatus(status: unknown): string {
  if (typeof status !== 'object' || status === null || Array.isArray(status)) return `${JSON.stringify(status)}\n`;
  return Object.entries(status)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}\n`)
    .join('');
}

/** The key counters from `$/stats` as `key: value` lines; empty when the server keeps no metrics. */
export function formatCounters(stats: ServerStats | undefined): string {
  if (stats?.metrics == null) return '';
  const t = totals(stats.metrics);
  const m = stats.metrics;
  return formatStatus({
    messages: `${t.messagesIn} in / ${t.messagesOut} out`,
    bytes: `${t.bytesIn} in / ${t.bytesOut} out`,
    requests: `${m.requests} (${m.inFlight} in flight, ${m.errors} errors)`,
    connectionsTotal: `${t.connectionsTotal} (${t.refused} refused)`,
    eventsDropped: m.eventsDropped,
  });
}

/** `$/stats` for the human status screen; undefined from servers that predate it. */
async function statsOf(client: Client, timeoutMs: number): Promise<ServerStats | undefined> {
  try {
    return (await client.call('$/stats', undefined, { timeoutMs })) as ServerStats;
  } catch {
    return undefined;
  }
}

/** A ref'd sleep: the CLI must stay alive while it waits. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until the connection is gone, then until the daemon's process exited; false on timeout. */
async function waitGone(client: Client, pid: number | undefined, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (client.isConnected) {
    if (Date.now() >= deadline) return false;
    await sleep(25);
  }
  while (pid !== undefined && pid !== process.pid && isPidAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(25);
  }
  return true;
}

async function run(action: Action, argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, { ...CLIENT_OPTIONS, timeout: { type: 'string' } }, true);
  if (wantsHelp(values, positionals)) {
    io.stdout(usage(action));
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const timeoutMs = positiveInt(values['timeout'], 'timeout') ?? DEFAULT_TIMEOUT_MS;
  const json = values['json'] === true;
  let client: Client;
  try {
    client = await connect({ ...clientOptionsFrom(values, io), connectTimeoutMs: timeoutMs });
  } catch (err) {
    if (isSidewireError(err, 'ERR_NOT_RUNNING')) return notRunning(err, values, io);
    throw err;
  }
  try {
    const result = await client.call(METHODS[action].method, undefined, { timeoutMs });
    if (action === 'stop' && !(await waitGone(client, client.serverInfo?.pid, timeoutMs))) {
      io.stderr(`sidewire: the daemon accepted stop but is still shutting down after ${timeoutMs} ms\n`);
    }
    if (action === 'status') {
      io.stdout(json ? `${JSON.stringify(result)}\n` : formatStatus(result) + formatCounters(await statsOf(client, timeoutMs)));
    }
    else io.stdout(json ? `${JSON.stringify({ ok: true, result: result ?? null })}\n` : `${METHODS[action].done}\n`);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof ResponseError) return daemonError(action, err, values, io);
    throw err;
  } finally {
    await client.close();
  }
}

export const status: Command = (argv, io) => run('status', argv, io);
export const pause: Command = (argv, io) => run('pause', argv, io);
export const resume: Command = (argv, io) => run('resume', argv, io);
export const reload: Command = (argv, io) => run('reload', argv, io);
export const stop: Command = (argv, io) => run('stop', argv, io);
