/**
 * A cache of per-label-value slots with a bound on the number of distinct values, so that
 * clients calling random method names cannot blow up metric cardinality (or memory).
 */

/** The label value that every value beyond the bound is counted under. */
export const OTHER_LABEL = 'other';

export class BoundedLabels<T> {
  readonly #slots = new Map<string, T>();
  readonly #limit: number;
  readonly #make: (label: string) => T;

  /**
   * @param limit at most this many distinct label values get their own slot; later new values
   *   share the slot of {@link OTHER_LABEL}
   * @param make creates the slot for a label value (called once per value)
   */
  constructor(limit: number, make: (label: string) => T) {
    this.#limit = limit;
    this.#make = make;
  }

  /** The slot of `label`, created on first use; `other`'s slot once the bound is reached. */
  get(label: string): T {
    const slot = this.#slots.get(label);
    if (slot !== undefined) return slot;
    return this.#create(this.#slots.size < this.#limit ? label : OTHER_LABEL);
  }

  /** Every slot with its label value, in creation order. */
  entries(): IterableIterator<[string, T]> {
    return this.#slots.entries();
  }

  /** Number of slots (distinct values kept, including `other`). */
  get size(): number {
    return this.#slots.size;
  }

  /** Forgets every slot. */
  clear(): void {
    this.#slots.clear();
  }

  #create(label: string): T {
    let slot = this.#slots.get(label);
    if (slot === undefined) {
      slot = this.#make(label);
      this.#slots.set(label, slot);
    }
    return slot;
  }
}
