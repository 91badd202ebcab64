interface Entry {
  due: number;
  key: string;
}

/** Entries a chunk holds at most; a fuller one is split in two. */
const MAX_CHUNK = 512;

/**
 * Keys ordered by due time (then by key, so the order is total). Finding what is due costs
 * O(log n) plus the number of entries read; inserting or removing costs O(log n) to find the
 * place plus moving at most a chunk's entries.
 *
 * Note: the entries are kept in sorted chunks of at most {@link MAX_CHUNK}, not in one array:
 * a splice into one array of 100,000 entries moves all of them, and a scheduler pass changes
 * the index some forty times.
 */
export class DueIndex {
  /** Sorted, and sorted across: every entry of a chunk sorts before the next chunk's. */
  readonly #chunks: Entry[][] = [];
  readonly #dueByKey = new Map<string, number>();

  get size(): number {
    return this.#dueByKey.size;
  }

  /** Adds `key`, or moves it to its new due time. */
  set(key: string, due: number): void {
    this.delete(key);
    const entry = { due, key };
    this.#dueByKey.set(key, due);
    if (this.#chunks.length === 0) {
      this.#chunks.push([entry]);
      return;
    }
    // The first chunk whose last entry sorts at or after the new one, else the last chunk.
    const c = Math.min(this.#chunkOf(due, key), this.#chunks.length - 1);
    const chunk = this.#chunks[c]!;
    chunk.splice(position(chunk, due, key), 0, entry);
    if (chunk.length > MAX_CHUNK) this.#chunks.splice(c + 1, 0, chunk.splice(chunk.length >> 1));
  }

  delete(key: string): void {
    const due = this.#dueByKey.get(key);
    if (due === undefined) return;
    this.#dueByKey.delete(key);
    const c = this.#chunkOf(due, key);
    const chunk = this.#chunks[c]!;
    chunk.splice(position(chunk, due, key), 1);
    if (chunk.length === 0) this.#chunks.splice(c, 1);
  }

  clear(): void {
    this.#chunks.length = 0;
    this.#dueByKey.clear();
  }

  /**
   * Keys due at or before `now`, earliest first, read lazily: stopping early costs nothing
   * more. Note: do not set or delete while iterating.
   */
  *dueBy(now: number): Generator<string> {
    for (const chunk of this.#chunks) {
      for (const entry of chunk) {
        if (entry.due > now) return;
        yield entry.key;
      }
    }
  }

  /** Index of the first chunk whose last entry sorts at or after (due, key). */
  #chunkOf(due: number, key: string): number {
    let low = 0;
    let high = this.#chunks.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const chunk = this.#chunks[mid]!;
      if (before(chunk[chunk.length - 1]!, due, key)) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}

/** First index of `chunk` whose entry sorts at or after (due, key). */
function position(chunk: Entry[], due: number, key: string): number {
  let low = 0;
  let high = chunk.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (before(chunk[mid]!, due, key)) low = mid + 1;
    else high = mid;
  }
  return low;
}

function before(entry: Entry, due: number, key: string): boolean {
  return entry.due < due || (entry.due === due && entry.key < key);
}
