/**
 * `sidewire listen TOPIC... [--endpoint E]`: prints `{"topic":...,"data":...}` per event (NDJSON)
 * until SIGINT/SIGTERM (exit 0) or until the connection is lost (exit 1).
 */
import { ConnectionError } from '../errors.js';
import { connect } from '../rpc/client.js';
import { clientOptionsFrom } from './call.js';
import { ENDPOINT_OPTIONS, EXIT, UsageError, parseCommandArgs, type CliIO, type Command } from './io.js';
import { waitForSignal } from './serve.js';

const USAGE = 'Usage: sidewire listen TOPIC... [--app A] [--name N] [--endpoint E]   (TOPIC may end in * : "clock.*", "*")\n';

export const listen: Command = async (argv: readonly string[], io: CliIO): Promise<number> => {
  const { values, positionals } = parseCommandArgs(argv, ENDPOINT_OPTIONS, true);
  if (values['help'] === true) {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  if (positionals.length === 0) throw new UsageError('missing TOPIC, e.g. sidewire listen clock.tick');
  const stopped = waitForSignal();
  let client;
  try {
    client = await connect({ ...clientOptionsFrom(values, io), reconnect: false });
  } catch (err) {
    stopped.dispose();
    throw err;
  }
  const lost = new Promise<'lost'>((resolve) => client.once('close', (info) => info.reason === 'lost' && resolve('lost')));
  try {
    for (const topic of positionals) {
      await client.subscribe(topic, (data, t) => io.stdout(JSON.stringify({ topic: t, data }) + '\n'));
    }
    const why = await Promise.race([stopped.signal, lost]);
    if (why === 'lost') {
      throw new ConnectionError('ERR_CONNECTION_LOST', `the connection to ${client.endpoint} was lost`, {
        fixes: ['the server stopped: restart it, then run sidewire listen again'],
      });
    }
    return EXIT.ok;
  } finally {
    await client.close();
    stopped.dispose();
  }
};
