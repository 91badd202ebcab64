import { machineInfo, type MachineInfo } from './machine.js';
import { memory } from './memory.js';
import { schedulerScale } from './scheduler-scale.js';
import { slackAck } from './slack-ack.js';
import { startup } from './startup.js';
import { storeWrites } from './store-writes.js';
import { teamsAnswer } from './teams-answer.js';
import type { Benchmark, BenchRow } from './types.js';
import { verifyRoundTrips } from './verify-round-trips.js';

/** Every benchmark by name, in the order. */
export const BENCHMARKS = {
  'slack-ack': slackAck,
  'teams-answer': teamsAnswer,
  'verify-round-trips': verifyRoundTrips,
  'scheduler-scale': schedulerScale,
  'store-writes': storeWrites,
  memory,
  startup,
} satisfies Record<string, Benchmark>;

export type BenchmarkName = keyof typeof BENCHMARKS;

export interface RunOptions {
  /** Tiny sizes: seconds per benchmark, for the smoke test. */
  smoke?: boolean;
  /** Only these benchmarks; default all. */
  only?: readonly BenchmarkName[];
  progress?: (line: string) => void;
}

export interface BenchReport {
  machine: MachineInfo;
  smoke: boolean;
  /** Wall time of the whole run. */
  seconds: number;
  rows: BenchRow[];
}

export function isBenchmarkName(name: string): name is BenchmarkName {
  return Object.hasOwn(BENCHMARKS, name);
}

/** Runs the chosen benchmarks one after the other (never together: they would share cores). */
export async function runBenchmarks(options: RunOptions = {}): Promise<BenchReport> {
  const smoke = options.smoke ?? false;
  const progress = options.progress ?? (() => undefined);
  const names = options.only ?? (Object.keys(BENCHMARKS) as BenchmarkName[]);
  const machine = machineInfo();
  const started = performance.now();
  const rows: BenchRow[] = [];
  for (const name of names) {
    const t = performance.now();
    rows.push(...(await BENCHMARKS[name]({ smoke, progress })));
    progress(`${name}: done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  return { machine, smoke, seconds, rows };
}
