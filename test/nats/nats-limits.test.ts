/**
 * The NATS server's own message limit (max_payload, 1 MiB by default) on a nats:// endpoint
 * (docs/nats.md "Security"): a message over it is a coded error at once on either side, never a
 * bare nats.js error or a call left waiting for its timeout, and the connection keeps working.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from '../../src/server/server.js';
import { connect, type Client } from '../../src/client/client.js';
import { ResponseError } from '../../src/protocol/response-error.js';
import { isSidewireError } from '../../src/errors.js';
import { startNatsServer, type NatsServerHandle } from '../helpers/nats-server.js';
import { uniqueName } from '../helpers/names.js';

const MIB = 1024 * 1024;
let nats: NatsServerHandle;
let server: Server;
let client: Client;
before(async () => {
  nats = await startNatsServer();
  const service = uniqueName('lim');
  server = createServer({ endpoint: nats.url, service, app: service, discovery: false, cleanupOnExit: false });
  server.method('echo', (p) => p);
  server.method('big', () => 'x'.repeat(2 * MIB));
  await server.listen();
  // a long call timeout: a reply that never came would make the test fail by its own deadline
  client = await connect({ endpoint: nats.url, service, app: service, reconnect: false, callTimeoutMs: 120_000, connectTimeoutMs: 60_000 });
});
after(async () => {
  await client?.close();
  await server?.close();
  await nats?.stop();
});

it("params over the NATS server's max_payload: ERR_MESSAGE_TOO_LARGE naming the limit, and the client keeps working", async () => {
  await assert.rejects(client.call('echo', { s: 'x'.repeat(2 * MIB) }), (err: unknown) => {
    assert.ok(isSidewireError(err, 'ERR_MESSAGE_TOO_LARGE'), String(err));
    assert.match((err as Error).message, /max_payload of 1048576/);
    return true;
  });
  assert.deepEqual(await client.call('echo', { a: 1 }), { a: 1 });
});

it("a result over max_payload: the caller gets -32004 at once instead of waiting for its timeout", async () => {
  const started = Date.now();
  await assert.rejects(client.call('big'), (err: unknown) => {
    assert.ok(err instanceof ResponseError && err.code === -32004, String(err));
    assert.deepEqual(err.data, { limit: MIB });
    return true;
  });
  assert.ok(Date.now() - started < 60_000, 'answered, not timed out');
  assert.deepEqual(await client.call('echo', [1]), [1]);
});
