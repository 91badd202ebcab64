import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, HaloConnectError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { LOCK_NAME } from '../../src/store/data-dir-lock.js';
import { FILE_SCHEMA_VERSION } from '../../src/store/file-data.js';
import {
  DATA_FILE_NAME,
  FileStore,
  JOURNAL_FILE_NAME,
  type FileStoreOptions,
} from '../../src/store/file-store.js';
import { runStoreContract } from './contract.js';
import { dataDirText } from './data-dir-files.js';
import { T0, at, auditEvent, connection, reminder } from './records.js';

const dirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'halo-connect-file-store-'));
  dirs.push(dir);
  return dir;
}

async function openFileStore(dataDir: string, options: Partial<FileStoreOptions> = {}) {
  const store = new FileStore({ dataDir, logger: silentLogger, ...options });
  await store.init();
  return store;
}

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

runStoreContract('FileStore', async () => {
  const dataDir = await tempDir();
  const store = await openFileStore(dataDir);
  return {
    store,
    // Every file: the snapshot and the journal (and anything else the store wrote).
    rawDump: () => dataDirText(dataDir),
    dispose: () => store.close(),
  };
});

describe('FileStore', () => {
  it('keeps the data files private and finds everything again after a restart', async () => {
    const dataDir = join(await tempDir(), 'nested', 'data');
    const store = await openFileStore(dataDir);
    await store.putConnection(connection('slack:T1'));
    await store.addReminder(reminder({ dueAt: at(1) }));
    await store.close();
    if (process.platform !== 'win32') {
      expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
      expect((await stat(join(dataDir, DATA_FILE_NAME))).mode & 0o777).toBe(0o600);
      expect((await stat(join(dataDir, JOURNAL_FILE_NAME))).mode & 0o777).toBe(0o600);
    }
    const reopened = await openFileStore(dataDir);
    expect((await reopened.getConnection('slack:T1'))?.version).toBe(1);
    const claimed = await reopened.claimDueReminders(new Date(T0.getTime() + 60_000), 'a', 1, 5);
    expect(claimed).toHaveLength(1);
    const toReverify = await reopened.listConnectionsToReverify(new Date(T0.getTime()));
    expect(toReverify.map((c) => c.id)).toEqual(['slack:T1']);
    await reopened.close();
    const file = JSON.parse(await readFile(join(dataDir, DATA_FILE_NAME), 'utf8'));
    expect(file.schemaVersion).toBe(FILE_SCHEMA_VERSION);
  });

  it('migrates a file without a schema version, and refuses one from a newer version', async () => {
    const dataDir = await tempDir();
    const path = join(dataDir, DATA_FILE_NAME);
    const journal = join(dataDir, JOURNAL_FILE_NAME);
    await writeFile(path, '{}');
    const store = await openFileStore(dataDir);
    expect(await store.countConnections()).toBe(0);
    await store.close();
    const migrated = JSON.parse(await readFile(path, 'utf8'));
    expect(migrated).toMatchObject({
      schemaVersion: FILE_SCHEMA_VERSION,
      connections: {},
      audit: [],
    });
    // The migrated snapshot was written as a compaction, with a journal that continues it.
    expect(JSON.parse((await readFile(journal, 'utf8')).split('\n')[0]!)).toEqual({
      journal: 1,
      generation: migrated.generation,
    });
    await writeFile(path, JSON.stringify({ schemaVersion: FILE_SCHEMA_VERSION + 1 }));
    await expect(openFileStore(dataDir)).rejects.toThrow(/newer than this halo-connect/);
    // The lock was given back when init failed. (An old file starts without a journal.)
    await writeFile(path, '{}');
    await rm(journal);
    await (await openFileStore(dataDir, { lockWaitMs: 0 })).close();
  });

  it('keeps idempotency keys in memory, off disk, and forgets them when they expire', async () => {
    const dataDir = await tempDir();
    const store = await openFileStore(dataDir);
    expect(await store.claimOnce('old-key', 60_000, T0)).toBe(true);
    expect(await store.claimOnce('old-key', 60_000, new Date(T0.getTime() + 59_000))).toBe(false);
    const later = new Date(T0.getTime() + 2 * 60 * 60_000);
    expect(await store.claimOnce('old-key', 60_000, later)).toBe(true);
    await store.appendAudit(auditEvent());
    await store.close();
    const text = await dataDirText(dataDir);
    expect(text).toContain('"op":"audit"');
    expect(text).not.toContain('old-key');
  });

  it('gives a key like __proto__ no special meaning', async () => {
    const dataDir = await tempDir();
    const store = await openFileStore(dataDir);
    expect(await store.claimOnce('__proto__', 60_000, T0)).toBe(true);
    expect(await store.claimOnce('__proto__', 60_000, T0)).toBe(false);
    await store.setGuideProgress({ key: '__proto__', step: 'agent', updatedAt: at(0) });
    expect(await store.getGuideProgress('__proto__')).toMatchObject({ step: 'agent' });
    expect(await store.getGuideProgress('constructor')).toBeUndefined();
    await store.close();
  });

  it('refuses a second process on the same DATA_DIR, naming it', async () => {
    const dataDir = await tempDir();
    const store = await openFileStore(dataDir);
    const result = await runFixture('open-store.ts', [dataDir]);
    const answer = JSON.parse(result) as { code: string; message: string };
    expect(answer.code).toBe(ErrorCode.StoreLocked);
    expect(answer.message).toContain('another halo-connect process holds DATA_DIR');
    expect(answer.message).toContain(dataDir);
    expect(answer.message).toMatch(/stop it/);
    await store.close();
    // Released on close: a new process may start at once.
    expect(JSON.parse(await runFixture('open-store.ts', [dataDir]))).toEqual({ ok: true });
  });

  it('reads next to a running writer when opened read-only, and refuses to write', async () => {
    const dataDir = await tempDir();
    const writer = await openFileStore(dataDir);
    await writer.putConnection(connection('slack:T1'));
    const reader = await openFileStore(dataDir, { readOnly: true });
    expect(await reader.countConnections()).toBe(1);
    const error = await reader.putConnection(connection('slack:T2')).catch((e: unknown) => e);
    expect((error as HaloConnectError).code).toBe(ErrorCode.Store);
    await reader.close();
    await writer.close();
  });

  it('stops writing once its lock is gone, so two processes never write at once', async () => {
    const dataDir = await tempDir();
    const store = await openFileStore(dataDir, { lockStaleMs: 2_000, lockUpdateMs: 1_000 });
    await rm(join(dataDir, LOCK_NAME), { recursive: true });
    await expect
      .poll(
        () =>
          store.ping().then(
            () => 'ok',
            (e: HaloConnectError) => e.code,
          ),
        {
          timeout: 5_000,
        },
      )
      .toBe(ErrorCode.StoreLocked);
    const error = await store.putConnection(connection()).catch((e: unknown) => e);
    expect((error as HaloConnectError).code).toBe(ErrorCode.StoreLocked);
    await store.close();
  });
});

/** Runs a script of test/store/fixtures in a new Node process; resolves with its stdout. */
export function runFixture(name: string, args: string[]): Promise<string> {
  const script = join(import.meta.dirname, 'fixtures', name);
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${name} exited with ${code}: ${err}`)),
    );
  });
}
