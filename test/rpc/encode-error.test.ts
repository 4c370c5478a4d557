/**
 * A call whose params cannot be encoded rejects with a coded SidewireError `ERR_ENCODE`
 * (docs/errors.md), in JSON and in binary mode, naming the call; nothing is sent and the
 * connection stays usable.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../../src/client/client.js';
import { SidewireError } from '../../src/errors.js';
import { startServer, type TestServer } from './rpc-harness.js';

describe('params that cannot be encoded', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer();
    t.server.method('echo', (params: unknown) => params);
  });
  after(async () => t.cleanup());

  for (const mode of ['json', 'binary'] as const) {
    it(`regression: a BigInt in a ${mode} call rejects with ERR_ENCODE, not a bare TypeError`, async () => {
      const client = await connect({ endpoint: t.endpoint, env: t.env, app: t.app, mode, reconnect: false });
      try {
        await assert.rejects(client.call('echo', { n: 1n }), (err: unknown) => {
          assert.ok(err instanceof SidewireError, `got ${String(err)}`);
          assert.equal(err.code, 'ERR_ENCODE');
          assert.equal(err.name, 'SidewireError');
          assert.match(err.message, /cannot encode the params of 'echo'/);
          assert.ok(err.fixes.length > 0);
          return true;
        });
        const cyclic: Record<string, unknown> = {};
        cyclic['self'] = cyclic;
        assert.throws(() => client.notify('echo', cyclic), (err: unknown) => err instanceof SidewireError && err.code === 'ERR_ENCODE' && /'echo'/.test(err.message));
        assert.deepEqual(await client.call('echo', { ok: 1 }), { ok: 1 });
      } finally {
        await client.close();
      }
    });
  }
});
