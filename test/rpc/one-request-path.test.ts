/**
 * One request path (docs/architecture.md "One request"): JSON, binary and text requests all run
 * through RequestRunner.run, so a method registered once gets the same context in every mode, and
 * the closing check, params validation and error wording are the same code, worded the same.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { RequestContext } from '../../src/server/dispatch.js';
import { RequestRunner } from '../../src/server/request-runner.js';
import type { RequestMessage } from '../../src/protocol/message.js';
import { BinaryRawClient } from './binary-raw-client.js';
import { RawClient, startServer, type Json, type TestServer } from './rpc-harness.js';
import { ask } from '../text/harness.js';

/** Params must be an array of one string. */
const oneWord: StandardSchemaV1<unknown, string[]> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate(value) {
      if (!Array.isArray(value) || value.length !== 1 || typeof value[0] !== 'string') return { issues: [{ message: 'expected one word' }] };
      return { value: value as string[] };
    },
  },
};

/** The error text of a JSON or binary error reply, and of a text `ERR:` line. */
function errorText(reply: Json): string {
  assert.ok(reply.error !== undefined, `an error reply: ${JSON.stringify(reply)}`);
  return reply.error.message as string;
}

function textError(line: string): string {
  assert.match(line, /^ERR: .*\n$/);
  return line.slice('ERR: '.length, -1);
}

/** The methods of the requests that entered RequestRunner.run, in order (a mode that bypasses it is not counted). */
const runs: string[] = [];
const original = RequestRunner.prototype.run;
before(() => {
  RequestRunner.prototype.run = function (this: RequestRunner, req: RequestMessage) {
    runs.push(req.method);
    return original.call(this, req);
  } as typeof original;
});
after(() => {
  RequestRunner.prototype.run = original;
});

describe('one request path for JSON, binary and text', () => {
  let t: TestServer;
  let json: RawClient;
  let binary: BinaryRawClient;
  const contexts: Array<{ mode: string; ctx: RequestContext }> = [];

  before(async () => {
    t = await startServer();
    t.server.on('error', () => undefined);
    t.server.method('app.who', (_params, ctx) => {
      contexts.push({ mode: ctx.connection.mode, ctx });
      return 'ok';
    });
    t.server.method('app.word', (params) => (params as string[])[0], { params: oneWord });
    t.server.method('app.crash', () => {
      throw new Error('secret detail');
    });
    t.server.textCommand('WHO', 'app.who');
    t.server.textCommand('WORD', 'app.word');
    t.server.textCommand('CRASH', 'app.crash');
    json = await RawClient.connect(t.path);
    binary = await BinaryRawClient.connect(t.path);
  });
  after(async () => {
    json.close();
    binary.close();
    await t.cleanup();
  });

  test('a method registered once runs through RequestRunner.run in every mode, with the same context shape', async () => {
    runs.length = 0;
    contexts.length = 0;
    assert.equal((await json.request('app.who', undefined, 1)).result, 'ok');
    assert.equal((await binary.request('app.who', undefined, 2)).result, 'ok');
    assert.equal(await ask(t.path, 'WHO\n'), 'ok\n');
    assert.deepEqual(runs, ['app.who', 'app.who', 'app.who'], 'each mode entered the runner once');
    assert.deepEqual(contexts.map((c) => c.mode), ['json', 'binary', 'text']);
    const [a, b, c] = contexts.map((x) => x.ctx);
    assert.equal(Object.getPrototypeOf(b), Object.getPrototypeOf(a), 'binary context built like JSON');
    assert.equal(Object.getPrototypeOf(c), Object.getPrototypeOf(a), 'text context built like JSON');
    assert.deepEqual(Object.keys(c!), Object.keys(a!));
    assert.deepEqual([a!.id, b!.id, c!.id], [1, 2, undefined]);
    for (const ctx of [a!, b!, c!]) {
      assert.equal(ctx.method, 'app.who');
      assert.match(ctx.clientId, /^[0-9a-f]{12}$/);
      assert.equal(ctx.signal.aborted, false);
    }
  });

  test('params validation and the internal-error wording are the same in every mode', async () => {
    const bad = errorText(await json.request('app.word', ['a', 'b'], 3));
    assert.equal(bad, "invalid params for 'app.word': expected one word");
    assert.equal(errorText(await binary.request('app.word', ['a', 'b'], 4)), bad);
    assert.equal(textError(await ask(t.path, 'WORD a b\n')), bad);
    assert.equal(await ask(t.path, 'WORD a\n'), 'a\n');

    const crash = errorText(await json.request('app.crash', undefined, 5));
    assert.equal(crash, "internal error in method 'app.crash'");
    assert.equal(errorText(await binary.request('app.crash', undefined, 6)), crash);
    assert.equal(textError(await ask(t.path, 'CRASH\n')), crash);
  });
});

describe('one closing check for JSON, binary and text', () => {
  test('regression: a closing server answers -32005 in JSON and binary, and ERR with the same words in text', async () => {
    const t = await startServer();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    t.server.method('app.slow', async () => {
      started();
      await gate;
      return 'done';
    });
    t.server.method('app.fast', () => 'fast');
    t.server.textCommand('FAST', 'app.fast');
    const holder = await RawClient.connect(t.path);
    const json = await RawClient.connect(t.path);
    const binary = await BinaryRawClient.connect(t.path);
    const text = await RawClient.connect(t.path);
    try {
      assert.equal((await json.request('$/ping', undefined, 1)).error, undefined);
      assert.equal((await binary.request('$/ping', undefined, 1)).error, undefined);
      holder.send({ jsonrpc: '2.0', id: 1, method: 'app.slow' }); // keeps the server closing until released
      const slow = holder.next(10_000);
      await running; // in flight: close() waits for it, and marks the server closing at once
      const closing = t.server.close({ deadlineMs: 10_000 });
      runs.length = 0;
      const fromJson = await json.request('app.fast', undefined, 2);
      const fromBinary = await binary.request('app.fast', undefined, 2);
      text.send('FAST\n');
      const fromText = await text.nextLine(10_000);
      assert.equal(fromJson.error.code, -32005);
      assert.equal(fromBinary.error.code, -32005);
      assert.equal(fromJson.error.message, 'server busy: shutting down');
      assert.equal(fromBinary.error.message, fromJson.error.message);
      assert.equal(fromText, `ERR: ${fromJson.error.message as string}`);
      assert.deepEqual(runs, ['app.fast', 'app.fast', 'app.fast'], 'the three refusals came from the runner');
      release();
      assert.equal((await slow).result, 'done');
      await closing;
    } finally {
      release();
      for (const c of [holder, json, binary, text]) c.close();
      await t.cleanup();
    }
  });
});
