/** A bounded set of recently seen ids: adding beyond the limit forgets the oldest. */
export class RecentIds {
  private readonly ids = new Set<string>();
  readonly limit: number;

  constructor(limit: number) {
    this.limit = Math.max(1, limit);
  }

  get size(): number {
    return this.ids.size;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  add(id: string): void {
    if (this.ids.has(id)) return;
    this.ids.add(id);
    if (this.ids.size > this.limit) {
      const oldest = this.ids.values().next();
      if (oldest.done !== true) this.ids.delete(oldest.value);
    }
  }

  delete(id: string): void {
    this.ids.delete(id);
  }
}
