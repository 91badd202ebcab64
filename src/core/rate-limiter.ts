import type { Clock } from './clock.js';

export interface RateLimit {
  limit: number;
  windowMs: number;
}

/**
 * A sliding-window counter per key, in memory. Note: with several replicas each keeps its
 * own window, so the effective limit is per replica.
 */
export class RateLimiter {
  readonly #hits = new Map<string, number[]>();

  constructor(
    private readonly rule: RateLimit,
    private readonly clock: Clock,
  ) {}

  /** Records a hit; returns 0 when allowed, else the milliseconds until the next free slot. */
  take(key: string): number {
    const now = this.clock.now().getTime();
    const since = now - this.rule.windowMs;
    const hits = (this.#hits.get(key) ?? []).filter((t) => t > since);
    if (hits.length >= this.rule.limit) {
      this.#hits.set(key, hits);
      return hits[0]! + this.rule.windowMs - now;
    }
    hits.push(now);
    this.#hits.set(key, hits);
    return 0;
  }
}
