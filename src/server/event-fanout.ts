/**
 * Where a server's outgoing events go (docs/protocol.md "Backpressure"): to one client
 * (`notify`), to every client (`broadcast`) or to the subscribers of a topic (`publish`), plus
 * the endpoint adapters' taps (adapter-port.ts) and the NATS side (nats-mode.ts). Each send is
 * counted by the event flow, so a backed-up connection shows in `backedUp` and `drained()`.
 */
import { createError } from '../errors.js';
import { notificationMessage } from '../protocol/message.js';
import { topicProblem } from '../protocol/topics.js';
import { PreparedMessage } from '../stream/prepared-message.js';
import type { ServerObserver } from '../observability/server-observer.js';
import type { EventTaps } from './adapter-port.js';
import type { Connection } from './connection.js';
import type { EventFlow } from './event-flow.js';
import type { NatsServerMode } from './nats-mode.js';

export interface EventFanoutDeps {
  readonly conns: ReadonlyMap<string, Connection>;
  readonly flow: EventFlow;
  readonly taps: EventTaps;
  readonly observer: ServerObserver;
  readonly nats: NatsServerMode | undefined;
}

export class EventFanout {
  constructor(private readonly deps: EventFanoutDeps) {}

  /** See `Server.notify`. */
  notify(clientId: string, method: string, params: unknown): boolean {
    const conn = this.deps.conns.get(clientId);
    if (conn === undefined || !conn.authenticated) return false;
    return conn.stream.sendCall(undefined, method, params, 'event') === 'queued' && this.deps.flow.afterSend(conn);
  }

  /** See `Server.broadcast`. */
  broadcast(method: string, params: unknown): number {
    if (this.deps.taps.size > 0) this.deps.taps.emit(method, params);
    const msg = new PreparedMessage(notificationMessage(method, params));
    let n = 0;
    for (const conn of this.deps.conns.values()) {
      if (conn.authenticated && conn.stream.send(msg, 'event') === 'queued') {
        n++;
        this.deps.flow.afterSend(conn);
      }
    }
    return n;
  }

  /**
   * See `Server.publish`.
   * @throws SidewireError ERR_INVALID_ARGUMENT for an invalid topic or a pattern
   */
  publish(topic: string, data: unknown): number {
    const problem = topicProblem(topic);
    if (problem !== undefined || topic.endsWith('*')) {
      throw createError('ERR_INVALID_ARGUMENT', `cannot publish to ${JSON.stringify(topic)}: ${problem ?? 'a published topic cannot be a pattern'}`, {
        fixes: ['publish to a concrete topic such as "build.done"'],
      });
    }
    if (this.deps.taps.size > 0) this.deps.taps.emit(topic, data);
    let msg: PreparedMessage | undefined;
    let n = this.deps.nats?.publish(topic, data) ?? 0;
    for (const conn of this.deps.conns.values()) {
      if (!conn.authenticated || !conn.wants(topic)) continue;
      msg ??= new PreparedMessage(notificationMessage(topic, data));
      if (conn.stream.send(msg, 'event') === 'queued') {
        n++;
        this.deps.flow.afterSend(conn);
      }
    }
    this.deps.observer.published(topic, data, n);
    return n;
  }
}
