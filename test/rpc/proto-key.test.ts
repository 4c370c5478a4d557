/**
 * What the protocol refuses inside a message that decodes (docs/protocol.md "Keys and values"):
 * a `__proto__` key, in JSON, LSP and binary mode alike, and in binary mode a map key that is not
 * a string or an extension type other than the timestamp. Each is -32600 with the request's id,
 * and the connection goes on.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../../src/client/client.js';
import { encodeFrame } from '../../src/framing/length-prefix.js';
import { encodeMsgpack } from '../../src/framing/msgpack.js';
import { BinaryRawClient } from './binary-raw-client.js';
import { LspRawClient } from './lsp-raw-client.js';
import { RawClient, startServer, type TestServer } from './rpc-harness.js';

/** MessagePack of a short string (fixstr). */
const str = (s: string): Buffer => Buffer.concat([Buffer.from([0xa0 | Buffer.byteLength(s)]), Buffer.from(s)]);
/** A request `{ jsonrpc, id, method: 'echo', params: <map of one entry key → 1> }`, `key` already encoded. */
function echoWithKey(id: number | string, key: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x84]), str('jsonrpc'), str('2.0'), str('id'), encodeMsgpack(id), str('method'), str('echo'), str('params'), Buffer.from([0x81]), key, Buffer.from([0x01])]);
}
const PROTO_ERROR = { code: -32600, message: 'invalid request: the key "__proto__" is not allowed in a message (rename it)' };

describe('keys and values the protocol refuses', () => {
  let t: TestServer;
  const open: Array<{ close(): void }> = [];
  before(async () => {
    t = await startServer();
    t.server.method('echo', (p) => p);
    t.server.method('proto.reply', () => JSON.parse('{"ok":{"__proto__":{"x":1}}}') as unknown);
  });
  after(async () => {
    for (const c of open) c.close();
    await t.cleanup();
  });

  it('regression: binary mode answered a __proto__ key with -32700 and id null (the caller hung); now -32600 with the id, as JSON and LSP mode', async () => {
    const json = await RawClient.connect(t.path);
    const lsp = await LspRawClient.connect(t.path);
    const bin = await BinaryRawClient.connect(t.path);
    open.push(json, lsp, bin);
    const text = '{"jsonrpc":"2.0","id":5,"method":"echo","params":{"a":{"__proto__":{"polluted":true}}}}';
    json.send(`${text}\n`);
    lsp.send(Buffer.from(`Content-Length: ${text.length}\r\n\r\n${text}`));
    bin.sendRaw(encodeFrame(echoWithKey(5, str('__proto__'))));
    const replies = [await json.next(30_000), await lsp.next(30_000), await bin.next(30_000)];
    for (const r of replies) assert.deepEqual(r, { jsonrpc: '2.0', id: 5, error: PROTO_ERROR });
    // Spelt with escapes in JSON, still the same key.
    json.send('{"jsonrpc":"2.0","id":"s","method":"echo","params":{"\\u005f_proto__":1}}\n');
    assert.deepEqual(await json.next(30_000), { jsonrpc: '2.0', id: 's', error: PROTO_ERROR });
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
    // Each connection goes on.
    for (const peer of [json, lsp, bin]) assert.deepEqual((await peer.request('echo', { ok: 1 }, 6)).result, { ok: 1 });
  });

  it('binary mode: a map key that is not a string is -32600 with the id (not decoded as a string key)', async () => {
    const bin = await BinaryRawClient.connect(t.path);
    open.push(bin);
    bin.sendRaw(encodeFrame(echoWithKey(9, Buffer.from([0x01])))); // params {1: 1}
    assert.deepEqual(await bin.next(30_000), { jsonrpc: '2.0', id: 9, error: { code: -32600, message: 'invalid request: a map key must be a string, got a number (1)' } });
    bin.sendRaw(encodeFrame(echoWithKey('nil-key', Buffer.from([0xc0])))); // params {nil: 1}
    assert.equal((await bin.next(30_000)).id, 'nil-key');
  });

  it('binary mode: an extension type other than the timestamp is -32600 with the id; the timestamp still decodes', async () => {
    const bin = await BinaryRawClient.connect(t.path);
    open.push(bin);
    const ext = Buffer.from([0xd4, 0x05, 0x00]); // fixext 1, type 5
    const frame = Buffer.concat([Buffer.from([0x84]), str('jsonrpc'), str('2.0'), str('id'), encodeMsgpack(10), str('method'), str('echo'), str('params'), Buffer.from([0x91]), ext]);
    bin.sendRaw(encodeFrame(frame));
    assert.deepEqual(await bin.next(30_000), { jsonrpc: '2.0', id: 10, error: { code: -32600, message: 'invalid request: extension type 5 is not allowed (only the timestamp, -1)' } });
    const when = new Date(1_764_000_000_000);
    const r = await bin.request('echo', [when], 11);
    assert.ok(r.result[0] instanceof Date);
    assert.equal(r.result[0].getTime(), when.getTime());
  });

  it('binary mode: a frame that is also truncated stays a parse error (-32700, id null)', async () => {
    const bin = await BinaryRawClient.connect(t.path);
    open.push(bin);
    const whole = echoWithKey(12, str('__proto__'));
    bin.sendRaw(encodeFrame(whole.subarray(0, whole.length - 1)));
    const r = await bin.next(30_000);
    assert.equal(r.id, null);
    assert.equal(r.error.code, -32700);
  });

  it('the TypeScript client rejects a reply holding a __proto__ key at once (-32600), in every mode, instead of waiting for its timeout', async () => {
    for (const mode of ['json', 'binary', 'lsp'] as const) {
      const client = await connect({ endpoint: t.endpoint, env: t.env, app: t.app, mode, callTimeoutMs: 600_000 });
      try {
        await assert.rejects(client.call('proto.reply'), (err: { code?: number; message?: string }) => {
          assert.equal(err.code, -32600, mode);
          assert.match(err.message ?? '', /__proto__/);
          return true;
        });
        assert.deepEqual(await client.call('echo', [mode]), [mode], 'the connection goes on');
      } finally {
        await client.close();
      }
    }
  });
});
