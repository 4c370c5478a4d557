/**
 * `sidewire call METHOD [JSON | - | @FILE]`: calls one method and prints the result as JSON.
 * Exit codes (docs/daemon.md "Exit codes"): 1 the server answered an error, 2 bad arguments
 * (including params that are not JSON), 3 not running.
 */
import { SPAWN_HELP, SPAWN_OPTIONS, spawnFrom } from './spawn-flag.js';
import type { SpawnOptions } from '../client/start-on-demand.js';
import type { ClientOptions } from '../client/client-options.js';
import { connect } from '../client/client.js';
import { ResponseError } from '../protocol/response-error.js';
import { VERSION } from '../version.js';
import { ENDPOINT_HELP, TOKEN_HELP, formatHelp, timeoutHelp, wantsHelp } from './help.js';
import { CLIENT_OPTIONS, EXIT, UsageError, parseCommandArgs, type CliIO, type Command } from './io.js';
import { parseParamsJson, readParamsText } from './params-input.js';
import { positiveInt } from './serve.js';
import { natsOptionsFrom } from './nats-flags.js';

const HELP = formatHelp({
  usage: 'sidewire call METHOD [JSON | - | @FILE] [options]',
  summary: 'Calls METHOD with the params (one JSON value; - reads it from stdin, @FILE from a file) and prints the result as JSON.',
  options: [...ENDPOINT_HELP, TOKEN_HELP, timeoutHelp('how long to wait for the answer', '30000'), ...SPAWN_HELP],
  examples: [
    `sidewire call echo '{"hello":1}'`,
    `echo '[1,2,3]' | sidewire call sum -`,
    'sidewire call inbox.list @params.json --app myapp --json',
  ],
});

/** Client options from the shared endpoint flags (and `--token`). */
export function clientOptionsFrom(values: Record<string, string | boolean | undefined>, io: CliIO): ClientOptions {
  return {
    app: (values['app'] as string | undefined) ?? 'sidewire',
    ...(values['name'] === undefined ? {} : { name: values['name'] as string }),
    ...(values['endpoint'] === undefined ? {} : { endpoint: values['endpoint'] as string }),
    ...(typeof values['token'] === 'string' ? { token: values['token'] } : {}),
    ...natsOptionsFrom(values),
    env: io.env,
    client: { name: 'sidewire-cli', version: VERSION },
    ...optionalSpawn(values),
  };
}

/** `spawn` from `--spawn`/`--ready-timeout`, when the command has them and they are given. */
function optionalSpawn(values: Record<string, string | boolean | undefined>): { spawn?: SpawnOptions } {
  const spawn = spawnFrom(values);
  return spawn === undefined ? {} : { spawn };
}

export const call: Command = async (argv: readonly string[], io: CliIO): Promise<number> => {
  const { values, positionals } = parseCommandArgs(argv, { ...CLIENT_OPTIONS, ...SPAWN_OPTIONS, timeout: { type: 'string' } }, true);
  if (wantsHelp(values, positionals)) {
    io.stdout(HELP);
    return EXIT.ok;
  }
  const [method, paramsArg, ...extra] = positionals;
  if (method === undefined) throw new UsageError('missing METHOD, e.g. sidewire call echo \'{"hello":1}\'');
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}': pass params as one JSON value`);
  const timeoutMs = positiveInt(values['timeout'], 'timeout');
  const params = parseParamsJson(await readParamsText(paramsArg, io.stdin));
  const json = values['json'] === true;
  const client = await connect(clientOptionsFrom(values, io));
  try {
    const result = await client.call(method, params, timeoutMs === undefined ? {} : { timeoutMs });
    io.stdout(JSON.stringify(json ? { ok: true, result: result ?? null } : (result ?? null)) + '\n');
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof ResponseError)) throw err;
    if (json) io.stdout(JSON.stringify({ ok: false, error: err.toJSON() }) + '\n');
    else {
      const data = err.data === undefined ? '' : `\n${JSON.stringify(err.data)}`;
      io.stderr(`sidewire: ${method} failed: ${err.message} (code ${err.code})${data}\n`);
    }
    return EXIT.failed;
  } finally {
    await client.close();
  }
};
