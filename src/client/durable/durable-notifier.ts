/**
 * A client's durable notifications (`notify(..., { durable: true })`, or every notification with
 * the `spool` option), wired to its connection: the spool is opened on first use, each
 * notification is spooled and then sent with `$/durable` while the client is ready, and what is
 * left is replayed after each (re)connect. Spool problems go to the client's 'error' event; a
 * lost or closed connection does not (the message stays in the spool).
 */
import { isSidewireError } from '../../errors.js';
import { ClientSpool, type DurableReceipt, type SendDurable } from './client-spool.js';
import { clientDurablePaths } from '../../spool/paths.js';
import { badDurableMethod } from '../client-errors.js';
import { callTimeoutOf, type ClientOptions } from '../client-options.js';
import type { RpcSession } from '../rpc-session.js';

/** What a `DurableNotifier` asks its client. */
export interface DurableNotifierHost {
  /** The session to send on now, or undefined while the client is not ready. */
  readySession(): RpcSession | undefined;
  /** An error without a caller (a spool problem). */
  report(err: unknown): void;
  /** Acknowledged messages left the spool (`spooledBytes` fell). */
  removed(): void;
}

/** Spools and delivers one client's durable notifications. */
export class DurableNotifier {
  private readonly options: ClientOptions;
  private readonly host: DurableNotifierHost;
  private spool: ClientSpool | undefined;

  constructor(options: ClientOptions, host: DurableNotifierHost) {
    this.options = options;
    this.host = host;
  }

  /** Spools one notification, then sends it when ready; a bad method name or spool error rejects. */
  notify(method: string, params: unknown): Promise<DurableReceipt> {
    if (typeof method !== 'string' || method === '' || method.startsWith('$/')) {
      return Promise.reject(badDurableMethod(method));
    }
    try {
      return this.open().notify(method, params, this.sender());
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Bytes in the spool file not yet acknowledged (0 before the first durable notification). */
  get spooledBytes(): number {
    return this.spool?.writer.bytes ?? 0;
  }

  /** Resolves once the replay in progress ended, with the number of messages still spooled (0 without a spool). */
  whenIdle(): Promise<number> {
    return this.spool?.whenIdle() ?? Promise.resolve(0);
  }

  /** The client is ready: replay what the spool holds (when there is a spool). */
  replay(): void {
    const send = this.sender();
    if (send !== undefined) this.spool?.replay(send);
  }

  /** The client failed or closed: stop replaying. */
  stop(): void {
    this.spool?.stop();
  }

  private open(): ClientSpool {
    const o = this.options.spool;
    if (this.spool === undefined) {
      this.spool = new ClientSpool(clientDurablePaths(this.options), typeof o === 'object' ? o : {}, (err) => {
        if (!isSidewireError(err, 'ERR_CONNECTION_LOST') && !isSidewireError(err, 'ERR_CONNECTION_CLOSED')) this.host.report(err);
      });
      this.spool.onRemoved = () => this.host.removed();
    }
    return this.spool;
  }

  /** Sends a batch over the current connection, or undefined when not ready. */
  private sender(): SendDurable | undefined {
    const session = this.host.readySession();
    if (session === undefined) return undefined;
    return (messages) => session.request('$/durable', { messages }, { timeoutMs: callTimeoutOf(this.options) });
  }
}
