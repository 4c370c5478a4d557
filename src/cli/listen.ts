/**
 * `sidewire listen TOPIC...`: prints `{"topic":...,"data":...}` per event (NDJSON) until
 * SIGINT/SIGTERM or until the reader of stdout goes away (exit 0). It reconnects when the daemon
 * restarts (stay-connected.ts; status lines on stderr); with `--once`/`--no-reconnect` a lost
 * connection ends it with exit 1.
 */
import { SPAWN_HELP, SPAWN_OPTIONS } from './spawn-flag.js';
import { connectionLost } from '../errors.js';
import { connect } from '../client/client.js';
import { clientOptionsFrom } from './call.js';
import { ENDPOINT_HELP, TOKEN_HELP, formatHelp, wantsHelp } from './help.js';
import { CLIENT_OPTIONS, EXIT, UsageError, parseCommandArgs, type CliIO, type Command } from './io.js';
import { waitForSignal } from './serve.js';
import { RECONNECT_HELP, RECONNECT_OPTIONS, reconnectFrom, watchConnection } from './stay-connected.js';

const HELP = formatHelp({
  usage: 'sidewire listen TOPIC... [options]',
  summary: 'Prints each event on the TOPICs as one JSON line {"topic":…,"data":…} (NDJSON) until Ctrl-C.\nA TOPIC may end in *: "clock.*", "*".',
  options: [...ENDPOINT_HELP.filter((o) => o.flag !== '--json'), { flag: '--json', text: 'accepted for symmetry: the output is always NDJSON' }, TOKEN_HELP, ...RECONNECT_HELP, ...SPAWN_HELP],
  examples: [`sidewire listen 'clock.*'`, `sidewire listen 'clock.*' | head -2`, `sidewire listen '*' --app myapp --no-reconnect`],
});

export const listen: Command = async (argv: readonly string[], io: CliIO): Promise<number> => {
  const { values, positionals } = parseCommandArgs(argv, { ...CLIENT_OPTIONS, ...RECONNECT_OPTIONS, ...SPAWN_OPTIONS }, true);
  if (wantsHelp(values, positionals)) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  if (positionals.length === 0) throw new UsageError('missing TOPIC, e.g. sidewire listen clock.tick');
  const stopped = waitForSignal();
  let client;
  try {
    client = await connect({ ...clientOptionsFrom(values, io), ...reconnectFrom(values) });
  } catch (err) {
    stopped.dispose();
    throw err;
  }
  const connection = watchConnection(client, io, 'listen');
  try {
    for (const topic of positionals) {
      await client.subscribe(topic, (data, t) => io.stdout(JSON.stringify({ topic: t, data }) + '\n'));
    }
    const why = await Promise.race([stopped.signal, connection.gone]);
    if (why === 'lost') {
      throw connectionLost({
        endpoint: client.endpoint,
        fixes: ['restart it, then run sidewire listen again (without --once/--no-reconnect it reconnects by itself)'],
      });
    }
    return EXIT.ok;
  } finally {
    connection.dispose();
    await client.close();
    stopped.dispose();
  }
};
