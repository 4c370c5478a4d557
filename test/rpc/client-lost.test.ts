/** A server process that dies: every pending call settles with ERR_CONNECTION_LOST. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '../../src/client/client.js';
import { startFixtureChild } from '../helpers/fixture-child.js';
import { tempDir } from '../helpers/names.js';

const fixture = fileURLToPath(new URL('../fixtures/rpc-server.ts', import.meta.url));

function startChild(endpoint: string): Promise<ChildProcess> {
  return startFixtureChild(fixture, endpoint, 'server child', 15_000);
}

describe('server process killed', () => {
  const { dir, cleanup } = tempDir('swk');
  let child: ChildProcess | undefined;
  after(() => {
    child?.kill('SIGKILL');
    cleanup();
  });

  it('pending calls reject with ERR_CONNECTION_LOST and the client reports close "lost"', async () => {
    const endpoint = `unix://${path.join(dir, 'k.sock')}`;
    child = await startChild(endpoint);
    const c = await connect({ endpoint, env: { XDG_RUNTIME_DIR: dir }, reconnect: false });
    assert.equal(await c.call('echo', ['hi']).then((r) => (r as string[])[0]), 'hi');
    assert.equal(c.serverInfo?.pid, child.pid, 'hello reports the server process pid');
    const closed = new Promise<string>((resolve) => c.once('close', (info) => resolve(info.reason)));
    const pending = Array.from({ length: 5 }, () => assert.rejects(c.call('hang', undefined, { timeoutMs: 0 }), (e: unknown) => {
      assert.equal((e as { code?: string }).code, 'ERR_CONNECTION_LOST');
      assert.match((e as Error).message, /lost before 'hang' completed/);
      return true;
    }));
    await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await Promise.all(pending);
    assert.equal(await closed, 'lost');
    assert.equal(c.isReady, false);
    await assert.rejects(c.call('echo', []), { code: 'ERR_CONNECTION_LOST' });
  });
});
