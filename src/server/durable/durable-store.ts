/**
 * Server-side options of durable notifications, and the store that records which ids were
 * delivered (docs/reconnect.md, "Exactly once to the store, at most once to handlers").
 */
import type { DurableMessage } from '../../protocol/durable-message.js';
import type { DurablePaths } from '../../spool/paths.js';

/** What a store gets with each new (never duplicate) message. */
export interface DurableDelivery {
  /** The connection that sent it, or '' when the server read it from a spool file. */
  readonly clientId: string;
  /** Runs the server's notification handler for `message.method` (errors are reported, not thrown). */
  dispatch(): Promise<void>;
  /**
   * When a store that dispatches should record the id: `record-first` (spool files, `$/durable`:
   * a crash mid-handler never runs it twice) or `handler-first` (JetStream, docs/nats.md: the
   * broker redelivers what was not acknowledged, so a crash mid-handler loses nothing). A store
   * whose own write is the effect (the reference inbox) ignores it.
   * @default 'record-first'
   */
  readonly order?: 'record-first' | 'handler-first';
}

/**
 * Records delivered ids. The server calls `deliver` once per new id, in order, one at a time;
 * once it resolved, that id is never delivered again (also after a restart: `load` returns it).
 * A store whose own write is the effect (like the reference daemon's inbox) gets exactly-once
 * delivery by writing the id in that same write; the default store writes the id (fsync) and then
 * dispatches to the handler, which is at-most-once to handlers.
 */
export interface DurableStore {
  /** Ids delivered before, oldest first (called once, before the first delivery). */
  load(): Promise<readonly string[]>;
  /** Delivers one new message and records its id durably. Rejects when it could not record it. */
  deliver(message: DurableMessage, delivery: DurableDelivery): Promise<void>;
  /** Releases files. */
  close?(): Promise<void>;
}

export interface DurableServerOptions {
  /**
   * How many delivered ids the server remembers (in memory and in its seen log) to drop
   * duplicates; must exceed the number of messages a producer can have spooled.
   * @default 50000
   */
  readonly window?: number;
  /**
   * How often the server looks for spool files of producers that have exited, in ms (it also
   * looks once at start). 0 = only at start.
   * @default 2000
   */
  readonly rescanMs?: number;
  /**
   * Creates the store, once the paths are known (at `listen()`).
   * @default a seen log in the spool dir that dispatches to `onNotification` handlers
   */
  readonly store?: (paths: DurablePaths) => DurableStore;
}

/** The `durable` server option: settings, or `false` to refuse `$/durable` and ignore spool files. */
export type DurableOption = DurableServerOptions | false;

export const DEFAULT_DURABLE = { window: 50_000, rescanMs: 2000 } as const;
