/**
 * The reference daemon of `sidewire serve`: its method table and events. Later issues add to it
 * (text commands, daemon kit); keep each addition a small named function.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { Server } from '../server/server.js';
import type { ServiceShape } from '../protocol/service.js';
import { installInbox, type InboxMethods } from '../server/durable/inbox-methods.js';

/** The reference daemon's typed service. */
export interface ReferenceService extends ServiceShape {
  methods: {
    /** Returns its params unchanged. */
    echo: { params: unknown; result: unknown };
    /** Adds numbers: params `[1, 2, 3]` → `6`. */
    sum: { params: number[]; result: number };
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

export interface ReferenceDaemonOptions {
  /**
   * Interval of `clock.tick`, in ms.
   * @default 1000
   */
  readonly tickMs?: number;
}

/** Registers the reference methods; returns `stop()` for the clock. */
export function installReferenceDaemon(server: Server<ReferenceService>, options: ReferenceDaemonOptions = {}): { stop(): void } {
  server.method('echo', (params) => params, { description: 'returns its params unchanged' });
  server.method('sum', (params) => params.reduce((a, b) => a + b, 0), {
    params: numberArray,
    description: 'adds an array of numbers',
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
