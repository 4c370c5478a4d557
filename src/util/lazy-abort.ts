/**
 * An AbortController that is created only when someone asks for its signal. Creating an
 * AbortController (and its AbortSignal, an EventTarget) costs about a microsecond and a lot of
 * garbage on Node 20; most request handlers never look at `ctx.signal`, so a server creates one
 * per request only when the handler reads it. Semantics match AbortController: the first
 * `abort(reason)` wins, and a signal asked for after the abort is already aborted with that reason.
 */
export class LazyAbort {
  private controller: AbortController | undefined;
  private aborted = false;
  private reason: unknown;

  /** The signal (created on first use; already aborted when `abort` came first). */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** Aborts with `reason` (ignored after the first abort, like AbortController). */
  abort(reason: unknown): void {
    if (this.controller !== undefined) {
      this.controller.abort(reason);
      return;
    }
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
  }
}
