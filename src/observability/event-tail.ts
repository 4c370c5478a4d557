/**
 * The recent-events tail of the dashboard (docs/observability.md "Dashboard"): a fixed-size ring of
 * what the server observer saw last (connects, disconnects, failed requests, published events,
 * server errors). Payloads of published events are kept only when asked for, and then redacted
 * (`redact`: token, password, secret… keys hidden) and cut to a bounded size.
 */
import { redact } from './redact.js';

/** One line of the tail. */
export interface TailEntry {
  /** Increasing sequence number (the page uses it to skip entries it has). */
  readonly seq: number;
  /** Epoch ms. */
  readonly time: number;
  /** `connect`, `disconnect`, `event`, `error`, `request-error` or `control`. */
  readonly kind: string;
  /** Topic, method, or control action. */
  readonly topic: string;
  /** Payload size in bytes (JSON), when there is one. */
  readonly size?: number;
  readonly clientId?: string;
  /** Short detail text (reason, error message). */
  readonly detail?: string;
  /** The redacted payload, only when payloads are enabled. */
  readonly payload?: unknown;
}

export interface EventTailOptions {
  /**
   * Entries kept.
   * @default 200
   */
  readonly size?: number;
  /**
   * Keep (redacted) payloads of published events.
   * @default false
   */
  readonly payloads?: boolean;
  /**
   * Largest payload kept, in bytes of JSON; bigger ones are replaced by a note.
   * @default 4096
   */
  readonly maxPayloadBytes?: number;
  /**
   * Epoch-ms clock.
   * @default Date.now
   */
  readonly now?: () => number;
}

export class EventTail {
  readonly #entries: TailEntry[] = [];
  readonly #size: number;
  readonly #payloads: boolean;
  readonly #maxPayloadBytes: number;
  readonly #now: () => number;
  #seq = 0;

  constructor(options: EventTailOptions = {}) {
    this.#size = Math.max(1, options.size ?? 200);
    this.#payloads = options.payloads ?? false;
    this.#maxPayloadBytes = options.maxPayloadBytes ?? 4096;
    this.#now = options.now ?? Date.now;
  }

  /** Adds an entry (the oldest one goes when the ring is full). */
  push(kind: string, topic: string, extra: { clientId?: string; detail?: string; size?: number } = {}): void {
    this.#seq += 1;
    this.#entries.push({ seq: this.#seq, time: this.#now(), kind, topic, ...extra });
    if (this.#entries.length > this.#size) this.#entries.shift();
  }

  /** A published event: its size always, its redacted payload only when payloads are enabled. */
  published(topic: string, data: unknown, receivers: number): void {
    let json: string | undefined;
    try {
      json = JSON.stringify(data) ?? 'null';
    } catch {
      json = undefined;
    }
    const size = json === undefined ? undefined : Buffer.byteLength(json);
    this.#seq += 1;
    const entry: TailEntry = {
      seq: this.#seq,
      time: this.#now(),
      kind: 'event',
      topic,
      ...(size === undefined ? {} : { size }),
      detail: `${receivers} receiver${receivers === 1 ? '' : 's'}`,
      ...(this.#payloads ? { payload: size !== undefined && size <= this.#maxPayloadBytes ? redact(data) : `[payload over ${this.#maxPayloadBytes} bytes]` } : {}),
    };
    this.#entries.push(entry);
    if (this.#entries.length > this.#size) this.#entries.shift();
  }

  /** The entries with a sequence number above `after`, oldest first. */
  since(after = 0): TailEntry[] {
    return this.#entries.filter((e) => e.seq > after);
  }
}
