/** One line of the results table: a figure, the baseline it is compared with, and the ratio. */
export interface BenchRow {
  /** The benchmark, e.g. `slack-ack`. */
  name: string;
  /** What was measured, with its unit, e.g. `command c=50 p99 (ms)`. */
  metric: string;
  value: number;
  /** The same measure of the baseline, taken in the same run. */
  baseline: number;
  /** `value / baseline`. */
  ratio: number;
  /** The ratio the issue asks for, e.g. `<= 1.2` or `>= 0.8`. */
  target?: string;
  /** Whether `ratio` meets `target`; absent without a target. */
  pass?: boolean;
}

export interface BenchOptions {
  /** Tiny sizes, for the smoke test: each benchmark takes a few seconds at most. */
  smoke: boolean;
  /** Progress lines go here (stderr in the CLI, nowhere in the smoke test). */
  progress: (line: string) => void;
}

/** A benchmark: measures, compares with its own baseline, and returns rows. */
export type Benchmark = (options: BenchOptions) => Promise<BenchRow[]>;
