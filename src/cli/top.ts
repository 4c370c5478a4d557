/**
 * `sidewire top [--interval MS] [--count N] [--json] [endpoint options]`: shows a server's key
 * counters (from the `$/stats` reserved method) and refreshes them every second: open
 * connections, messages and bytes in/out per second, requests, errors and dropped events — not
 * counting top's own polling, cut to the terminal (top-screen.ts). `--json` prints one
 * `{"stats":…,"rates":…}` line per refresh instead of a screen; `--count N` stops after N
 * refreshes. It reconnects when the daemon restarts (`--once`/`--no-reconnect`: exit 1 instead).
 * Ctrl-C ends it (exit 0).
 */
import { connect } from '../client/client.js';
import { connectionLost, isSidewireError, type ErrorCode } from '../errors.js';

/** Poll failures that only mean the daemon is away for now (see watchConnection). */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['ERR_TIMEOUT', 'ERR_CONNECTION_LOST', 'ERR_CONNECTION_CLOSED', 'ERR_QUEUE_FULL']);
import { ErrorCodes, ResponseError } from '../protocol/response-error.js';
import type { ServerStats } from '../observability/server-vitals.js';
import { formatStatsScreen, statsRates } from '../observability/stats-view.js';
import { clientOptionsFrom } from './call.js';
import { ENDPOINT_HELP, TOKEN_HELP, formatHelp, wantsHelp } from './help.js';
import { CLIENT_OPTIONS, EXIT, UsageError, parseCommandArgs, type CliIO, type Command } from './io.js';
import { positiveInt } from './serve.js';
import { RECONNECT_HELP, RECONNECT_OPTIONS, reconnectFrom, watchConnection } from './stay-connected.js';
import { fitScreen, ownRequestBytes, ownResponseBytes, terminalSize, withoutOwnPolling } from './top-screen.js';

const HELP = formatHelp({
  usage: 'sidewire top [options]',
  summary: "Live counters of a server (from $/stats), refreshed every --interval: connections, messages and\nbytes per second, requests, errors, dropped events. Top's own polling is not counted.",
  options: [
    ...ENDPOINT_HELP,
    TOKEN_HELP,
    { flag: '--interval MS', text: 'time between refreshes', default: '1000' },
    { flag: '--count N', text: 'stop after N refreshes', default: 'run until Ctrl-C' },
    ...RECONNECT_HELP,
  ],
  examples: ['sidewire top', 'sidewire top --app myapp --interval 500', 'sidewire top --count 1 --json'],
});

/** ANSI: cursor home + clear screen (only written to a terminal). */
const CLEAR = '\u001b[H\u001b[2J';

/** Resolves after `ms`, or as soon as `stop` fires. */
function pause(ms: number, stop: Promise<unknown>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const sleep = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms); // ref'd: the CLI must stay alive while it waits
  });
  return Promise.race([sleep, stop.then(() => undefined)]).finally(() => clearTimeout(timer));
}

/** The first SIGINT/SIGTERM; `dispose()` removes the handlers. */
function onSignal(): { fired: Promise<void>; dispose(): void } {
  let done: () => void = () => undefined;
  const fired = new Promise<void>((resolve) => {
    done = resolve;
  });
  process.once('SIGINT', done);
  process.once('SIGTERM', done);
  return {
    fired,
    dispose: () => {
      process.removeListener('SIGINT', done);
      process.removeListener('SIGTERM', done);
    },
  };
}

function noStats(err: ResponseError, io: CliIO): number {
  if (err.code !== ErrorCodes.MethodNotFound) throw err;
  io.stderr('sidewire: top failed: this server does not answer $/stats (it runs an older sidewire)\nHow to fix:\n  1. upgrade the server to a sidewire version with $/stats\n');
  return EXIT.failed;
}

function lostConnection(endpoint: string): Error {
  return connectionLost({ endpoint, fixes: ['restart it (without --once/--no-reconnect top waits for it)'] });
}

export const top: Command = async (argv: readonly string[], io: CliIO): Promise<number> => {
  const { values, positionals } = parseCommandArgs(argv, { ...CLIENT_OPTIONS, ...RECONNECT_OPTIONS, interval: { type: 'string' }, count: { type: 'string' } }, true);
  if (wantsHelp(values, positionals)) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const intervalMs = positiveInt(values['interval'], 'interval') ?? 1000;
  const count = positiveInt(values['count'], 'count', null);
  const json = values['json'] === true;
  const clear = !json && process.stdout.isTTY === true;
  const size = terminalSize(process.stdout, io.env);
  const signal = onSignal();
  let client;
  let reconnects = false;
  try {
    // JSON mode: top's own bytes per poll are then known (withoutOwnPolling).
    client = await connect({ ...clientOptionsFrom(values, io), ...reconnectFrom(values), mode: 'json' });
    reconnects = reconnectFrom(values).reconnect !== false;
  } catch (err) {
    signal.dispose();
    throw err;
  }
  const connection = watchConnection(client, io, 'top');
  let stopped = false;
  void signal.fired.then(() => {
    stopped = true;
  });
  try {
    let previous: ServerStats | undefined;
    for (let n = 1; !stopped; n++) {
      let stats: ServerStats;
      try {
        const next = client.call('$/stats', undefined, { timeoutMs: Math.max(5000, intervalMs) }) as Promise<ServerStats>;
        const why = await Promise.race([next, connection.gone]);
        if (why === 'lost') throw lostConnection(client.endpoint);
        stats = why;
      } catch (err) {
        if (err instanceof ResponseError) return noStats(err, io);
        // While the client reconnects (a daemon restart can take longer than one poll's timeout on
        // a loaded machine), a poll that timed out or was cut off is retried, not fatal.
        if (reconnects && !stopped && isSidewireError(err) && RETRYABLE.has(err.code)) {
          n--;
          await Promise.race([pause(intervalMs, signal.fired), connection.gone]);
          continue;
        }
        throw err;
      }
      const seconds = previous === undefined ? 0 : (stats.time - previous.time) / 1000;
      const own = { bytesIn: ownRequestBytes(n), bytesOut: previous === undefined ? 0 : ownResponseBytes(n - 1, previous) };
      const rates = withoutOwnPolling(statsRates(previous, stats), seconds, own);
      if (json) io.stdout(JSON.stringify({ stats, rates: rates ?? null }) + '\n');
      else io.stdout((clear ? CLEAR : n > 1 ? '\n' : '') + fitScreen(formatStatsScreen(client.endpoint, stats, rates), size));
      previous = stats;
      if (count !== undefined && n >= count) break;
      await Promise.race([pause(intervalMs, signal.fired), connection.gone]);
    }
    return EXIT.ok;
  } finally {
    connection.dispose();
    signal.dispose();
    await client.close();
  }
};
