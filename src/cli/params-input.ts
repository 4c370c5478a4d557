/**
 * The params argument of `call` and `notify`: a JSON value given inline, `-` for stdin, or
 * `@FILE` for a file (`echo '{}' | sidewire call echo -`, `sidewire call echo @big.json`), so
 * params larger than the argument-size limit of the OS (E2BIG) can be sent. At most
 * MAX_PARAMS_INPUT_BYTES are read; more is a usage error (exit 2), never an unbounded buffer.
 */
import * as fs from 'node:fs';
import { UsageError } from './io.js';

/** Most bytes read for params from stdin or a file: 64 MiB. */
export const MAX_PARAMS_INPUT_BYTES = 64 * 1024 * 1024;

/** Reads `stream` to the end, refusing more than `limit` bytes. */
async function readBounded(stream: NodeJS.ReadableStream, limit: number, what: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > limit) throw new UsageError(`${what} is larger than ${limit} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The params text from the argument: inline, `-` (stdin) or `@FILE`; undefined when absent. */
export async function readParamsText(arg: string | undefined, stdin: NodeJS.ReadableStream | undefined): Promise<{ text: string; from: string } | undefined> {
  if (arg === undefined) return undefined;
  if (arg === '-') {
    if (stdin === undefined) throw new UsageError("'-' reads params from stdin, which this command has not got");
    return { text: await readBounded(stdin, MAX_PARAMS_INPUT_BYTES, 'stdin'), from: 'stdin' };
  }
  if (arg.startsWith('@')) {
    const file = arg.slice(1);
    if (file === '') throw new UsageError("'@' needs a file name, e.g. @params.json");
    let stream: fs.ReadStream;
    try {
      const fd = fs.openSync(file, 'r');
      if (!fs.fstatSync(fd).isFile()) {
        fs.closeSync(fd);
        throw new UsageError(`${file} is not a regular file`);
      }
      stream = fs.createReadStream('', { fd });
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`cannot read params file ${file}: ${(err as Error).message}`);
    }
    return { text: await readBounded(stream, MAX_PARAMS_INPUT_BYTES, `params file ${file}`), from: file };
  }
  return { text: arg, from: 'the params argument' };
}

/** Parses params JSON; a usage error (exit 2) that says where the text came from. */
export function parseParamsJson(input: { text: string; from: string } | undefined): unknown {
  if (input === undefined) return undefined;
  try {
    return JSON.parse(input.text) as unknown;
  } catch (err) {
    const hint = input.from === 'the params argument' ? `; quote it, e.g. '{"a":1}' or '[1,2,3]', or pass - (stdin) or @FILE` : '';
    throw new UsageError(`${input.from === 'the params argument' ? input.from : `the params in ${input.from}`} is not valid JSON (${(err as Error).message})${hint}`);
  }
}
