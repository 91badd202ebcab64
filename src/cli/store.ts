import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pino from 'pino';
import type { Logger } from '../core/logger.js';
import { createLogger } from '../log.js';
import { copyStore } from '../store/copy-store.js';
import { describeLocation, openStoreAt } from '../store/store-location.js';
import type { SnapshotStore } from '../store/store-snapshot.js';

/** Where a command line tool writes; tests capture it. */
export interface StoreCliIo {
  out(line: string): void;
  err(line: string): void;
  logger?: Logger;
}

const USAGE = [
  'usage: npm run store -- copy --from <DATA_DIR or postgres://...> --to <DATA_DIR or postgres://...> [--force]',
  '',
  'Copies every record, still encrypted, from one store to another. No key is needed.',
  'The target must be empty unless --force is given (then records with the same id are',
  'replaced). Stop the bot before moving its data, so nothing is written during the copy.',
].join('\n');

const KIND_LABELS = {
  connections: 'connections',
  audit: 'audit events',
  guideProgress: 'guide progress',
  reminders: 'reminders',
  slackInstallations: 'Slack installations',
  conversationRefs: 'conversation references',
} as const;

/**
 * `npm run store -- copy --from <a> --to <b> [--force]`. Returns the exit code: 0 done,
 * 1 failed, 2 usage error.
 */
export async function runStoreCli(argv: string[], io: StoreCliIo = consoleIo()): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { from: { type: 'string' }, to: { type: 'string' }, force: { type: 'boolean' } },
    });
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { from, to, force } = args.values;
  if (args.positionals[0] !== 'copy' || args.positionals.length !== 1 || !from || !to) {
    io.err(USAGE);
    return 2;
  }
  if (from === to) {
    io.err('--from and --to name the same store; give two different ones');
    return 2;
  }
  return copy(from, to, force ?? false, io);
}

async function copy(from: string, to: string, force: boolean, io: StoreCliIo): Promise<number> {
  const logger =
    io.logger ?? createLogger({ level: 'warn', format: 'json', destination: pino.destination(2) });
  const opened: SnapshotStore[] = [];
  try {
    const source = await openStoreAt(from, { logger, readOnly: true, mustExist: true });
    opened.push(source);
    const target = await openStoreAt(to, { logger, failFastOnLock: true });
    opened.push(target);
    const counts = await copyStore(source, target, { force });
    io.out(`copied ${describeLocation(from)} to ${describeLocation(to)}:`);
    for (const [kind, label] of Object.entries(KIND_LABELS)) {
      io.out(`  ${label.padEnd(24)} ${counts[kind as keyof typeof KIND_LABELS]}`);
    }
    return 0;
  } catch (error) {
    io.err(`store copy failed: ${describeError(error)}`);
    return 1;
  } finally {
    for (const store of opened) await store.close();
  }
}

/** An error's message for the terminal: HaloConnectError messages are safe to show. */
function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function consoleIo(): StoreCliIo {
  return { out: (line) => console.log(line), err: (line) => console.error(line) };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runStoreCli(process.argv.slice(2));
}
