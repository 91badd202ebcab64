import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../../src/core/logger.js';
import {
  DATA_FILE_NAME,
  FileStore,
  JOURNAL_FILE_NAME,
  type FileStoreOptions,
} from '../../src/store/file-store.js';
import type { StoreSnapshot } from '../../src/store/store-snapshot.js';

/** Helpers for the file store's journal and compaction suites. */

const dirs: string[] = [];

/** A new temporary DATA_DIR, removed by {@link removeTempDirs}. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'halo-connect-journal-'));
  dirs.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

export async function openFileStore(
  dataDir: string,
  options: Partial<FileStoreOptions> = {},
): Promise<FileStore> {
  const store = new FileStore({ dataDir, logger: silentLogger, ...options });
  await store.init();
  return store;
}

/** Everything a read-only store sees in `dataDir`, as `store copy` would read it. */
export async function readBack(dataDir: string): Promise<StoreSnapshot> {
  const store = await openFileStore(dataDir, { readOnly: true });
  const snapshot = await store.exportSnapshot();
  await store.close();
  return snapshot;
}

/** A logger that keeps every line, for the tests that check a warning. */
export function recordingLogger(): {
  logger: Logger;
  lines: Array<{ level: string; msg: string }>;
} {
  const lines: Array<{ level: string; msg: string }> = [];
  const log =
    (level: string) =>
    (first: object | string, msg?: string): void =>
      void lines.push({ level, msg: typeof first === 'string' ? first : (msg ?? '') });
  const logger: Logger = {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: () => logger,
  };
  return { logger, lines };
}

export const snapshotPath = (dataDir: string): string => join(dataDir, DATA_FILE_NAME);
export const journalPath = (dataDir: string): string => join(dataDir, JOURNAL_FILE_NAME);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests read any shape
export const readJson = async (path: string): Promise<any> =>
  JSON.parse(await readFile(path, 'utf8'));

/** The journal's lines, the header first, without the final newline's empty rest. */
export const journalLines = async (dataDir: string): Promise<string[]> =>
  (await readFile(journalPath(dataDir), 'utf8')).split('\n').slice(0, -1);

export const EMPTY: StoreSnapshot = {
  connections: [],
  audit: [],
  guideProgress: [],
  reminders: [],
  slackInstallations: [],
  conversationRefs: [],
};

/** The prototype of Node's FileHandle, to make one of its calls fail in a test. */
export async function fileHandlePrototype(dir: string): Promise<object> {
  const handle = await open(join(dir, 'probe'), 'w');
  await handle.close();
  return Object.getPrototypeOf(handle) as object;
}
