import type { Clock } from './clock.js';

export interface RateLimit {
  limit: number;
  windowMs: number;
}

/**
 * A sliding-window counter per key, in memory. A key whose window has emptied is forgotten
 * (swept at most once per window), so the map holds only people and workspaces active in
 * the last window. Note: with several replicas each keeps its own window, so the effective
 * limit is per replica.
 */
export class RateLimiter {
  /**
   * Per key, its hits in time order: one hit (most keys have only one) as a bare time, more
   * as an array, so a person's first try costs no array.
   */
  readonly #hits = new Map<string, number | number[]>();
  #nextSweep = 0;

  constructor(
    private readonly rule: RateLimit,
    private readonly clock: Clock,
  ) {}

  /** Records a hit; returns 0 when allowed, else the milliseconds until the next free slot. */
  take(key: string): number {
    const now = this.clock.now().getTime();
    const since = now - this.rule.windowMs;
    if (now >= this.#nextSweep) this.#sweep(since, now);
    const hits = inWindow(this.#hits.get(key), since);
    if (hits.length >= this.rule.limit) {
      this.#hits.set(key, hits);
      return hits[0]! + this.rule.windowMs - now;
    }
    if (hits.length === 0) {
      this.#hits.set(key, now);
    } else {
      hits.push(now);
      this.#hits.set(key, hits);
    }
    return 0;
  }

  /** How many keys are remembered (for tests). */
  get size(): number {
    return this.#hits.size;
  }

  #sweep(since: number, now: number): void {
    for (const [key, hits] of this.#hits) {
      const last = typeof hits === 'number' ? hits : hits.at(-1);
      if (last === undefined || last <= since) this.#hits.delete(key);
    }
    this.#nextSweep = now + this.rule.windowMs;
  }
}

/** The hits after `since`, as an array the caller may change. */
function inWindow(hits: number | number[] | undefined, since: number): number[] {
  if (hits === undefined) return [];
  if (typeof hits === 'number') return hits > since ? [hits] : [];
  // A new array only when the oldest hit has left the window.
  return hits[0]! <= since ? hits.filter((t) => t > since) : hits;
}
