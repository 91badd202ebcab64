import { appendFile, copyFile, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, HaloConnectError } from '../../src/core/errors.js';
import { FILE_SCHEMA_VERSION } from '../../src/store/file-data.js';
import {
  EMPTY,
  journalLines,
  journalPath,
  openFileStore,
  readBack,
  readJson,
  recordingLogger,
  removeTempDirs,
  snapshotPath,
  tempDir,
} from './file-store-kit.js';
import {
  T0,
  at,
  auditEvent,
  connection,
  conversationRef,
  reminder,
  slackInstallation,
} from './records.js';

afterEach(removeTempDirs);

describe('FileStore journal', () => {
  it('appends one line per batch, naming only what changed, and leaves the snapshot alone', async () => {
    const dataDir = await tempDir();
    const store = await openFileStore(dataDir);
    const snapshot = await readFile(snapshotPath(dataDir));
    const { mtimeMs } = await stat(snapshotPath(dataDir));
    const before = await journalLines(dataDir);
    expect(before).toHaveLength(1);
    expect(JSON.parse(before[0]!)).toEqual({ journal: 1, generation: expect.any(Number) });

    await store.putConnection(connection('slack:T1'));
    // Queued together: one batch, one line.
    await Promise.all([
      store.appendAudit(auditEvent({ id: 'event-1' })),
      store.addReminder(reminder({ dueAt: at(1) })),
    ]);
    const lines = await journalLines(dataDir);
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[1]!)).toEqual([
      expect.objectContaining({ op: 'put', kind: 'connections', key: 'slack:T1' }),
    ]);
    expect(JSON.parse(lines[2]!).map((op: { op: string }) => op.op)).toEqual(['audit', 'reminder']);
    expect(await readFile(snapshotPath(dataDir))).toEqual(snapshot);
    expect((await stat(snapshotPath(dataDir))).mtimeMs).toBe(mtimeMs);
    await store.close();
  });

  it('replays the journal on reopen: every kind of change comes back', async () => {
    const dataDir = await tempDir();
    const store = await openFileStore(dataDir);
    const first = await store.putConnection(connection('slack:T1'));
    await store.putConnection({ ...first, agentName: 'agent' }, first.version);
    await store.putConnection(connection('slack:T2'));
    await store.deleteConnection('slack:T2');
    await store.appendAudit(auditEvent({ id: 'event-1', at: at(1) }));
    await store.appendAudit(auditEvent({ id: 'event-1', at: at(1) }));
    await store.appendAudit(auditEvent({ id: 'event-2', at: at(2) }));
    await store.setGuideProgress({ key: 'slack:T1:U1', step: 'scopes', updatedAt: at(1) });
    await store.addReminder(reminder({ stage: 'lead:P7D', dueAt: at(5) }));
    await store.addReminder(reminder({ stage: 'due', dueAt: at(6) }));
    await store.addReminder(reminder({ connectionId: 'slack:T9', dueAt: at(1) }));
    await store.deleteReminders('slack:T9');
    const [claimed] = await store.claimDueReminders(
      new Date(T0.getTime() + 5 * 60_000),
      'a',
      60_000,
      1,
    );
    await store.updateReminder(claimed!, 'a', { status: 'sent', sentAt: at(5), attempts: 1 });
    await store.putSlackInstallation(slackInstallation('T1'));
    await store.putSlackInstallation(slackInstallation('T2'));
    await store.deleteSlackInstallation('T2');
    await store.putConversationRef(conversationRef('tenant-1:19:a'));
    const written = await store.exportSnapshot();
    await store.close();

    expect((await journalLines(dataDir)).length).toBeGreaterThan(10);
    const reopened = await openFileStore(dataDir);
    expect(await reopened.exportSnapshot()).toEqual(written);
    expect(await reopened.listReminders('slack:T1')).toMatchObject([
      { stage: 'lead:P7D', status: 'sent' },
      { stage: 'due', status: 'pending' },
    ]);
    // The due-time index was rebuilt from the replayed data: only the open one is claimed.
    const later = new Date(T0.getTime() + 60 * 60_000);
    expect(await reopened.claimDueReminders(later, 'b', 60_000, 5)).toMatchObject([
      { stage: 'due' },
    ]);
    await reopened.close();
    expect(await readBack(dataDir)).toMatchObject({ connections: [{ agentName: 'agent' }] });
  });

  it('drops a torn last line with a warning, and cuts it off the journal', async () => {
    const dataDir = await tempDir();
    const store = await openFileStore(dataDir);
    await store.putConnection(connection('slack:T1'));
    await store.close();
    const { size } = await stat(journalPath(dataDir));
    // What a process killed in the middle of an append leaves: no newline, not JSON.
    await appendFile(
      journalPath(dataDir),
      '[{"op":"put","kind":"connections","key":"slack:T2","va',
    );

    const { logger, lines } = recordingLogger();
    const reopened = await openFileStore(dataDir, { logger });
    expect(lines.filter((line) => line.level === 'warn').map((line) => line.msg)).toEqual([
      expect.stringContaining('cut short'),
    ]);
    expect((await stat(journalPath(dataDir))).size).toBe(size);
    expect((await reopened.listConnections()).map((r) => r.id)).toEqual(['slack:T1']);
    await reopened.putConnection(connection('slack:T3'));
    await reopened.close();
    expect((await readBack(dataDir)).connections.map((r) => r.id).sort()).toEqual([
      'slack:T1',
      'slack:T3',
    ]);
  });

  it('refuses a damaged line that is not the last, naming the file, the line and a way out', async () => {
    const dataDir = await tempDir();
    const store = await openFileStore(dataDir);
    await store.putConnection(connection('slack:T1'));
    await store.putConnection(connection('slack:T2'));
    await store.putConnection(connection('slack:T3'));
    await store.close();
    const lines = await journalLines(dataDir);
    lines[2] = lines[2]!.slice(0, 40);
    await writeFile(journalPath(dataDir), `${lines.join('\n')}\n`);

    for (const options of [{}, { readOnly: true }]) {
      const error = await openFileStore(dataDir, options).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HaloConnectError);
      expect((error as HaloConnectError).code).toBe(ErrorCode.Store);
      const message = (error as Error).message;
      expect(message).toContain(`${journalPath(dataDir)} line 3`);
      expect(message).toMatch(/backup/);
      expect(message).toContain('first 2 lines');
    }
    // A line that parses but is no list of changes is damage too, even as the last line.
    await writeFile(journalPath(dataDir), `${lines.slice(0, 2).join('\n')}\n{"op":"put"}\n`);
    await expect(openFileStore(dataDir)).rejects.toThrow(/line 3 is not a valid journal entry/);
    // The lock was given back each time.
    await writeFile(journalPath(dataDir), `${lines.slice(0, 2).join('\n')}\n`);
    const recovered = await openFileStore(dataDir, { lockWaitMs: 0 });
    expect((await recovered.listConnections()).map((r) => r.id)).toEqual(['slack:T1']);
    await recovered.close();
  });

  it('ignores a journal older than the snapshot: the snapshot already holds it', async () => {
    const dataDir = await tempDir();
    const store = await openFileStore(dataDir);
    await store.putConnection(connection('slack:T1'));
    const stale = join(dataDir, 'stale-journal');
    await copyFile(journalPath(dataDir), stale);
    await store.deleteConnection('slack:T1');
    await store.putConnection(connection('slack:T2'));
    // An import writes the data whole: a compaction, to the next generation.
    await store.importSnapshot(EMPTY);
    await store.close();
    const { generation } = await readJson(snapshotPath(dataDir));

    // As after a crash between the snapshot's rename and the journal's reset.
    await copyFile(stale, journalPath(dataDir));
    expect((await readBack(dataDir)).connections.map((r) => r.id)).toEqual(['slack:T2']);
    const reopened = await openFileStore(dataDir);
    expect((await reopened.listConnections()).map((r) => r.id)).toEqual(['slack:T2']);
    await reopened.close();
    expect(await journalLines(dataDir)).toEqual([JSON.stringify({ journal: 1, generation })]);
  });

  it('refuses a journal newer than the snapshot, saying which files and what to do', async () => {
    const dataDir = await tempDir();
    const store = await openFileStore(dataDir);
    await store.putConnection(connection('slack:T1'));
    await store.close();
    const backup = join(dataDir, 'snapshot-backup');
    await copyFile(snapshotPath(dataDir), backup);
    const reopened = await openFileStore(dataDir);
    await reopened.importSnapshot(EMPTY);
    await reopened.putConnection(connection('slack:T2'));
    await reopened.close();

    // The snapshot restored from a backup without the journal made with it.
    await copyFile(backup, snapshotPath(dataDir));
    for (const options of [{}, { readOnly: true }]) {
      const error = await openFileStore(dataDir, options).catch((e: unknown) => e);
      expect((error as HaloConnectError).code).toBe(ErrorCode.Store);
      const message = (error as Error).message;
      expect(message).toContain(journalPath(dataDir));
      expect(message).toContain(snapshotPath(dataDir));
      expect(message).toMatch(/older than its journal/);
      expect(message).toMatch(/Restore both files from the same backup/);
    }
  });

  it('migrates a schema 1 file, which has no generation and no journal', async () => {
    const dataDir = await tempDir();
    const v1 = {
      schemaVersion: 1,
      connections: { 'slack:T1': { ...connection('slack:T1'), version: 3 } },
      audit: [auditEvent({ id: 'event-1' })],
      guideProgress: {},
      reminders: {},
      idempotency: {},
      slackInstallations: {},
      conversationRefs: {},
    };
    await writeFile(snapshotPath(dataDir), JSON.stringify(v1));
    const store = await openFileStore(dataDir);
    expect((await store.getConnection('slack:T1'))?.version).toBe(3);
    await store.putConnection(connection('slack:T2'));
    await store.close();
    const snapshot = await readJson(snapshotPath(dataDir));
    expect(snapshot.schemaVersion).toBe(FILE_SCHEMA_VERSION);
    expect(Number.isSafeInteger(snapshot.generation)).toBe(true);
    expect(JSON.parse((await journalLines(dataDir))[0]!).generation).toBe(snapshot.generation);
    const back = await readBack(dataDir);
    expect(back.connections.map((r) => r.id).sort()).toEqual(['slack:T1', 'slack:T2']);
    expect(back.audit.map((e) => e.id)).toEqual(['event-1']);
  });
});
