/**
 * A message sent to many connections (publish/broadcast): each wire mode encodes it once, not
 * once per connection.
 */
export class PreparedMessage {
  readonly message: object;
  private readonly encodings = new Map<string, string | Buffer>();

  constructor(message: object) {
    this.message = message;
  }

  /** The encoding for `mode`, computed by `encode` the first time. */
  encoded<T extends string | Buffer>(mode: string, encode: (message: object) => T): T {
    const cached = this.encodings.get(mode);
    if (cached !== undefined) return cached as T;
    const value = encode(this.message);
    this.encodings.set(mode, value);
    return value;
  }
}
