/**
 * The attempt loop of a client: one connection attempt (connect + `$/hello`) at a time, with the
 * backoff schedule between failed attempts, until one succeeds or the attempts run out. Knows
 * nothing about calls or sessions: `Client` supplies the attempt and receives the outcome.
 */
import { isSidewireError } from '../errors.js';
import { publishClientReconnect } from '../observability/channels.js';
import { backoffDelay, type BackoffPolicy } from './backoff.js';
import { reasonOf, type ClientStatus } from './client-status.js';
import type { TimerHandle, Timers } from '../util/timers.js';

export interface ReconnectorHost<T> {
  /** One attempt; resolves with the new connection. */
  attempt(): Promise<T>;
  /** The attempt succeeded (and the loop was not stopped meanwhile). */
  connected(result: T): void;
  /** A result that arrived after `stop()`: release it. */
  discard(result: T): void;
  /** Attempts ran out, or the error cannot be fixed by retrying. */
  giveUp(error: unknown, attempts: number): void;
  /** A status to publish (`connecting` / `reconnecting`). */
  status(status: ClientStatus): void;
  /** The endpoint, for diagnostics messages. */
  endpoint(): string;
}

/** Errors that retrying cannot fix: a malformed or unusable endpoint, a bad argument. */
const FATAL_CODES = new Set(['ERR_INVALID_ARGUMENT', 'ERR_ENDPOINT_FORMAT', 'ERR_ENDPOINT_PLATFORM', 'ERR_ENDPOINT_PATH_TOO_LONG', 'ERR_ENDPOINT_REMOTE', 'ERR_RUNTIME_DIR_UNSAFE']);

export class Reconnector<T> {
  private readonly policy: BackoffPolicy;
  private readonly timers: Timers;
  private readonly host: ReconnectorHost<T>;
  private timer: TimerHandle | undefined;
  /** Bumped by stop() and by each new run, so stale outcomes are ignored. */
  private generation = 0;
  private running = false;

  constructor(policy: BackoffPolicy, timers: Timers, host: ReconnectorHost<T>) {
    this.policy = policy;
    this.timers = timers;
    this.host = host;
  }

  /** True while attempts are scheduled or running. */
  get active(): boolean {
    return this.running;
  }

  /** False when reconnecting is off (`maxAttempts` 0). */
  get enabled(): boolean {
    return this.policy.maxAttempts > 0;
  }

  /** Starts with an immediate first attempt (attempt 0); failures are retried on the schedule. */
  connectNow(): void {
    this.begin();
    this.run(0, this.generation);
  }

  /** The connection was lost because of `error`: schedule attempt 1. */
  lost(error: unknown): void {
    this.begin();
    this.schedule(1, error, this.generation);
  }

  /** Cancels the pending attempt; an attempt in flight is discarded when it ends. */
  stop(): void {
    this.generation++;
    this.running = false;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private begin(): void {
    this.stop();
    this.running = true;
  }

  private run(attempt: number, gen: number): void {
    this.host.status({ state: 'connecting', at: this.timers.now(), attempt });
    if (gen !== this.generation) return; // a status listener stopped us
    this.host.attempt().then(
      (result) => {
        if (gen !== this.generation) {
          this.host.discard(result);
          return;
        }
        this.running = false;
        this.host.connected(result);
      },
      (err: unknown) => {
        if (gen !== this.generation) return;
        if (isSidewireError(err) && FATAL_CODES.has(err.code)) {
          this.running = false;
          this.host.giveUp(err, attempt);
          return;
        }
        this.schedule(attempt + 1, err, gen);
      },
    );
  }

  private schedule(attempt: number, error: unknown, gen: number): void {
    if (attempt > this.policy.maxAttempts) {
      this.running = false;
      this.host.giveUp(error, attempt - 1);
      return;
    }
    const delayMs = backoffDelay(attempt, this.policy);
    const now = this.timers.now();
    this.host.status({ state: 'reconnecting', at: now, attempt, maxAttempts: this.policy.maxAttempts, delayMs, reason: reasonOf(error) });
    publishClientReconnect({ endpoint: this.host.endpoint(), attempt, delayMs, error });
    if (gen !== this.generation) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      if (gen === this.generation) this.run(attempt, gen);
    }, delayMs);
  }
}
