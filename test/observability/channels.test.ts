import { test } from 'node:test';
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import {
  CHANNEL_NAMES,
  channels,
  publishClientConnect,
  publishClientReconnect,
  publishClientState,
  publishServerConnect,
  publishServerDisconnect,
  publishServerError,
  publishServerRequest,
  requestTraceActive,
  traceRequest,
} from '../../src/observability/channels.js';

/** Subscribes to `name` for the duration of `fn` and returns what was published. */
function captured(name: string, fn: () => void): unknown[] {
  const got: unknown[] = [];
  const listener = (message: unknown): void => {
    got.push(message);
  };
  diagnosticsChannel.subscribe(name, listener);
  try {
    fn();
  } finally {
    diagnosticsChannel.unsubscribe(name, listener);
  }
  return got;
}

test('each publish helper publishes its message on its documented channel', () => {
  const cases: [string, () => void, object][] = [];
  const add = <T extends object>(name: string, publish: (m: T) => void, message: T): void => {
    cases.push([name, () => publish(message), message]);
  };
  add('sidewire:server:connect', publishServerConnect, { clientId: 'ab12cd34ef56', mode: 'json' });
  add('sidewire:server:disconnect', publishServerDisconnect, { clientId: 'ab12cd34ef56', mode: 'text', durationMs: 5, reason: 'client closed' });
  add('sidewire:server:request', publishServerRequest, { clientId: 'c', method: 'echo', id: 1, durationMs: 0.2, error: { code: -32601, message: 'nope' } });
  add('sidewire:server:error', publishServerError, { error: new Error('x'), context: 'socket' });
  add('sidewire:client:connect', publishClientConnect, { endpoint: 'unix:///tmp/a.sock', clientId: 'c' });
  add('sidewire:client:reconnect', publishClientReconnect, { endpoint: 'unix:///tmp/a.sock', attempt: 2, delayMs: 200 });
  add('sidewire:client:state', publishClientState, { endpoint: 'unix:///tmp/a.sock', from: 'connecting', to: 'ready' });
  assert.deepEqual(Object.values(CHANNEL_NAMES).sort(), cases.map(([name]) => name).sort());
  for (const [name, publish, message] of cases) {
    assert.deepEqual(captured(name, publish), [message], name);
  }
});

test('nothing is published once the subscriber is gone', () => {
  captured(CHANNEL_NAMES.serverConnect, () => {});
  assert.equal(channels.serverConnect.hasSubscribers, false);
  const got: unknown[] = [];
  const listener = (m: unknown): void => void got.push(m);
  diagnosticsChannel.subscribe(CHANNEL_NAMES.serverConnect, listener);
  diagnosticsChannel.unsubscribe(CHANNEL_NAMES.serverConnect, listener);
  publishServerConnect({ clientId: 'x', mode: 'json' });
  assert.deepEqual(got, []);
});

test('traceRequest without subscribers calls the handler directly (sync stays sync)', () => {
  assert.equal(requestTraceActive(), false);
  assert.equal(traceRequest({ clientId: 'c', method: 'm', id: 1 }, () => 42), 42);
});

test('traceRequest emits start/end/asyncStart/asyncEnd with the result', async () => {
  const events: string[] = [];
  let seen: Record<string, unknown> | undefined;
  const handlers = {
    start: () => void events.push('start'),
    end: () => void events.push('end'),
    asyncStart: () => void events.push('asyncStart'),
    asyncEnd: (ctx: unknown) => {
      events.push('asyncEnd');
      seen = ctx as Record<string, unknown>;
    },
    error: () => void events.push('error'),
  };
  channels.serverRequestTrace.subscribe(handlers);
  try {
    assert.equal(requestTraceActive(), true);
    const result = await traceRequest({ clientId: 'c', method: 'sum', id: 7 }, async () => 3);
    assert.equal(result, 3);
    assert.deepEqual(events, ['start', 'end', 'asyncStart', 'asyncEnd']);
    assert.equal(seen?.['method'], 'sum');
    assert.equal(seen?.['result'], 3);
  } finally {
    channels.serverRequestTrace.unsubscribe(handlers);
  }
});

test('traceRequest reports a failing handler on the error channel and rethrows', async () => {
  const errors: unknown[] = [];
  const none = (): void => {};
  const handlers = { start: none, end: none, asyncStart: none, asyncEnd: none, error: (ctx: unknown) => void errors.push((ctx as { error: unknown }).error) };
  channels.serverRequestTrace.subscribe(handlers);
  try {
    const boom = new Error('boom');
    await assert.rejects(
      Promise.resolve(
        traceRequest({ clientId: 'c', method: 'bad', id: null }, () => {
          throw boom;
        }),
      ),
      boom,
    );
    assert.deepEqual(errors, [boom]);
  } finally {
    channels.serverRequestTrace.unsubscribe(handlers);
  }
});
