import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DueIndex } from '../../src/store/due-index.js';

type Op = { set: [key: string, due: number] } | { delete: string };

/** What the index must hold: every key once, ordered by due time, then by key. */
function model(ops: Op[]): Array<[string, number]> {
  const dues = new Map<string, number>();
  for (const op of ops) {
    if ('set' in op) dues.set(...op.set);
    else dues.delete(op.delete);
  }
  return [...dues].sort(([ka, da], [kb, db]) => da - db || (ka < kb ? -1 : ka > kb ? 1 : 0));
}

describe('DueIndex', () => {
  it('keeps keys in due-time order through any sequence of sets and deletes', () => {
    // Enough keys and operations that chunks fill, split and empty.
    const key = fc.integer({ min: 0, max: 1_500 }).map((n) => `k${n}`);
    const op: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 3,
        arbitrary: fc.tuple(key, fc.integer({ min: 0, max: 400 })).map((set) => ({ set })),
      },
      { weight: 1, arbitrary: key.map((k) => ({ delete: k })) },
    );
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 3_000 }),
        fc.integer({ min: -1, max: 401 }),
        (ops, now) => {
          const index = new DueIndex();
          for (const o of ops) {
            if ('set' in o) index.set(...o.set);
            else index.delete(o.delete);
          }
          const expected = model(ops);
          expect(index.size).toBe(expected.length);
          expect([...index.dueBy(Infinity)]).toEqual(expected.map(([k]) => k));
          expect([...index.dueBy(now)]).toEqual(
            expected.filter(([, d]) => d <= now).map(([k]) => k),
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('empties chunk by chunk, from either end, and fills again', () => {
    const index = new DueIndex();
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 2_000; i++) index.set(`k${i}`, i);
      for (let i = 0; i < 1_000; i++) index.delete(`k${i}`);
      for (let i = 1_999; i >= 1_000; i--) index.delete(`k${i}`);
      expect(index.size).toBe(0);
      expect([...index.dueBy(Infinity)]).toEqual([]);
    }
    index.set('a', 1);
    expect([...index.dueBy(1)]).toEqual(['a']);
  });

  it('forgets everything on clear', () => {
    const index = new DueIndex();
    for (let i = 0; i < 2_000; i++) index.set(`k${i}`, i % 7);
    index.clear();
    expect(index.size).toBe(0);
    expect([...index.dueBy(Infinity)]).toEqual([]);
    index.set('a', 1);
    expect([...index.dueBy(1)]).toEqual(['a']);
  });
});
