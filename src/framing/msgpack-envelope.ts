/**
 * The JSON-RPC envelope's keys (and `"jsonrpc": "2.0"`) as MessagePack bytes: what the
 * hand-written encoder writes from constants and what the decoder recognises without reading the
 * keys as strings (msgpack-encoder.ts, msgpack-decoder.ts). Each is a fixstr (or fixstr key and
 * fixstr value), as every MessagePack encoder writes them.
 */

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex, 'hex'));

/** The map entry `"jsonrpc": "2.0"`. */
export const JSONRPC_2_0 = bytes('a76a736f6e727063a3322e30');
/** The key `"id"`. */
export const KEY_ID = bytes('a26964');
/** The key `"method"`. */
export const KEY_METHOD = bytes('a66d6574686f64');
/** The key `"params"`. */
export const KEY_PARAMS = bytes('a6706172616d73');
/** The key `"result"`. */
export const KEY_RESULT = bytes('a6726573756c74');
/** The key `"error"`. */
export const KEY_ERROR = bytes('a56572726f72');
