import { describe, expect, it } from 'vitest';
import { BENCHMARKS, runBenchmarks, type BenchmarkName } from '../../bench/run-benchmarks.js';
import { percentile } from '../../bench/stats.js';
import { formatTable } from '../../bench/table.js';
import type { BenchRow } from '../../bench/types.js';

/**
 * Benchmarks are not tests: nothing here checks a timing or a target. Each benchmark runs
 * once at its smoke sizes, so that a change in the product or in a fake that breaks it shows
 * here, and its rows must be well-formed.
 */
function expectWellFormed(name: string, rows: BenchRow[]): void {
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) {
    expect(row.name).toBe(name);
    expect(row.metric).not.toBe('');
    for (const n of [row.value, row.baseline, row.ratio]) expect(Number.isFinite(n)).toBe(true);
    expect(row.value).toBeGreaterThanOrEqual(0);
    expect(row.baseline).toBeGreaterThan(0);
    // Value and baseline are rounded for display; the ratio is from the unrounded figures.
    const recomputed = row.value / row.baseline;
    expect(Math.abs(row.ratio - recomputed)).toBeLessThanOrEqual(0.1 * recomputed + 0.01);
    if (row.target !== undefined) expect(typeof row.pass).toBe('boolean');
    else expect(row.pass).toBeUndefined();
  }
}

describe('benchmarks at smoke sizes', () => {
  for (const name of Object.keys(BENCHMARKS) as BenchmarkName[]) {
    it(`${name} runs and returns well-formed rows`, { timeout: 90_000 }, async () => {
      const report = await runBenchmarks({ smoke: true, only: [name] });
      expectWellFormed(name, report.rows);
      expect(formatTable(report.rows).split('\n')).toHaveLength(report.rows.length + 2);
    });
  }
});

describe('percentile', () => {
  it('interpolates between the nearest ranks', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([5], 99)).toBe(5);
    expect(percentile([10, 0, 20], 100)).toBe(20);
    expect(() => percentile([], 50)).toThrow();
  });
});
