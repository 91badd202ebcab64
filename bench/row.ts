import { round } from './stats.js';
import type { BenchRow } from './types.js';

/** A target on the ratio: at most (`<=`) or at least (`>=`) a limit. */
export interface Target {
  op: '<=' | '>=';
  limit: number;
}

export const atMost = (limit: number): Target => ({ op: '<=', limit });
export const atLeast = (limit: number): Target => ({ op: '>=', limit });

/** Builds a row: the ratio from value and baseline, and the verdict when there is a target. */
export function row(
  name: string,
  metric: string,
  value: number,
  baseline: number,
  target?: Target,
): BenchRow {
  const ratio = baseline === 0 ? (value === 0 ? 1 : Infinity) : value / baseline;
  const out: BenchRow = {
    name,
    metric,
    value: round(value),
    baseline: round(baseline),
    ratio: round(ratio, 3),
  };
  if (!target) return out;
  const pass = target.op === '<=' ? ratio <= target.limit : ratio >= target.limit;
  return { ...out, target: `${target.op} ${target.limit}`, pass };
}
