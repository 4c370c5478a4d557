/**
 * A client's durable notifications: spool first (fsync'd, see `SpoolWriter`), then, while the
 * client is ready, replay the spool in order with `$/durable` batches and remove what the server
 * acknowledged. A crash anywhere leaves the message on disk; the server de-duplicates by id.
 */
import type { DurableMessage } from '../../protocol/durable-message.js';
import type { DurablePaths } from '../../spool/paths.js';
import { SpoolWriter, type SpoolWriterOptions } from './spool-writer.js';

/** Sends one batch and resolves once the server acknowledged all of it. */
export type SendDurable = (messages: readonly DurableMessage[]) => Promise<unknown>;

/** What `notify(..., { durable: true })` resolves with. */
export interface DurableReceipt {
  /** The message id (unique; the server de-duplicates by it). */
  readonly id: string;
  /** True when the server acknowledged it; false when it waits in the spool file for a later replay. */
  readonly delivered: boolean;
  /** The spool file it was written to. */
  readonly file: string;
}

export interface ClientSpoolOptions extends SpoolWriterOptions {
  /**
   * Messages per `$/durable` request when replaying.
   * @default 100
   */
  readonly batchSize?: number;
}

export class ClientSpool {
  readonly writer: SpoolWriter;
  private readonly batchSize: number;
  private readonly report: (err: unknown) => void;
  /** Called after acknowledged messages left the spool (its bytes fell). */
  onRemoved: (() => void) | undefined;
  private readonly waiters = new Map<string, (delivered: boolean) => void>();
  private running = false;
  private again: SendDurable | undefined;
  private current: Promise<void> = Promise.resolve();

  constructor(paths: DurablePaths, options: ClientSpoolOptions, report: (err: unknown) => void) {
    this.writer = new SpoolWriter(paths, options);
    this.batchSize = Math.max(1, options.batchSize ?? 100);
    this.report = report;
  }

  /**
   * Spools one message; with `send` (the client is ready) replays and resolves once it was
   * acknowledged (or left in the spool because the connection failed).
   * @throws SidewireError ERR_SPOOL (synchronously) when it cannot be written
   */
  notify(method: string, params: unknown, send: SendDurable | undefined): Promise<DurableReceipt> {
    const message = this.writer.append(method, params);
    const file = this.writer.file;
    if (send === undefined) return Promise.resolve({ id: message.id, delivered: false, file });
    const acked = new Promise<boolean>((resolve) => this.waiters.set(message.id, resolve));
    this.replay(send);
    return acked.then((delivered) => ({ id: message.id, delivered, file }));
  }

  /** Replays everything in the spool with `send` (coalesced: one replay at a time). */
  replay(send: SendDurable): void {
    if (this.running) {
      this.again = send;
      return;
    }
    this.running = true;
    this.current = this.loop(send).finally(() => {
      this.running = false;
      const next = this.again;
      this.again = undefined;
      if (next !== undefined) this.replay(next);
      else this.settleAll(false);
    });
  }

  /** Resolves once no replay is running; returns how many messages are still spooled. */
  async whenIdle(): Promise<number> {
    while (this.running) await this.current;
    return this.writer.count();
  }

  /** Resolves every waiting notify as "still spooled". */
  stop(): void {
    this.again = undefined;
    this.settleAll(false);
  }

  private async loop(send: SendDurable): Promise<void> {
    try {
      const pending = this.writer.read();
      for (let i = 0; i < pending.length; i += this.batchSize) {
        const batch = pending.slice(i, i + this.batchSize);
        await send(batch);
        const ids = new Set(batch.map((m) => m.id));
        this.writer.remove(ids);
        for (const id of ids) this.settle(id, true);
        this.onRemoved?.();
      }
    } catch (err) {
      // Left in the spool: replayed after the next hello (or by the server once this process is gone).
      if (this.again === send) this.again = undefined; // the same dead connection: do not spin
      this.settleAll(false);
      this.report(err);
    }
  }

  private settle(id: string, delivered: boolean): void {
    const w = this.waiters.get(id);
    if (w === undefined) return;
    this.waiters.delete(id);
    w(delivered);
  }

  private settleAll(delivered: boolean): void {
    for (const id of [...this.waiters.keys()]) this.settle(id, delivered);
  }
}
