import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runStoreCli } from '../../src/cli/store.js';
import { connectionSecretAad } from '../../src/core/aad.js';
import { createAesVault } from '../../src/core/aes-vault.js';
import { silentLogger } from '../../src/core/logger.js';
import { DATA_FILE_NAME, FileStore, JOURNAL_FILE_NAME } from '../../src/store/file-store.js';
import { describeLocation } from '../../src/store/store-location.js';
import type { StoreSnapshot } from '../../src/store/store-snapshot.js';
import {
  adminQuery,
  DATABASE_URL,
  dropSchemas,
  dumpSchema,
  newSchema,
  postgresSuite,
} from './pg-env.js';
import {
  CANARY,
  at,
  auditEvent,
  connection,
  conversationRef,
  reminder,
  slackInstallation,
  testRing,
} from './records.js';
import { dataDirText } from './data-dir-files.js';

const dirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'halo-connect-copy-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const vault = createAesVault(testRing('k1'));

/** A file store with records of every kind, the canary sealed in one of them. */
async function seededDataDir(): Promise<string> {
  const dataDir = await tempDir();
  const store = new FileStore({ dataDir, logger: silentLogger });
  await store.init();
  const secret = vault.seal(CANARY, connectionSecretAad('slack:T1'));
  const first = await store.putConnection({ ...connection('slack:T1'), secret });
  await store.putConnection({ ...first, agentName: 'agent' }, first.version);
  await store.putConnection(connection('teams:tenant-1'));
  for (let i = 0; i < 3; i += 1) await store.appendAudit(auditEvent({ at: at(i) }));
  await store.setGuideProgress({ key: 'slack:T1:U1', step: 'scopes', updatedAt: at(1) });
  await store.addReminder(reminder({ stage: 'lead:P7D', dueAt: at(5) }));
  await store.addReminder(reminder({ stage: 'due', status: 'sent', sentAt: at(9), attempts: 1 }));
  await store.putSlackInstallation(slackInstallation('T1'));
  await store.putConversationRef(conversationRef('tenant-1:19:a'));
  await store.close();
  return dataDir;
}

async function snapshotOf(dataDir: string): Promise<StoreSnapshot> {
  const store = new FileStore({ dataDir, logger: silentLogger, readOnly: true });
  await store.init();
  const snapshot = await store.exportSnapshot();
  await store.close();
  const byKey =
    <T>(key: (t: T) => string) =>
    (a: T, b: T) =>
      key(a) < key(b) ? -1 : 1;
  snapshot.connections.sort(byKey((c) => c.id));
  snapshot.reminders.sort(byKey((r) => r.stage));
  return snapshot;
}

function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io = {
    out: (l: string) => out.push(l),
    err: (l: string) => err.push(l),
    logger: silentLogger,
  };
  return runStoreCli(argv, io).then((code) => ({ code, out: out.join('\n'), err: err.join('\n') }));
}

describe('npm run store -- copy', () => {
  it('copies a file store into an empty one, and refuses a non-empty target without --force', async () => {
    const from = await seededDataDir();
    const to = join(await tempDir(), 'copy');
    const copied = await run(['copy', '--from', from, '--to', to]);
    expect(copied.err).toBe('');
    expect(copied.code).toBe(0);
    expect(copied.out).toMatch(/connections\s+2$/m);
    expect(copied.out).toMatch(/audit events\s+3$/m);
    expect(copied.out).toMatch(/reminders\s+2$/m);
    expect(await snapshotOf(to)).toEqual(await snapshotOf(from));
    // The copy is written as one snapshot, its journal empty: not one giant journal line.
    const journal = await readFile(join(to, JOURNAL_FILE_NAME), 'utf8');
    expect(journal.trim().split('\n')).toHaveLength(1);

    const refused = await run(['copy', '--from', from, '--to', to]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('already holds records');
    expect(refused.err).toContain('--force');
    expect((await run(['copy', '--from', from, '--to', to, '--force'])).code).toBe(0);
    expect((await snapshotOf(to)).audit).toHaveLength(3);
  });

  it('says what is wrong with the arguments', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['copy', '--from', 'a'])).err).toContain('usage: npm run store -- copy');
    expect((await run(['copy', '--from', 'a', '--to', 'a'])).err).toContain('the same store');
    const missing = await run(['copy', '--from', join(tmpdir(), 'nothing-here'), '--to', 'b']);
    expect(missing.err).toContain(`there is no ${DATA_FILE_NAME}`);
  });

  it('never prints the database password', () => {
    const shown = describeLocation('postgres://halo:hunter2-pw@db.example:5432/halo');
    expect(shown).not.toContain('hunter2');
    expect(shown).toContain('db.example');
  });
});

const pgSuite = await postgresSuite();

describe.skipIf(pgSuite.skip)(`npm run store -- copy (${pgSuite.label})`, () => {
  afterAll(async () => {
    await dropSchemas();
  });

  it('round-trips file → PostgreSQL → file with every envelope unchanged', async () => {
    const from = await seededDataDir();
    const schema = newSchema();
    await adminQuery(`create schema ${schema}`);
    const url = new URL(DATABASE_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const database = url.toString();

    const up = await run(['copy', '--from', from, '--to', database]);
    expect(up.err).toBe('');
    expect(up.out).toMatch(/Slack installations\s+1$/m);
    const rows = await dumpSchema(schema);
    expect(rows).toContain('slack:T1');
    expect(rows).not.toContain(CANARY);

    const back = join(await tempDir(), 'back');
    const down = await run(['copy', '--from', database, '--to', back]);
    expect(down.err).toBe('');
    expect(await snapshotOf(back)).toEqual(await snapshotOf(from));
    const files = await dataDirText(back);
    expect(files).toContain('slack:T1');
    expect(files).not.toContain(CANARY);
    const store = new FileStore({ dataDir: back, logger: silentLogger, readOnly: true });
    await store.init();
    const t1 = (await store.getConnection('slack:T1'))!;
    expect(vault.open(t1.secret, connectionSecretAad('slack:T1'))).toBe(CANARY);
    await store.close();

    const again = await run(['copy', '--from', from, '--to', database]);
    expect(again.code).toBe(1);
    expect(again.err).toContain('--force');
    await dropSchemas(schema);
  });
});
