/**
 * Interop: text mode (DESIGN.md §5) on the real `sidewire serve` socket, driven by shell tools
 * (`nc -U`, `socat`) and by raw bytes: every reply kind, the 5 s line timeout, long lines,
 * garbage, and 200 concurrent text clients. Tool tests are skipped (with a message) where a tool
 * is missing; CI installs socat and netcat-openbsd.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { tempDir } from '../helpers/names.js';
import { has, pipeThrough } from '../helpers/shell-tools.js';
import { spawnCli, waitForOutput } from '../helpers/cli.js';
import { ask, exchange } from '../text/harness.js';



const nc = has('nc');
const socat = has('socat');
const noNc = nc ? false : 'nc is not installed (apt-get install netcat-openbsd)';
const noSocat = socat ? false : 'socat is not installed (apt-get install socat)';

describe('interop: text commands on the sidewire serve socket', () => {
  const { dir, cleanup } = tempDir('swtxt');
  const sock = path.join(dir, 's.sock');
  let server: ChildProcess;
  let pid = 0;
  before(async () => {
    server = spawnCli(['serve', '--endpoint', `unix://${sock}`, '--app', 'txt'], { XDG_RUNTIME_DIR: dir });
    await waitForOutput(server, /pid file: .*\n/);
    pid = server.pid as number;
  });
  after(() => {
    server.kill('SIGKILL');
    cleanup();
  });

  /** `printf LINE | nc -N -U sock` (-N: shut down the socket after stdin's EOF). */
  const viaNc = (input: string | Buffer): Promise<string> => pipeThrough('nc', ['-N', '-U', sock], input);
  const viaSocat = (input: string): Promise<string> => pipeThrough('socat', ['-t', '5', '-', `UNIX-CONNECT:${sock}`], input);

  it('nc -U: STATUS is one line of JSON with the contract fields', { skip: noNc }, async () => {
    const out = await viaNc('STATUS\n');
    assert.equal(out.split('\n').length, 2, 'exactly one line');
    const s = JSON.parse(out);
    assert.equal(s.state, 'running');
    assert.equal(s.pid, pid);
    assert.match(s.version, /^\d+\.\d+\.\d+/);
    for (const key of ['uptimeSecs', 'connections']) assert.equal(typeof s[key], 'number', key);
    assert.equal(s.endpoint, `unix://${sock}`);
  });

  it('nc -U: PING → PONG, HELP → JSON list, unknown word → ERR, case-insensitive', { skip: noNc }, async () => {
    assert.equal(await viaNc('PING\n'), 'PONG\n');
    assert.equal(await viaNc('ping\r\n'), 'PONG\n');
    const help = JSON.parse(await viaNc('help\n')) as string[];
    assert.deepEqual(help.map((l) => l.split(' ')[0]), ['HELP', 'PAUSE', 'PING', 'RELOAD', 'RESUME', 'STATUS']);
    assert.equal(await viaNc('frobnicate now\n'), 'ERR: unknown command: FROBNICATE\n');
  });

  it('nc -U: a line ended by EOF instead of \\n is answered', { skip: noNc }, async () => {
    assert.equal(await viaNc('PING'), 'PONG\n');
  });

  it('socat: PAUSE → OK, PAUSE → ERR: already paused, RESUME → OK, RELOAD → OK', { skip: noSocat }, async () => {
    assert.equal(await viaSocat('PAUSE\n'), 'OK\n');
    assert.equal(JSON.parse(await viaSocat('STATUS\n')).state, 'paused');
    assert.equal(await viaSocat('PAUSE\n'), 'ERR: already paused\n');
    assert.equal(await viaSocat('RESUME\n'), 'OK\n');
    assert.equal(await viaSocat('RESUME\n'), 'ERR: not paused\n');
    assert.equal(await viaSocat('RELOAD\n'), 'OK\n');
  });

  it('nc -U: binary garbage and control bytes → ERR, never a crash', { skip: noNc }, async () => {
    assert.equal(await viaNc(Buffer.from([0x53, 0xff, 0xfe, 0x00, 0x9f, 0x0a])), 'ERR: invalid characters in command line\n');
    assert.equal(await viaNc('PI\u001bNG\n'), 'ERR: invalid characters in command line\n');
    assert.equal(await viaNc('PING\n'), 'PONG\n');
  });

  it('raw bytes: a line over 4 KiB → ERR: line too long', async () => {
    assert.equal(await ask(sock, `STATUS ${'a'.repeat(5000)}\n`), 'ERR: line too long\n');
    assert.equal((await exchange(sock, Array.from({ length: 8 }, () => 'Z'.repeat(1000)))).text, 'ERR: line too long\n');
  });

  it('raw bytes: garbage after a letter, and garbage as the first byte, leave the server serving', async () => {
    assert.equal(await ask(sock, Buffer.from([0x41, 0xc3, 0x28, 0x0a])), 'ERR: invalid characters in command line\n');
    assert.equal((await exchange(sock, [Buffer.from([0xfe, 0xff, 0x41, 0x0a])])).text, '', 'an unknown first byte is closed');
    assert.equal(await ask(sock, 'PING\n'), 'PONG\n');
  });

  it('raw bytes: no complete line within the default 5 s → ERR: timeout', async () => {
    const started = Date.now();
    const { text } = await exchange(sock, ['STAT'], { timeoutMs: 20_000 });
    assert.equal(text, 'ERR: timeout\n');
    assert.ok(Date.now() - started >= 4000, 'not before the 5 s deadline');
  });

  it('200 concurrent text clients each get exactly one correct reply', async () => {
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) => ask(sock, i % 2 === 0 ? 'PING\n' : 'STATUS\n', { timeoutMs: 30_000 })),
    );
    replies.forEach((reply, i) => {
      assert.equal(reply.split('\n').length, 2, `client ${i}: one line`);
      if (i % 2 === 0) assert.equal(reply, 'PONG\n', `client ${i}`);
      else assert.equal(JSON.parse(reply).pid, pid, `client ${i}`);
    });
  });

  it('20 concurrent nc clients each get exactly one reply', { skip: noNc }, async () => {
    const replies = await Promise.all(Array.from({ length: 20 }, () => viaNc('PING\n')));
    for (const r of replies) assert.equal(r, 'PONG\n');
  });
});
