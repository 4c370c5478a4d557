/**
 * `sidewire notify METHOD [JSON | - | @FILE] [--durable]`: sends one notification. Plain:
 * connects, sends it, confirms with a `$/ping` round trip that the server read it; an error the
 * server answered for it (e.g. -32600) is reported, exit 1; exit 3 when no server runs.
 * `--durable`: spools it first (fsync'd, in the endpoint's spool dir), then delivers it when a
 * server is reachable; exit 0 once it is delivered or safely spooled (the server delivers the
 * spool when it starts), 1 only when it could not even be spooled. Params that JSON-RPC does not
 * allow (not an object or array) are refused before anything is sent or spooled: exit 2.
 */
import { SPAWN_HELP, SPAWN_OPTIONS } from './spawn-flag.js';
import { isSidewireError } from '../errors.js';
import { Client, connect } from '../client/client.js';
import { ResponseError } from '../protocol/response-error.js';
import { ENDPOINT_HELP, TOKEN_HELP, formatHelp, timeoutHelp, wantsHelp } from './help.js';
import { CLIENT_OPTIONS, EXIT, UsageError, parseCommandArgs, type CliIO, type Command } from './io.js';
import { clientOptionsFrom } from './call.js';
import { parseParamsJson, readParamsText } from './params-input.js';
import { positiveInt } from './serve.js';

const HELP = formatHelp({
  usage: 'sidewire notify METHOD [JSON | - | @FILE] [--durable] [options]',
  summary:
    'Sends one notification (params: a JSON object or array; - reads them from stdin, @FILE from a file).\n' +
    'Prints "delivered" once the server has read it; with --durable it is spooled on disk first and\n' +
    'delivered when a server runs ("spooled ID in FILE" until then).',
  options: [
    ...ENDPOINT_HELP,
    TOKEN_HELP,
    { flag: '--durable', text: "spool it first (fsync'd) so it survives a daemon that is down; exit 0 once delivered or spooled" },
    timeoutHelp('how long to wait for the connection and the confirmation', 'connect 5000, confirm 30000'),
    ...SPAWN_HELP,
  ],
  examples: [`sidewire notify hook.event '{"n":1}'`, `sidewire notify hook.event '{"n":1}' --durable --app myapp`, 'jq -c . event.json | sidewire notify hook.event -'],
});

/** Errors that mean "no server to deliver to right now": a durable message stays spooled. */
const UNREACHABLE = ['ERR_NOT_RUNNING', 'ERR_CONNECT', 'ERR_TIMEOUT', 'ERR_HANDSHAKE', 'ERR_ENDPOINT_PERMISSION', 'ERR_CONNECTION_LOST', 'ERR_CLIENT_FAILED'] as const;

/** JSON-RPC params are an object or an array (docs/protocol.md); anything else is refused before sending. */
function checkParams(params: unknown): void {
  if (params === undefined || (typeof params === 'object' && params !== null)) return;
  throw new UsageError(`params must be a JSON object or array, not ${JSON.stringify(params)}; e.g. '{"value":${JSON.stringify(params)}}' or '[${JSON.stringify(params)}]'`);
}

/** A rejection the server answered for the notification (an error response with id null). */
function rejected(method: string, err: ResponseError, json: boolean, io: CliIO): number {
  if (json) io.stdout(JSON.stringify({ ok: false, error: err.toJSON() }) + '\n');
  else io.stderr(`sidewire: notify ${method} failed: the server refused it: ${err.message} (code ${err.code})\n`);
  return EXIT.failed;
}

export const notify: Command = async (argv: readonly string[], io: CliIO): Promise<number> => {
  const { values, positionals } = parseCommandArgs(argv, { ...CLIENT_OPTIONS, ...SPAWN_OPTIONS, durable: { type: 'boolean' }, timeout: { type: 'string' } }, true);
  if (wantsHelp(values, positionals)) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  const [method, paramsArg, ...extra] = positionals;
  if (method === undefined) throw new UsageError('missing METHOD, e.g. sidewire notify hook.event \'{"n":1}\'');
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}': pass params as one JSON value`);
  if (method.startsWith('$/')) throw new UsageError(`'${method}' is a reserved method; notify sends application notifications`);
  const timeoutMs = positiveInt(values['timeout'], 'timeout');
  const params = parseParamsJson(await readParamsText(paramsArg, io.stdin));
  checkParams(params);
  const options = { ...clientOptionsFrom(values, io), reconnect: false as const, ...(timeoutMs === undefined ? {} : { connectTimeoutMs: timeoutMs, callTimeoutMs: timeoutMs }) };
  const json = values['json'] === true;
  const print = (result: { delivered: boolean; id?: string; file?: string }): void => {
    if (json) io.stdout(JSON.stringify({ ok: true, ...result }) + '\n');
    else io.stdout(result.delivered ? `delivered${result.id ? ` ${result.id}` : ''}\n` : `spooled ${result.id ?? ''} in ${result.file ?? ''}\n`);
  };

  if (values['durable'] !== true) {
    const client = await connect(options);
    let refusal: ResponseError | undefined;
    client.on('error', (err: unknown) => {
      if (err instanceof ResponseError) refusal ??= err;
    });
    try {
      client.notify(method, params);
      try {
        await client.call('$/ping'); // the server reads (and answers) in order: once this answers, it has the notification
      } catch (err) {
        if (refusal === undefined) throw err; // e.g. a server that refused it closes the connection
      }
      if (refusal !== undefined) return rejected(method, refusal, json, io);
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
