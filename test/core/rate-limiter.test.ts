import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/core/rate-limiter.js';

function clockAt(start: number) {
  let now = start;
  return { now: () => new Date(now), advance: (ms: number) => void (now += ms) };
}

describe('RateLimiter', () => {
  it('allows `limit` hits per window, then says how long until the next slot', () => {
    const clock = clockAt(0);
    const limiter = new RateLimiter({ limit: 2, windowMs: 1_000 }, clock);
    expect(limiter.take('ada')).toBe(0);
    clock.advance(100);
    expect(limiter.take('ada')).toBe(0);
    clock.advance(100);
    expect(limiter.take('ada')).toBe(800);
    expect(limiter.take('bob')).toBe(0);
    clock.advance(801);
    expect(limiter.take('ada')).toBe(0);
  });

  it('counts a single hit, then more, as the window moves', () => {
    const clock = clockAt(0);
    const limiter = new RateLimiter({ limit: 1, windowMs: 1_000 }, clock);
    expect(limiter.take('ada')).toBe(0);
    clock.advance(400);
    expect(limiter.take('ada')).toBe(600);
    expect(limiter.take('ada')).toBe(600);
    clock.advance(600);
    expect(limiter.take('ada')).toBe(0);
    const three = new RateLimiter({ limit: 3, windowMs: 1_000 }, clock);
    expect([three.take('bob'), three.take('bob'), three.take('bob')]).toEqual([0, 0, 0]);
    expect(three.take('bob')).toBe(1_000);
    clock.advance(1_000);
    expect(three.take('bob')).toBe(0);
    expect(three.take('bob')).toBe(0);
  });

  it('forgets keys whose window has emptied, so it does not grow with everyone ever seen', () => {
    const clock = clockAt(0);
    const limiter = new RateLimiter({ limit: 1, windowMs: 1_000 }, clock);
    for (let i = 0; i < 1_000; i++) limiter.take(`person-${i}`);
    expect(limiter.size).toBe(1_000);
    clock.advance(1_001);
    limiter.take('someone new');
    expect(limiter.size).toBe(1);
  });
});
