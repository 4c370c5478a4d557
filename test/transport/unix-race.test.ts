import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Endpoint } from '../../src/endpoint/endpoint.js';
import { connectTransport } from '../../src/transport/connect.js';
import { ListenChild } from '../fixtures/child-process.js';
import { makeStaleSocket } from '../fixtures/stale-socket.js';
import { tempDir } from '../helpers/names.js';

const RACERS = 10;
const ROUNDS = 6;

describe('10 servers starting on one socket path at the same instant', () => {
  const tmp = tempDir('swrace');
  const endpoint: Endpoint = { kind: 'unix', path: path.join(tmp.dir, 'race.sock') };
  const children: ListenChild[] = [];
  after(async () => {
    await Promise.all(children.map((c) => c.kill()));
    tmp.cleanup();
  });

  it(`exactly one wins, nine get ERR_ENDPOINT_IN_USE (${ROUNDS} rounds, half over a stale socket)`, async () => {
    for (let i = 0; i < RACERS; i++) {
      children.push(new ListenChild({ endpoint: `unix://${endpoint.path}`, runtimeDir: tmp.dir, name: 'race', race: true }));
    }
    await Promise.all(children.map((c) => c.waitFor(/^WAITING$/)));
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 1) await makeStaleSocket(endpoint.path);
      const marks = children.map((c) => c.lines.length);
      // The barrier: every child is idle on stdin; "go" reaches all of them within microseconds.
      for (const c of children) c.send('go');
      const results = await Promise.all(children.map((c, i) => c.waitFor(/^(LISTENING|ERROR)/, marks[i])));
      const winners = children.filter((_, i) => results[i]?.startsWith('LISTENING'));
      const losers = results.filter((r) => r.startsWith('ERROR ERR_ENDPOINT_IN_USE'));
      assert.equal(winners.length, 1, `round ${round}: ${JSON.stringify(results)}`);
      assert.equal(losers.length, RACERS - 1, `round ${round}: ${JSON.stringify(results)}`);
      const winner = winners[0] as ListenChild;
      // Losers that probed the winner name its pid (from the discovery file) when it was written already.
      for (const r of losers) assert.match(r, new RegExp(`^ERROR ERR_ENDPOINT_IN_USE (${winner.pid}|-)$`));

      const client = await connectTransport(endpoint, { timeoutMs: 2000 });
      const reply = new Promise<string>((resolve) => client.once('data', (d) => resolve(String(d))));
      client.write(`round ${round}`);
      assert.equal(await reply, `round ${round}`);
      client.destroy();

      const mark = winner.lines.length;
      winner.send('close');
      await winner.waitFor(/^CLOSED$/, mark);
      assert.ok(!fs.existsSync(endpoint.path), 'winner removed its socket on close');
      assert.ok(!fs.existsSync(`${endpoint.path}.lock`), 'no lock left behind');
    }
  });
});
