/**
 * The reference daemon of `sidewire serve`: its method table and events. Later issues add to it
 * (text commands, daemon kit); keep each addition a small named function.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Server } from '../server/server.js';
import type { ServiceShape } from '../protocol/service.js';
import { installInbox, type InboxMethods } from '../server/durable/inbox-methods.js';
import { realTimers, type Timers } from '../util/timers.js';

/** The reference daemon's typed service. */
export interface ReferenceService extends ServiceShape {
  methods: {
    /** Returns its params unchanged. */
    echo: { params: unknown; result: unknown };
    /** Adds numbers: params `[1, 2, 3]` → `6`. */
    sum: { params: number[]; result: number };
    /** Waits `ms` (0 to 60000), then answers `{ slept: ms }`; `$/cancel` stops it (docs/clients.md). */
    sleep: { params: { ms: number }; result: { slept: number } };
    /** Notifications received (plain and durable), kept in the inbox file (docs/reconnect.md). */
    'inbox.count': InboxMethods['inbox.count'];
    'inbox.list': InboxMethods['inbox.list'];
  };
  events: {
    /** Published every `tickMs` (default 1 s). */
    'clock.tick': { time: number; n: number };
  };
}

/** A tiny Standard Schema: an array of finite numbers. */
export const numberArray: StandardSchemaV1<number[]> = {
  '~standard': {
    version: 1,
    vendor: 'sidewire',
    validate(value) {
      if (!Array.isArray(value)) return { issues: [{ message: 'expected an array of numbers, e.g. [1, 2, 3]' }] };
      const issues: StandardSchemaV1.Issue[] = [];
      value.forEach((v, i) => {
        if (typeof v !== 'number' || !Number.isFinite(v)) issues.push({ message: `expected a number, got ${JSON.stringify(v) ?? typeof v}`, path: [i] });
      });
      return issues.length > 0 ? { issues } : { value: value as number[] };
    },
  },
};

/** The longest `sleep` (ms). */
export const MAX_SLEEP_MS = 60_000;

/** `sleep`'s params: `{ "ms": <integer 0..MAX_SLEEP_MS> }`. */
export const sleepParams: StandardSchemaV1<{ ms: number }> = {
  '~standard': {
    version: 1,
    vendor: 'sidewire',
    validate(value) {
      const ms = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as { ms?: unknown }).ms : undefined;
      if (typeof ms === 'number' && Number.isInteger(ms) && ms >= 0 && ms <= MAX_SLEEP_MS) return { value: { ms } };
      return { issues: [{ message: `expected { "ms": an integer from 0 to ${MAX_SLEEP_MS} }, got ${JSON.stringify(value) ?? typeof value}`, path: ['ms'] }] };
    },
  },
};

/** Resolves `{ slept: ms }` after `ms`, or rejects with the signal's reason once it aborts. */
export function sleepFor(ms: number, signal: AbortSignal, timers: Timers): Promise<{ slept: number }> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      timers.clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = timers.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve({ slept: ms });
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export interface ReferenceDaemonOptions {
  /**
   * Interval of `clock.tick`, in ms.
   * @default 1000
   */
  readonly tickMs?: number;
  /**
   * Timer functions of `sleep`.
   * @default real, unref()'d timers
   */
  readonly timers?: Timers;
}

/** Registers the reference methods; returns `stop()` for the clock. */
export function installReferenceDaemon(server: Server<ReferenceService>, options: ReferenceDaemonOptions = {}): { stop(): void } {
  server.method('echo', (params) => params, { description: 'returns its params unchanged' });
  server.method('sum', (params) => params.reduce((a, b) => a + b, 0), {
    params: numberArray,
    description: 'adds an array of numbers',
  });
  server.method('sleep', (params, ctx) => sleepFor(params.ms, ctx.signal, options.timers ?? realTimers), {
    params: sleepParams,
    description: `waits { ms } (0 to ${MAX_SLEEP_MS}) and answers { slept }; cancellable`,
  });
  installInbox(server);
  let n = 0;
  const timer = setInterval(() => {
    n++;
    server.publish('clock.tick', { time: Date.now(), n });
  }, options.tickMs ?? 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
