/**
 * What a connection to an endpoint that requires a token may do before a `$/hello` with the token
 * authenticated it (docs/protocol.md "Limits"): send messages of at most
 * `limits.maxPreAuthMessageBytes` (a hello needs far less), and authenticate within
 * `limits.authTimeoutMs` of the accept, else it is closed after one -32003 line. A client that
 * says hello at once (the TypeScript client does, first thing) never notices either.
 */
import { inputDeadline } from './connection-router.js';
import type { ResponseMessage } from '../protocol/message.js';
import type { MessageStream } from '../stream/message-stream.js';
import type { ResolvedLimits } from './server-options.js';
import type { Timers } from '../util/timers.js';

/** What the gate needs from its connection. */
export interface PreAuthHost {
  readonly limits: ResolvedLimits;
  readonly timers: Timers;
  readonly stream: MessageStream;
  /** True once a `$/hello` with the token succeeded. */
  isAuthenticated(): boolean;
  /** The deadline passed unauthenticated: close with -32003 and this message. */
  expire(message: string): void;
}

export class PreAuthGate {
  private readonly host: PreAuthHost;
  private cancelDeadline: (() => void) | undefined;
  /** The incoming message limit in force. */
  private current: number;

  constructor(host: PreAuthHost) {
    this.host = host;
    this.current = host.limits.maxMessageBytes;
  }

  /** The incoming message limit in force now. */
  get limit(): number {
    return this.current;
  }

  /** True while the small limit is in force (a too-large message then closes the connection). */
  get restricted(): boolean {
    return this.current < this.host.limits.maxMessageBytes;
  }

  /** Lowers the message limit and starts the deadline, counted from `acceptedAt` (timers.now()). Before the stream starts. */
  start(acceptedAt: number): void {
    const { authTimeoutMs } = this.host.limits;
    this.setLimit(this.smallLimit());
    if (authTimeoutMs <= 0) return;
    const left = Math.max(0, acceptedAt + authTimeoutMs - this.host.timers.now());
    this.cancelDeadline = inputDeadline(this.host.timers, Math.min(left, authTimeoutMs), () => {
      this.cancelDeadline = undefined;
      if (!this.host.isAuthenticated()) this.host.expire(`timed out: not authenticated within ${authTimeoutMs} ms of connecting (send $/hello with the token first)`);
    });
  }

  /** The connection closed: no deadline any more. */
  stop(): void {
    this.cancelDeadline?.();
    this.cancelDeadline = undefined;
  }

  /**
   * Runs a `$/hello` (`run` answers it). While it is handled the full message limit applies (a
   * client may send a large request right behind its hello); if the connection is still not
   * authenticated afterwards (a wrong token), the small limit is back.
   */
  hello(run: () => Promise<ResponseMessage> | ResponseMessage): Promise<ResponseMessage> | ResponseMessage {
    this.setLimit(this.host.limits.maxMessageBytes);
    const restore = (): void => {
      if (!this.host.isAuthenticated() && this.host.stream.isOpen) this.setLimit(this.smallLimit());
    };
    const reply = run();
    if (!(reply instanceof Promise)) {
      restore();
      return reply;
    }
    return reply.then((r) => {
      restore();
      return r;
    });
  }

  private smallLimit(): number {
    const { maxPreAuthMessageBytes, maxMessageBytes } = this.host.limits;
    return Math.min(maxPreAuthMessageBytes, maxMessageBytes);
  }

  private setLimit(bytes: number): void {
    const stream = this.host.stream;
    if (stream.limitIncoming === undefined || bytes === this.current) return;
    this.current = bytes;
    stream.limitIncoming(bytes);
  }
}
