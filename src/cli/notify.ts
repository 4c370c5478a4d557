/**
 * `sidewire notify METHOD [JSON] [--durable] [--endpoint E] [--timeout MS]`: sends one
 * notification. Plain: connects, sends it, confirms with a `$/ping` round trip that the server read
 * it; exit 3 when no server runs. `--durable`: spools it first (fsync'd, in the endpoint's spool
 * dir), then delivers it when a server is reachable; exit 0 once it is delivered or safely spooled
 * (the server delivers the spool when it starts), 1 only when it could not even be spooled.
 */
import { isSidewireError } from '../errors.js';
import { Client, connect } from '../rpc/client.js';
import { ENDPOINT_OPTIONS, EXIT, UsageError, parseCommandArgs, type CliIO, type Command } from './io.js';
import { clientOptionsFrom } from './call.js';
import { positiveInt } from './serve.js';

const USAGE = 'Usage: sidewire notify METHOD [JSON] [--durable] [--app A] [--name N] [--endpoint E] [--timeout MS] [--json]\n';

/** Errors that mean "no server to deliver to right now": a durable message stays spooled. */
const UNREACHABLE = ['ERR_NOT_RUNNING', 'ERR_CONNECT', 'ERR_TIMEOUT', 'ERR_HANDSHAKE', 'ERR_ENDPOINT_PERMISSION', 'ERR_CONNECTION_LOST', 'ERR_CLIENT_FAILED'] as const;

function parseParams(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`the params argument is not valid JSON (${(err as Error).message}); quote it, e.g. '{"a":1}'`);
  }
}

export const notify: Command = async (argv: readonly string[], io: CliIO): Promise<number> => {
  const { values, positionals } = parseCommandArgs(argv, { ...ENDPOINT_OPTIONS, durable: { type: 'boolean' }, timeout: { type: 'string' } }, true);
  if (values['help'] === true) {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  const [method, paramsText, ...extra] = positionals;
  if (method === undefined) throw new UsageError('missing METHOD, e.g. sidewire notify hook.event \'{"n":1}\'');
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}': pass params as one JSON value`);
  if (method.startsWith('$/')) throw new UsageError(`'${method}' is a reserved method; notify sends application notifications`);
  const params = parseParams(paramsText);
  const timeoutMs = positiveInt(values['timeout'], 'timeout');
  const options = { ...clientOptionsFrom(values, io), reconnect: false as const, ...(timeoutMs === undefined ? {} : { connectTimeoutMs: timeoutMs, callTimeoutMs: timeoutMs }) };
  const json = values['json'] === true;
  const print = (result: { delivered: boolean; id?: string; file?: string }): void => {
    if (json) io.stdout(JSON.stringify({ ok: true, ...result }) + '\n');
    else io.stdout(result.delivered ? `delivered${result.id ? ` ${result.id}` : ''}\n` : `spooled ${result.id ?? ''} in ${result.file ?? ''}\n`);
  };

  if (values['durable'] !== true) {
    const client = await connect(options);
    try {
      client.notify(method, params);
      await client.call('$/ping'); // the server reads in order: once this answers, it has the notification
      print({ delivered: true });
      return EXIT.ok;
    } finally {
      await client.close();
    }
  }

  // Durable: on disk first (a hook may be killed any moment), then deliver if a server is there.
  const client = new Client(options);
  const receipt = await client.notify(method, params, { durable: true });
  try {
    await client.open();
    const left = await client.flushSpool();
    print({ delivered: left === 0, id: receipt.id, file: receipt.file });
  } catch (err) {
    if (!UNREACHABLE.some((code) => isSidewireError(err, code))) throw err;
    print({ delivered: false, id: receipt.id, file: receipt.file });
  } finally {
    await client.close();
  }
  return EXIT.ok;
};
