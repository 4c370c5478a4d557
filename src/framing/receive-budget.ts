/**
 * The server-wide cap on bytes held for incomplete incoming messages (docs/protocol.md "Limits",
 * `limits.maxBufferedBytes`). Each decoder takes from its connection's share before it keeps the
 * bytes of a message that is not complete yet (an NDJSON line without its `\n`, a binary frame
 * allocated from its header) and gives them back once the message is complete or dropped; a
 * connection that closes gives back whatever its decoder still held. Complete messages that lie
 * inside one socket read are never held, so they cost nothing here.
 *
 * Every connection may hold `FREE_BYTES_PER_CONNECTION` (64 KiB, one socket read) without counting
 * against the cap: a small message cut by a read boundary is never refused, whoever holds the
 * pool. Only what a connection holds beyond that competes for the shared `limit`, so the worst case
 * is `limit + connections × 64 KiB`.
 *
 * Without the cap, connections that each send most of a maximal message and then stall pin
 * `maxConnections × maxMessageBytes` (16 GiB with the defaults).
 */

/** What a decoder takes its buffer space from. */
export interface ReceiveBudget {
  /** Asks to hold `bytes` more; false (and nothing taken) when that would go over the cap. */
  take(bytes: number): boolean;
  /** Gives back `bytes` taken earlier. */
  give(bytes: number): void;
}

/** Bytes each connection may hold without counting against the shared limit: one socket read. */
export const FREE_BYTES_PER_CONNECTION = 64 * 1024;

/** The budget of one server: `limit` bytes shared by every connection (beyond their free bytes). */
export class SharedReceiveBudget {
  private sharedBytes = 0;
  private heldBytes = 0;

  constructor(
    readonly limit: number,
    /** Bytes each connection holds without counting against `limit`. */
    readonly freePerConnection = FREE_BYTES_PER_CONNECTION,
  ) {}

  /** Bytes counted against `limit` right now. */
  get used(): number {
    return this.sharedBytes;
  }

  /** Bytes held right now, all connections together (free bytes included). */
  get held(): number {
    return this.heldBytes;
  }

  /** The share of one connection; `close()` it when the connection closes. */
  open(): ConnectionReceiveBudget {
    return new ConnectionReceiveBudget(this);
  }

  /** @internal `total` more bytes held, `counted` of them against the limit; false when over it. */
  tryTake(total: number, counted: number): boolean {
    if (this.sharedBytes + counted > this.limit) return false;
    this.sharedBytes += counted;
    this.heldBytes += total;
    return true;
  }

  /** @internal */
  release(total: number, counted: number): void {
    this.sharedBytes -= counted;
    this.heldBytes -= total;
  }
}

/** One connection's view of the shared budget: what it holds, given back all at once on close. */
export class ConnectionReceiveBudget implements ReceiveBudget {
  private heldBytes = 0;
  private closed = false;

  constructor(private readonly shared: SharedReceiveBudget) {}

  /** Bytes this connection holds. */
  get held(): number {
    return this.heldBytes;
  }

  take(bytes: number): boolean {
    if (this.closed) return false;
    const counted = this.beyondFree(this.heldBytes + bytes) - this.beyondFree(this.heldBytes);
    if (!this.shared.tryTake(bytes, counted)) return false;
    this.heldBytes += bytes;
    return true;
  }

  give(bytes: number): void {
    const n = Math.min(bytes, this.heldBytes);
    const counted = this.beyondFree(this.heldBytes) - this.beyondFree(this.heldBytes - n);
    this.heldBytes -= n;
    this.shared.release(n, counted);
  }

  /** The connection closed: gives back everything it held; later `take`s are refused. */
  close(): void {
    this.give(this.heldBytes);
    this.closed = true;
  }

  private beyondFree(held: number): number {
    return Math.max(0, held - this.shared.freePerConnection);
  }
}
