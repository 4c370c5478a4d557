import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LazyAbort } from '../../src/util/lazy-abort.js';

test('LazyAbort: the signal is a normal, not aborted AbortSignal until abort()', () => {
  const lazy = new LazyAbort();
  const signal = lazy.signal;
  assert.ok(signal instanceof AbortSignal);
  assert.equal(signal.aborted, false);
  assert.equal(lazy.signal, signal, 'the same signal every time');
  let fired = 0;
  signal.addEventListener('abort', () => fired++);
  const reason = new Error('first');
  lazy.abort(reason);
  lazy.abort(new Error('second'));
  assert.equal(signal.aborted, true);
  assert.equal(signal.reason, reason, 'the first reason wins');
  assert.equal(fired, 1);
});

test('LazyAbort: a signal asked for after abort() is already aborted with the first reason', () => {
  const lazy = new LazyAbort();
  const reason = new Error('first');
  lazy.abort(reason);
  lazy.abort(new Error('second'));
  const signal = lazy.signal;
  assert.equal(signal.aborted, true);
  assert.equal(signal.reason, reason);
  assert.throws(() => signal.throwIfAborted(), (err) => err === reason);
});

test('LazyAbort: abort(undefined) behaves like AbortController (reason becomes an AbortError)', () => {
  const lazy = new LazyAbort();
  lazy.abort(undefined);
  const real = new AbortController();
  real.abort(undefined);
  assert.equal(lazy.signal.aborted, true);
  assert.equal((lazy.signal.reason as Error).name, (real.signal.reason as Error).name);
});
