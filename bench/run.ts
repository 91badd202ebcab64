import { parseArgs } from 'node:util';
import { formatTable } from './table.js';
import {
  BENCHMARKS,
  isBenchmarkName,
  runBenchmarks,
  type BenchmarkName,
  type BenchReport,
} from './run-benchmarks.js';

const USAGE = `Usage: npm run bench -- [--json] [--smoke] [--only <name>[,<name>…]]

  --json    print the results as JSON instead of a table
  --smoke   tiny sizes: checks that every benchmark still runs, measures nothing useful
  --only    run only these benchmarks: ${Object.keys(BENCHMARKS).join(', ')}

Progress goes to stderr; the table or the JSON to stdout.`;

function parse(argv: string[]): { json: boolean; smoke: boolean; only?: BenchmarkName[] } {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const names = (values.only ?? []).flatMap((v) => v.split(',')).map((v) => v.trim());
  const unknown = names.filter((n) => !isBenchmarkName(n));
  if (unknown.length > 0) throw new Error(`unknown benchmark: ${unknown.join(', ')}`);
  return {
    json: values.json,
    smoke: values.smoke,
    only: names.length > 0 ? (names as BenchmarkName[]) : undefined,
  };
}

function printTable(report: BenchReport): void {
  const m = report.machine;
  console.log(
    `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}; ` +
      `load average ${m.loadAverage.join(' ')} at the start; ${report.seconds} s` +
      (report.smoke ? ' (smoke sizes: not for comparison)' : ''),
  );
  console.log('');
  console.log(formatTable(report.rows));
  const missed = report.rows.filter((r) => r.pass === false).length;
  const targets = report.rows.filter((r) => r.pass !== undefined).length;
  console.log('');
  console.log(`${targets - missed} of ${targets} targets met.`);
}

async function main(): Promise<void> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  const report = await runBenchmarks({
    smoke: args.smoke,
    only: args.only,
    progress: (line) => process.stderr.write(`${line}\n`),
  });
  if (args.json) console.log(JSON.stringify(report, null, 2));
  else printTable(report);
  // Benchmarks are not tests: a missed target does not fail the run.
  process.exit(0);
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
