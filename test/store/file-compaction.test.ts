import { stat } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, HaloConnectError } from '../../src/core/errors.js';
import { FileJournal } from '../../src/store/file-journal.js';
import {
  EMPTY,
  fileHandlePrototype,
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
import { auditEvent, connection } from './records.js';

afterEach(async () => {
  vi.restoreAllMocks();
  await removeTempDirs();
});

describe('FileStore compaction, concurrent readers and failures', () => {
  it('compacts in the background once the journal outgrows the snapshot, losing nothing', async () => {
    const dataDir = await tempDir();
    const { logger, lines } = recordingLogger();
    const store = await openFileStore(dataDir, { compactFloorBytes: 8_192, logger });
    const { generation } = await readJson(snapshotPath(dataDir));
    // About 4 kB a record: the second write takes the journal past the floor.
    await store.putConnection(connection('slack:T1', { agentName: 'a'.repeat(4_000) }));
    expect((await stat(journalPath(dataDir))).size).toBeLessThan(8_192);
    await store.putConnection(connection('slack:T2', { agentName: 'a'.repeat(4_000) }));
    await expect
      .poll(async () => (await readJson(snapshotPath(dataDir))).generation)
      .toBe(generation + 1);
    const snapshot = await readJson(snapshotPath(dataDir));
    expect(Object.keys(snapshot.connections)).toEqual(['slack:T1', 'slack:T2']);
    expect(await journalLines(dataDir)).toEqual([
      JSON.stringify({ journal: 1, generation: generation + 1 }),
    ]);
    expect(lines).toContainEqual({ level: 'debug', msg: 'data file compacted' });
    expect(lines.filter((line) => line.level === 'warn')).toEqual([]);
    await store.putConnection(connection('slack:T3'));
    await store.close();

    const reopened = await openFileStore(dataDir);
    expect((await reopened.listConnections()).map((r) => r.id)).toEqual([
      'slack:T1',
      'slack:T2',
      'slack:T3',
    ]);
    await reopened.close();
  });

  it('starts a compaction only when runWhenQuiet lets it, and idle() waits for it', async () => {
    const dataDir = await tempDir();
    let letItRun: (() => void) | undefined;
    const store = await openFileStore(dataDir, {
      compactFloorBytes: 8_192,
      runWhenQuiet: async (work) => {
        await new Promise<void>((resolve) => (letItRun = resolve));
        await work();
      },
    });
    const { generation } = await readJson(snapshotPath(dataDir));
    await store.putConnection(connection('slack:T1', { agentName: 'a'.repeat(4_000) }));
    await store.putConnection(connection('slack:T2', { agentName: 'a'.repeat(4_000) }));
    expect(letItRun).toBeDefined();
    // Held back: writes go on to the journal meanwhile, and no second compaction is queued.
    await store.putConnection(connection('slack:T3', { agentName: 'a'.repeat(4_000) }));
    const held = letItRun;
    expect((await readJson(snapshotPath(dataDir))).generation).toBe(generation);
    expect(await journalLines(dataDir)).toHaveLength(4);
    let idle = false;
    const idled = store.idle().then(() => (idle = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(idle).toBe(false);
    held!();
    await idled;
    expect(letItRun).toBe(held);
    const snapshot = await readJson(snapshotPath(dataDir));
    expect(snapshot.generation).toBe(generation + 1);
    expect(Object.keys(snapshot.connections)).toEqual(['slack:T1', 'slack:T2', 'slack:T3']);
    await store.close();
  });

  it('holds writes queued during a compaction until it is done, and close waits for it', async () => {
    const dataDir = await tempDir();
    const store = await openFileStore(dataDir, { compactFloorBytes: 1 });
    // Every commit now makes the journal larger than the floor: writes and compactions
    // alternate, and every write queued meanwhile still lands, in order.
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.putConnection(connection(`slack:T${i % 5}`)).then((r) => r.version),
      ),
    );
    expect(results.filter((v) => v === 4)).toHaveLength(5);
    await store.close();
    const snapshot = await readBack(dataDir);
    expect(snapshot.connections.map((r) => r.version)).toEqual([4, 4, 4, 4, 4]);
  });

  it('opened read-only beside a writer, sees every write acknowledged before it opened', async () => {
    const dataDir = await tempDir();
    // Compacting every few writes, so that compactions land between the reader's reads.
    const writer = await openFileStore(dataDir, { compactFloorBytes: 16_384 });
    const acknowledged: string[] = [];
    let stop = false;
    const writing = (async () => {
      for (let i = 0; !stop; i++) {
        const id = `slack:T${i}`;
        await writer.putConnection(connection(id, { agentName: 'a'.repeat(2_000) }));
        acknowledged.push(id);
      }
    })();
    // At least 40 reads, and on until compactions have happened (fewer writes land in 40
    // reads on a loaded machine); bounded, so a writer that never compacts fails below.
    const generation = async () => (await readJson(snapshotPath(dataDir))).generation as number;
    for (let round = 0; round < 40 || ((await generation()) <= 2 && round < 2_000); round++) {
      const before = [...acknowledged];
      const ids = new Set((await readBack(dataDir)).connections.map((r) => r.id));
      expect(before.filter((id) => !ids.has(id))).toEqual([]);
    }
    stop = true;
    await writing;
    expect(await generation()).toBeGreaterThan(2);
    await writer.close();
  });

  it('opened read-only, reads again when a compaction lands between its two reads', async () => {
    const dataDir = await tempDir();
    const writer = await openFileStore(dataDir);
    await writer.putConnection(connection('slack:T1'));
    const read = FileJournal.prototype.read;
    let compacted = false;
    // The reader has read the snapshot; before it reads the journal, the writer compacts
    // (an import does) and writes again, to the journal of the new generation.
    vi.spyOn(FileJournal.prototype, 'read').mockImplementation(async function (this: FileJournal) {
      if (!compacted) {
        compacted = true;
        await writer.importSnapshot(EMPTY);
        await writer.putConnection(connection('slack:T2'));
      }
      return read.call(this);
    });
    const ids = (await readBack(dataDir)).connections.map((r) => r.id).sort();
    expect(compacted).toBe(true);
    expect(ids).toEqual(['slack:T1', 'slack:T2']);
    await writer.close();
  });

  it('rolls a failed batch back: journal cut back, memory equal to disk, later writes fine', async () => {
    const dataDir = await tempDir();
    const { logger, lines } = recordingLogger();
    const store = await openFileStore(dataDir, { logger });
    await store.putConnection(connection('slack:T1'));
    const { size } = await stat(journalPath(dataDir));
    const proto = (await fileHandlePrototype(dataDir)) as { datasync(): Promise<void> };
    vi.spyOn(proto, 'datasync').mockRejectedValueOnce(
      Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }),
    );

    const failed = await Promise.allSettled([
      store.putConnection(connection('slack:T2')),
      store.appendAudit(auditEvent({ id: 'event-lost' })),
    ]);
    for (const outcome of failed) {
      expect(outcome.status).toBe('rejected');
      const error = (outcome as PromiseRejectedResult).reason as HaloConnectError;
      expect(error.code).toBe(ErrorCode.Store);
      expect(error.message).toContain('nothing of this change was saved');
    }
    expect(lines.map((line) => line.msg)).toContain('data file write failed');
    expect((await stat(journalPath(dataDir))).size).toBe(size);
    expect(await store.exportSnapshot()).toEqual(await readBack(dataDir));
    expect(await store.getConnection('slack:T2')).toBeUndefined();

    // The audit id was forgotten with the batch, so the same event can be written again.
    await store.appendAudit(auditEvent({ id: 'event-lost' }));
    await store.putConnection(connection('slack:T3'));
    await store.close();
    const back = await readBack(dataDir);
    expect(back.connections.map((r) => r.id).sort()).toEqual(['slack:T1', 'slack:T3']);
    expect(back.audit.map((e) => e.id)).toEqual(['event-lost']);
  });

  it('keeps the old snapshot and journal when a compaction fails, and warns', async () => {
    const dataDir = await tempDir();
    const { logger, lines } = recordingLogger();
    const store = await openFileStore(dataDir, { compactFloorBytes: 4_096, logger });
    const { generation } = await readJson(snapshotPath(dataDir));
    const proto = (await fileHandlePrototype(dataDir)) as { sync(): Promise<void> };
    // The first fsync of the compaction is the new snapshot's.
    vi.spyOn(proto, 'sync').mockRejectedValueOnce(
      Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }),
    );
    for (let i = 0; i < 4; i++) {
      await store.putConnection(connection(`slack:T${i}`, { agentName: 'a'.repeat(2_000) }));
    }
    await expect
      .poll(() => lines.filter((line) => line.level === 'warn').map((line) => line.msg))
      .toEqual([
        expect.stringContaining('compaction failed; the snapshot and journal are unchanged'),
      ]);
    await store.putConnection(connection('slack:T9'));
    await store.close();
    expect((await readJson(snapshotPath(dataDir))).generation).toBe(generation);
    const back = await readBack(dataDir);
    expect(back.connections).toHaveLength(5);
  });
});
