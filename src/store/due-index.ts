interface Entry {
  due: number;
  key: string;
}

/**
 * Keys ordered by due time (then by key, so the order is total). Finding what is due costs
 * O(log n) plus the number of entries read; inserting or removing costs O(log n) to find the
 * place plus an array splice, which moves memory but compares nothing.
 */
export class DueIndex {
  readonly #entries: Entry[] = [];
  readonly #dueByKey = new Map<string, number>();

  get size(): number {
    return this.#entries.length;
  }

  /** Adds `key`, or moves it to its new due time. */
  set(key: string, due: number): void {
    this.delete(key);
    this.#entries.splice(this.#position(due, key), 0, { due, key });
    this.#dueByKey.set(key, due);
  }

  delete(key: string): void {
    const due = this.#dueByKey.get(key);
    if (due === undefined) return;
    this.#entries.splice(this.#position(due, key), 1);
    this.#dueByKey.delete(key);
  }

  clear(): void {
    this.#entries.length = 0;
    this.#dueByKey.clear();
  }

  /**
   * Keys due at or before `now`, earliest first, read lazily: stopping early costs nothing
   * more. Note: do not set or delete while iterating.
   */
  *dueBy(now: number): Generator<string> {
    for (const entry of this.#entries) {
      if (entry.due > now) return;
      yield entry.key;
    }
  }

  /** First index whose entry sorts at or after (due, key). */
  #position(due: number, key: string): number {
    let low = 0;
    let high = this.#entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const entry = this.#entries[mid]!;
      if (entry.due < due || (entry.due === due && entry.key < key)) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
