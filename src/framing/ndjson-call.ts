/**
 * One NDJSON line for a request or a notification, built around `JSON.stringify(params)` instead
 * of stringifying a fresh `{ jsonrpc, id, method, params }` object: the same bytes as
 * `encodeNdjson(requestMessage(…))` (the same keys in the same order, `params` left out when
 * JSON has no value for it, as JSON.stringify leaves out such a property), for about 40 % less of
 * the encoder's time per small message (docs/benchmarks.md "One way"): the envelope is constant
 * text, and the quoted method name is kept from the previous call.
 */
import { encodeFailed } from '../errors.js';

let lastMethod = '';
let lastQuoted = '""';

/** `"method"` as JSON (a string: escapes and lone surrogates as JSON.stringify writes them). */
function quoteMethod(method: string): string {
  if (method !== lastMethod) {
    lastQuoted = JSON.stringify(method);
    lastMethod = method;
  }
  return lastQuoted;
}

/**
 * The NDJSON line (with its `\n`) of a request (`id` a safe integer) or a notification (`id`
 * undefined). Throws a SidewireError `ERR_ENCODE` when `params` cannot be JSON (a BigInt, a
 * cycle, a throwing `toJSON`).
 */
export function encodeCallNdjson(id: number | undefined, method: string, params: unknown): string {
  const head = id === undefined ? '{"jsonrpc":"2.0","method":' : `{"jsonrpc":"2.0","id":${id},"method":`;
  if (params === undefined) return `${head}${quoteMethod(method)}}\n`;
  let json: string | undefined;
  try {
    json = JSON.stringify(params);
  } catch (err) {
    throw encodeFailed('the message as JSON', err);
  }
  return json === undefined ? `${head}${quoteMethod(method)}}\n` : `${head}${quoteMethod(method)},"params":${json}}\n`;
}
