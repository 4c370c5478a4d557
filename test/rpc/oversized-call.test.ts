// Regression (found by the chaos stress suite): in JSON mode a call larger than the server's
// maxMessageBytes was dropped by the server with an id-less -32004, so the call only failed at its
// own timeout. The client now learns the limit from $/hello and refuses at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { createServer, connect, isSidewireError } from '../../src/index.js';
import { tempDir } from '../helpers/names.js';

test('a JSON-mode call over the server limit fails at once with ERR_MESSAGE_TOO_LARGE; the client stays usable', async () => {
  const tmp = tempDir('big');
  const server = createServer({
    app: 'bigtest',
    endpoint: `unix://${path.join(tmp.dir, 's.sock')}`,
    discovery: false,
    limits: { maxMessageBytes: 1024 },
  });
  server.method('echo', (p) => p);
  await server.listen();
  const client = await connect({ endpoint: `unix://${path.join(tmp.dir, 's.sock')}`, mode: 'json', reconnect: false, callTimeoutMs: 20_000 });
  try {
    const started = Date.now();
    await assert.rejects(client.call('echo', { blob: 'x'.repeat(4096) }), (err: unknown) => {
      assert.ok(isSidewireError(err, 'ERR_MESSAGE_TOO_LARGE'), String(err));
      assert.match(err.message, /accepts at most 1024/);
      assert.ok(err.fixes.length > 0);
      return true;
    });
    assert.ok(Date.now() - started < 5000, 'rejected at once, not at the call timeout');
    // Multi-byte text is measured in UTF-8 bytes: 400 × '€' is 1200 bytes.
    await assert.rejects(client.call('echo', '€'.repeat(400)), (err: unknown) => isSidewireError(err, 'ERR_MESSAGE_TOO_LARGE'));
    assert.deepEqual(await client.call('echo', { small: true }), { small: true });
  } finally {
    await client.close();
    await server.close();
    tmp.cleanup();
  }
});
