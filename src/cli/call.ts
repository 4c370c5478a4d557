/**
 * `sidewire call METHOD [JSON] [--endpoint E] [--timeout MS]`: calls one method and prints the
 * result as JSON. Server errors → stderr, exit 1; not running → exit 3; bad JSON → exit 2.
 */
import type { ClientOptions } from '../rpc/client-options.js';
import { connect } from '../rpc/client.js';
import { ResponseError } from '../rpc/response-error.js';
import { VERSION } from '../version.js';
import { ENDPOINT_OPTIONS, EXIT, UsageError, parseCommandArgs, type CliIO, type Command } from './io.js';
import { positiveInt } from './serve.js';

const USAGE = 'Usage: sidewire call METHOD [JSON] [--app A] [--name N] [--endpoint E] [--timeout MS] [--json]\n';

/** Client options from the shared endpoint flags. */
export function clientOptionsFrom(values: Record<string, string | boolean | undefined>, io: CliIO): ClientOptions {
  return {
    app: (values['app'] as string | undefined) ?? 'sidewire',
    ...(values['name'] === undefined ? {} : { name: values['name'] as string }),
    ...(values['endpoint'] === undefined ? {} : { endpoint: values['endpoint'] as string }),
    env: io.env,
    client: { name: 'sidewire-cli', version: VERSION },
  };
}

function parseParams(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UsageError(`the params argument is not valid JSON (${(err as Error).message}); quote it, e.g. '{"a":1}' or '[1,2,3]'`);
  }
}

export const call: Command = async (argv: readonly string[], io: CliIO): Promise<number> => {
  const { values, positionals } = parseCommandArgs(argv, { ...ENDPOINT_OPTIONS, timeout: { type: 'string' } }, true);
  if (values['help'] === true) {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  const [method, paramsText, ...extra] = positionals;
  if (method === undefined) throw new UsageError('missing METHOD, e.g. sidewire call echo \'{"hello":1}\'');
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}': pass params as one JSON value`);
  const params = parseParams(paramsText);
  const timeoutMs = positiveInt(values['timeout'], 'timeout');
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
