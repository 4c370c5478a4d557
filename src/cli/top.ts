/**
 * `sidewire top [--app A] [--name N] [--endpoint E] [--interval MS] [--count N] [--json]`: shows a
 * server's key counters (from the `$/stats` reserved method) and refreshes them every second:
 * open connections, messages and bytes in/out per second, requests, errors and dropped events.
 * `--json` prints one `{"stats":…,"rates":…}` line per refresh instead of a screen; `--count N`
 * stops after N refreshes (e.g. `--count 1` for scripts). Ctrl-C ends it (exit 0).
 */
import { connect } from '../rpc/client.js';
import { ErrorCodes, ResponseError } from '../rpc/response-error.js';
import type { ServerStats } from '../observability/server-vitals.js';
import { formatStatsScreen, statsRates } from '../observability/stats-view.js';
import { clientOptionsFrom } from './call.js';
import { ENDPOINT_OPTIONS, EXIT, parseCommandArgs, type CliIO, type Command } from './io.js';
import { positiveInt } from './serve.js';

const USAGE = 'Usage: sidewire top [--app A] [--name N] [--endpoint E] [--interval MS] [--count N] [--json]\n';

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

export const top: Command = async (argv: readonly string[], io: CliIO): Promise<number> => {
  const { values } = parseCommandArgs(argv, { ...ENDPOINT_OPTIONS, interval: { type: 'string' }, count: { type: 'string' } });
  if (values['help'] === true) {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  const intervalMs = positiveInt(values['interval'], 'interval') ?? 1000;
  const count = positiveInt(values['count'], 'count');
  const json = values['json'] === true;
  const clear = !json && process.stdout.isTTY === true;
  const signal = onSignal();
  let client;
  try {
    client = await connect({ ...clientOptionsFrom(values, io), reconnect: false });
  } catch (err) {
    signal.dispose();
    throw err;
  }
  let stopped = false;
  void signal.fired.then(() => {
    stopped = true;
  });
  try {
    let previous: ServerStats | undefined;
    for (let n = 1; !stopped; n++) {
      let stats: ServerStats;
      try {
        stats = (await client.call('$/stats', undefined, { timeoutMs: Math.max(5000, intervalMs) })) as ServerStats;
      } catch (err) {
        if (err instanceof ResponseError) return noStats(err, io);
        throw err;
      }
      const rates = statsRates(previous, stats);
      if (json) io.stdout(JSON.stringify({ stats, rates: rates ?? null }) + '\n');
      else io.stdout((clear ? CLEAR : n > 1 ? '\n' : '') + formatStatsScreen(client.endpoint, stats, rates));
      previous = stats;
      if (count !== undefined && n >= count) break;
      await pause(intervalMs, signal.fired);
    }
    return EXIT.ok;
  } finally {
    signal.dispose();
    await client.close();
  }
};
