/** Text mode wired into the real Server: aliases run the same handlers as JSON mode (DESIGN.md §5). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { isSidewireError } from '../../src/errors.js';
import type { RequestContext } from '../../src/server/dispatch.js';
import { ResponseError } from '../../src/protocol/response-error.js';
import { createServer } from '../../src/server/server.js';
import { RawClient, startServer, type TestServer } from '../rpc/rpc-harness.js';
import { ask, exchange } from './harness.js';

/** Params must be an array of numeric strings; transforms them into numbers. */
const numericArgs: StandardSchemaV1<unknown, number[]> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate(value) {
      if (!Array.isArray(value)) return { issues: [{ message: 'expected numbers as arguments' }] };
      const out: number[] = [];
      for (const [i, v] of value.entries()) {
        if (typeof v !== 'string' || !/^-?\d+$/.test(v)) return { issues: [{ message: `not a number: ${String(v)}`, path: [i] }] };
        out.push(Number(v));
      }
      return { value: out };
    },
  },
};

describe('server text mode: aliases of registered methods', () => {
  let t: TestServer;
  const contexts: RequestContext[] = [];
  const errors: Error[] = [];
  before(async () => {
    t = await startServer();
    const s = t.server;
    s.on('error', (err) => errors.push(err));
    s.method('app.echo', (params, ctx) => {
      contexts.push(ctx);
      return params ?? 'no args';
    }, { description: 'echo the args' });
    s.method('app.sum', (params) => (params as number[]).reduce((a, b) => a + b, 0), { params: numericArgs });
    s.method('app.refuse', () => {
      throw new ResponseError(-32000, 'already paused');
    });
    s.method('app.crash', () => {
      throw new Error('secret internal detail\nat line 2');
    });
    s.method('app.nothing', () => undefined);
    s.textCommand('echo', 'app.echo');
    s.textCommand('SUM', 'app.sum', { description: 'adds integers' });
    s.textCommand('REFUSE', 'app.refuse');
    s.textCommand('CRASH', 'app.crash');
    s.textCommand('NOTHING', 'app.nothing');
    s.textCommand('GHOST', 'app.not-registered');
    s.text.configure({ lineTimeoutMs: 300 });
  });
  after(async () => t.cleanup());

  test('a WORD runs the aliased method with the args as params; no args → undefined params', async () => {
    assert.equal(await ask(t.path, 'ECHO a B\n'), '["a","B"]\n');
    assert.equal(await ask(t.path, 'echo\n'), 'no args\n');
  });

  test('the handler gets a RequestContext: clientId, signal, method, text mode', async () => {
    contexts.length = 0;
    await ask(t.path, 'ECHO x\n');
    const ctx = contexts[0];
    assert.ok(ctx);
    assert.match(ctx.clientId, /^[0-9a-f]{12}$/);
    assert.equal(ctx.method, 'app.echo');
    assert.equal(ctx.id, undefined);
    assert.equal(ctx.signal.aborted, false);
    assert.equal(ctx.connection.mode as string, 'text');
  });

  test('the same method answers in JSON mode', async () => {
    const c = await RawClient.connect(t.path);
    try {
      const r = await c.request('app.echo', ['json']);
      assert.deepEqual(r.result, ['json']);
    } finally {
      c.close();
    }
  });

  test('params schemas apply: transformed on success, ERR with the issue on failure', async () => {
    assert.equal(await ask(t.path, 'SUM 1 2 39\n'), '42\n');
    assert.equal(await ask(t.path, 'SUM 1 x\n'), "ERR: invalid params for 'app.sum': not a number: x at 1\n");
  });

  test('a ResponseError gives its message; another throw gives no internals and is reported', async () => {
    assert.equal(await ask(t.path, 'REFUSE\n'), 'ERR: already paused\n');
    errors.length = 0;
    assert.equal(await ask(t.path, 'CRASH\n'), "ERR: internal error in method 'app.crash'\n");
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /secret internal detail/);
  });

  test('a method returning nothing replies OK', async () => {
    assert.equal(await ask(t.path, 'NOTHING\n'), 'OK\n');
  });

  test('an alias whose method is not registered is an unknown command', async () => {
    assert.equal(await ask(t.path, 'GHOST\n'), 'ERR: unknown command: GHOST\n');
  });

  test('HELP lists the aliases with method or alias descriptions, sorted', async () => {
    const list = JSON.parse(await ask(t.path, 'HELP\n')) as string[];
    assert.deepEqual(list, [
      'CRASH — runs app.crash',
      'ECHO — echo the args',
      'HELP — list the commands of this endpoint',
      'NOTHING — runs app.nothing',
      'REFUSE — runs app.refuse',
      'SUM — adds integers',
    ]);
  });

  test('configure() changes the line timeout', async () => {
    assert.equal(await ask(t.path, 'ECH'), 'ERR: timeout\n');
  });

  test('a long line, garbage and control bytes get ERR, and the server keeps serving', async () => {
    assert.equal(await ask(t.path, `ECHO ${'x'.repeat(5000)}\n`), 'ERR: line too long\n');
    assert.equal(await ask(t.path, Buffer.from([0x45, 0xff, 0xfe, 0x00, 0x0a])), 'ERR: invalid characters in command line\n');
    assert.equal(await ask(t.path, 'EC\u0007HO\n'), 'ERR: invalid characters in command line\n');
    const { text } = await exchange(t.path, [Buffer.from([0xff, 0xfe, 0x80, 0x0a])]);
    assert.equal(text, '', 'an invalid first byte is closed without a reply');
    assert.equal(await ask(t.path, 'echo still\n'), '["still"]\n');
  });

  test('$/hello capabilities list the text mode', async () => {
    const c = await RawClient.connect(t.path);
    try {
      const r = await c.request('$/hello', { protocol: 1 });
      assert.ok(r.result.capabilities.modes.includes('text'));
    } finally {
      c.close();
    }
  });

  test('list() and unalias()', () => {
    assert.deepEqual(t.server.text.list().map((a) => a.word), ['CRASH', 'ECHO', 'GHOST', 'NOTHING', 'REFUSE', 'SUM']);
    assert.equal(t.server.text.list().find((a) => a.word === 'SUM')?.method, 'app.sum');
    t.server.textCommand('TEMP', 'app.echo');
    assert.equal(t.server.text.unalias('temp'), true);
    assert.equal(t.server.text.unalias('temp'), false);
  });
});

describe('server text mode: rules', () => {
  test('bad WORDs, AUTH and $/ methods are refused with ERR_INVALID_ARGUMENT', () => {
    const s = createServer();
    for (const [word, method] of [['', 'a'], ['1ABC', 'a'], ['HAS SPACE', 'a'], ['auth', 'a'], ['PING', '$/ping'], ['X', '']]) {
      assert.throws(() => s.textCommand(word!, method!), (err) => isSidewireError(err, 'ERR_INVALID_ARGUMENT'), `${word} → ${method}`);
    }
  });

  test('without aliases, text mode is not enabled', async () => {
    const t = await startServer();
    try {
      assert.equal(await ask(t.path, 'STATUS\n'), 'ERR: text mode not enabled on this server\n');
    } finally {
      await t.cleanup();
    }
  });

  test('a token endpoint needs AUTH <token> WORD; the token is the listener token', async () => {
    const t = await startServer({ requireToken: true });
    try {
      t.server.method('app.ping', () => 'PONG');
      t.server.textCommand('PING', 'app.ping');
      const token = t.server.token;
      assert.ok(token !== undefined && token.length > 0);
      assert.equal(await ask(t.path, 'PING\n'), 'ERR: unauthorized\n');
      assert.equal(await ask(t.path, 'AUTH wrong PING\n'), 'ERR: unauthorized\n');
      assert.equal(await ask(t.path, `AUTH ${token} ping\n`), 'PONG\n');
    } finally {
      await t.cleanup();
    }
  });

  test('commands that start while the server closes get ERR: server busy', async () => {
    const t = await startServer();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    t.server.method('app.slow', async () => {
      await gate;
      return 'done';
    });
    t.server.method('app.fast', () => 'fast');
    t.server.textCommand('SLOW', 'app.slow');
    t.server.textCommand('FAST', 'app.fast');
    const c = await RawClient.connect(t.path);
    try {
      // A text client that has connected but not yet sent its line when close() starts.
      const slow = ask(t.path, 'SLOW\n');
      await new Promise((r) => setTimeout(r, 100));
      const closing = t.server.close({ deadlineMs: 2000 });
      c.send('FAST\n');
      assert.equal(await c.nextLine(), 'ERR: server busy: shutting down');
      release();
      assert.equal(await slow, 'done\n');
      await closing;
    } finally {
      c.close();
      await t.cleanup();
    }
  });
});
