import { atLeast, atMost, row } from '../row.js';
import { percentile } from '../stats.js';
import type { BenchRow } from '../types.js';
import type { Quiet } from './quiet.js';
import { runLoad, type LoadOptions, type LoadRequest, type LoadResult } from './load.js';

/** Samples of one side (the bot, or the bare baseline) merged over rounds. */
export interface SideResult {
  latencies: number[];
  rps: number;
  errors: number;
}

/**
 * Waits until the bot has finished what it started after answering (it says so over IPC),
 * then until its last calls have reached the fake platform.
 */
export async function settled(bot: { idle(): Promise<void> }, quiet: Quiet): Promise<void> {
  await bot.idle();
  await quiet.settle(50);
}

export interface Side {
  origin: string;
  /** Waits until the work this side started after answering has finished. */
  settle(): Promise<void>;
}

export interface AlternateOptions extends Omit<LoadOptions, 'origin'> {
  rounds: number;
  /**
   * Builds request `i`'s unmeasured forerunner, sent to the same side before each round (and
   * its follow-ups settled): what a real person does first, such as opening the dialog they
   * submit.
   */
  prepare?: (i: number) => LoadRequest;
}

/**
 * Runs the same load against the bot and the bare baseline in alternating rounds (bare
 * first, then the bot first, …), so a shared machine's drift hits both alike. Each round
 * waits for the bot's follow-up work to finish before the next starts.
 */
export async function alternate(
  sides: { bot: Side; bare: Side },
  options: AlternateOptions,
): Promise<{ bot: SideResult; bare: SideResult }> {
  const runs: { bot: LoadResult[]; bare: LoadResult[] } = { bot: [], bare: [] };
  const perRound = Math.max(1, Math.ceil(options.requests / options.rounds));
  let offset = 0;
  for (let round = 0; round < options.rounds; round++) {
    const order = round % 2 === 0 ? (['bare', 'bot'] as const) : (['bot', 'bare'] as const);
    for (const which of order) {
      const side = sides[which];
      const start = offset;
      const prepare = options.prepare;
      if (prepare) {
        await runLoad({
          origin: side.origin,
          concurrency: Math.min(10, options.concurrency),
          requests: perRound,
          expectStatus: options.expectStatus,
          build: (i) => prepare(start + i),
        });
        await side.settle();
      }
      runs[which].push(
        await runLoad({
          origin: side.origin,
          concurrency: options.concurrency,
          requests: perRound,
          expectStatus: options.expectStatus,
          build: (i) => options.build(start + i),
        }),
      );
      await side.settle();
    }
    offset += perRound;
  }
  return { bot: merge(runs.bot), bare: merge(runs.bare) };
}

function merge(results: LoadResult[]): SideResult {
  const requests = results.reduce((n, r) => n + r.latencies.length, 0);
  const elapsed = results.reduce((n, r) => n + r.elapsedMs, 0);
  return {
    latencies: results.flatMap((r) => r.latencies),
    rps: (requests / elapsed) * 1000,
    errors: results.reduce((n, r) => n + r.errors, 0),
  };
}

export const p50 = (side: SideResult) => percentile(side.latencies, 50);
export const p99 = (side: SideResult) => percentile(side.latencies, 99);

/** Throws when more than 5% of a side's answers had the wrong status: the run means nothing. */
export function assertAnswered(what: string, side: SideResult): void {
  if (side.errors > side.latencies.length * 0.05) {
    throw new Error(`${what}: ${side.errors} of ${side.latencies.length} answers were not 200`);
  }
}

/** Slack's answer deadline, held against Teams' answers too. */
export const PLATFORM_DEADLINE_MS = 3_000;
/** "Far below 3 s": a quarter, leaving the rest for the network between platform and bot. */
const DEADLINE_SHARE = 0.25;

/**
 * The rows of one load comparison: p50 (informative), p99 (at most 1.2× the bare app),
 * throughput (at least 0.8× of it) and, at the highest concurrency, p99 against the deadline.
 */
export function loadRows(
  name: string,
  label: string,
  concurrency: number,
  result: { bot: SideResult; bare: SideResult },
  highest: boolean,
): BenchRow[] {
  const { bot, bare } = result;
  const rows = [
    row(name, `${label} c=${concurrency} p50 (ms)`, p50(bot), p50(bare)),
    row(name, `${label} c=${concurrency} p99 (ms)`, p99(bot), p99(bare), atMost(1.2)),
    row(name, `${label} c=${concurrency} req/s`, bot.rps, bare.rps, atLeast(0.8)),
  ];
  if (highest) {
    rows.push(
      row(
        name,
        `${label} c=${concurrency} p99 vs 3 s deadline (ms)`,
        p99(bot),
        PLATFORM_DEADLINE_MS,
        atMost(DEADLINE_SHARE),
      ),
    );
  }
  return rows;
}
