import type { BenchRow } from './types.js';

const HEADERS = ['benchmark', 'metric', 'value', 'baseline', 'ratio', 'target', 'pass'] as const;

function cells(row: BenchRow): string[] {
  const verdict = row.pass === undefined ? '' : row.pass ? 'yes' : 'NO';
  return [
    row.name,
    row.metric,
    String(row.value),
    String(row.baseline),
    row.ratio.toFixed(3),
    row.target ?? '',
    verdict,
  ];
}

/** The rows as a Markdown table, numbers right-aligned: reads in a terminal and in docs. */
export function formatTable(rows: readonly BenchRow[]): string {
  const body = rows.map(cells);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const numeric = new Set([2, 3, 4]);
  const line = (values: readonly string[]) =>
    `| ${values
      .map((v, i) => (numeric.has(i) ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric.has(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(HEADERS), rule, ...body.map(line)].join('\n');
}
