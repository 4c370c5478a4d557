/**
 * `sidewire serve --zeromq … --zeromq-pub …` against REAL foreign ZeroMQ peers (docs/zeromq.md):
 * Python (python3-zmq) REQ and SUB, Perl (libzmq-ffi-perl) REQ. Each REQ peer calls the methods a
 * JSON-mode client calls on the daemon's own socket, and must get the very same responses.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { spawnCli, waitForOutput } from '../helpers/cli.js';
import { tempDir } from '../helpers/names.js';
import { requestThrough, startSubscriber } from '../helpers/zeromq-peers.js';

/** The calls both kinds of peers make (JSON-RPC 2.0 requests). */
const CALLS = [
  { jsonrpc: '2.0', id: 1, method: 'echo', params: { from: 'peer', text: 'h\u00e9llo \u{1f600}', n: [1, 2, 3] } },
  { jsonrpc: '2.0', id: 2, method: 'sum', params: [1, 2, 3.5] },
  { jsonrpc: '2.0', id: 'three', method: 'sum', params: [1, 'x'] },
  { jsonrpc: '2.0', id: 4, method: 'inbox.count' },
  { jsonrpc: '2.0', id: 5, method: 'no.such.method' },
  [
    { jsonrpc: '2.0', id: 6, method: 'sum', params: [2, 2] },
    { jsonrpc: '2.0', id: 7, method: 'echo', params: ['batch'] },
  ],
];

/** The same calls over the daemon's own endpoint in JSON mode (NDJSON), one response line each. */
async function jsonModeReplies(sock: string, calls: readonly unknown[]): Promise<unknown[]> {
  const socket = net.connect(sock);
  socket.setEncoding('utf8');
  const replies: unknown[] = [];
  let buffered = '';
  const done = new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        replies.push(JSON.parse(buffered.slice(0, nl)));
        buffered = buffered.slice(nl + 1);
        if (replies.length === calls.length) resolve();
        else socket.write(JSON.stringify(calls[replies.length]) + '\n');
      }
    });
  });
  socket.write(JSON.stringify(calls[0]) + '\n');
  await done;
  socket.destroy();
  return replies;
}

describe('sidewire serve --zeromq: real Python and Perl peers', () => {
  const { dir, cleanup } = tempDir('swzp');
  const sock = path.join(dir, 's.sock');
  const rep = `ipc://${path.join(dir, 'zmq.sock')}`;
  const pub = `ipc://${path.join(dir, 'pub.sock')}`;
  let server: ChildProcess | undefined;
  let expected: unknown[] = [];

  before(async () => {
    server = spawnCli(['serve', '--endpoint', `unix://${sock}`, '--zeromq', rep, '--zeromq-pub', pub, '--tick-ms', '100'], { XDG_RUNTIME_DIR: dir });
    await waitForOutput(server, 'zeromq pub:', 60_000);
    expected = await jsonModeReplies(sock, CALLS);
  });
  after(() => {
    server?.kill('SIGKILL');
    cleanup();
  });

  it('the JSON-mode client got what the daemon answers (the reference for the peers)', () => {
    assert.deepEqual(expected[1], { jsonrpc: '2.0', id: 2, result: 6.5 });
    assert.equal((expected[2] as { error: { code: number } }).error.code, -32602);
    assert.equal((expected[4] as { error: { code: number } }).error.code, -32601);
  });

  it('a Python REQ peer gets the same responses as the JSON-mode client', async () => {
    assert.deepEqual(await requestThrough('python', rep, CALLS), expected);
  });

  it('a Perl (ZMQ::FFI) REQ peer gets the same responses as the JSON-mode client', async () => {
    assert.deepEqual(await requestThrough('perl', rep, CALLS), expected);
  });

  it('plain JSON peers: {type, payload} calls the method named by type; a notification gets an empty reply', async () => {
    const replies = await requestThrough('perl', rep, [
      { type: 'sum', payload: [1, 2, 3] },
      { type: 'echo', payload: { k: 'v' } },
      { type: 'nope', payload: 1 },
      { jsonrpc: '2.0', method: 'echo', params: [1] },
      'not json',
    ]);
    assert.deepEqual(replies[0], { type: 'sum', payload: 6 });
    assert.deepEqual(replies[1], { type: 'echo', payload: { k: 'v' } });
    assert.deepEqual(replies[2], { type: 'nope', error: { code: -32601, message: 'method not found: nope' } });
    assert.equal(replies[3], '');
    assert.equal((replies[4] as { error: { code: number } }).error.code, -32700);
  });

  it('a Python SUB peer gets clock.tick as two frames: the topic and the JSON payload', async () => {
    const sub = await startSubscriber(pub, 'clock.', 2);
    const lines = (await sub.lines).map((l) => JSON.parse(l) as { frames: number; topic: string; payload: { n: number; time: number } });
    assert.equal(lines.length, 2);
    for (const event of lines) {
      assert.equal(event.frames, 2);
      assert.equal(event.topic, 'clock.tick');
      assert.equal(typeof event.payload.n, 'number');
      assert.equal(typeof event.payload.time, 'number');
    }
    assert.ok((lines[1]?.payload.n ?? 0) > (lines[0]?.payload.n ?? 0), 'ticks arrive in order');
  });
});
