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
  readonly #hits = new Map<string, number[]>();
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
    const hits = (this.#hits.get(key) ?? []).filter((t) => t > since);
    if (hits.length >= this.rule.limit) {
      this.#hits.set(key, hits);
      return hits[0]! + this.rule.windowMs - now;
    }
    hits.push(now);
    this.#hits.set(key, hits);
    return 0;
  }

  /** How many keys are remembered (for tests). */
  get size(): number {
    return this.#hits.size;
  }

  #sweep(since: number, now: number): void {
    for (const [key, hits] of this.#hits) {
      if (hits.at(-1)! <= since) this.#hits.delete(key);
    }
    this.#nextSweep = now + this.rule.windowMs;
  }
}
