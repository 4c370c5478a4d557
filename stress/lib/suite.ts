/** What every stress suite is and returns. */

export const SUITE_IDS = ['bomb', 'memory', 'latency', 'leak', 'chaos'] as const;
export type SuiteId = (typeof SUITE_IDS)[number];

export interface SuiteContext {
  /** Scaled-down sizes. */
  readonly quick: boolean;
  /** Seed of every random choice. */
  readonly seed: number;
  /** Progress notes (stderr), so a long run shows it is alive. */
  progress(message: string): void;
}

export interface SuiteResult {
  readonly id: SuiteId;
  /** True when every bound of the suite held. */
  readonly pass: boolean;
  /** The verdict text after `PASS id: ` (the headline figures). */
  readonly summary: string;
  /** More figures, one per line, printed under the verdict. */
  readonly figures: readonly string[];
  /** Which bounds broke (empty when passing). */
  readonly failures: readonly string[];
  /** Machine-readable figures (for --json). */
  readonly data: Record<string, unknown>;
  /** Wall time of the suite, ms. */
  readonly elapsedMs?: number;
}

export interface Suite {
  readonly id: SuiteId;
  /** One line: what it checks. */
  readonly title: string;
  run(ctx: SuiteContext): Promise<SuiteResult>;
}

/** Collects failed checks while a suite runs. */
export class Checks {
  readonly failures: string[] = [];

  /** Records `message` when `ok` is false; returns `ok`. */
  expect(ok: boolean, message: string): boolean {
    if (!ok) this.failures.push(message);
    return ok;
  }

  get pass(): boolean {
    return this.failures.length === 0;
  }
}
