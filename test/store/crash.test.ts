import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { LOCK_NAME } from '../../src/store/data-dir-lock.js';
import { FileStore } from '../../src/store/file-store.js';

const WRITER = join(import.meta.dirname, 'fixtures', 'crash-writer.ts');

interface Round {
  /** Kill once this many writes were acknowledged... */
  acks: number;
  /** ...and, with this, once a compaction started after that. */
  midCompaction?: boolean;
  /** How much later (default `acks % 13` ms), so the kill lands anywhere in what follows. */
  delayMs?: number;
}

/**
 * Starts the writer, lets it acknowledge `round.acks` writes (and start a compaction, when
 * asked), kills it with SIGKILL, and returns every id it acknowledged (lines still in the
 * pipe included). With `compactFloorBytes`, the writer compacts as soon as its journal is
 * that large and larger than the snapshot.
 */
async function writeUntilKilled(
  dataDir: string,
  round: Round,
  compactFloorBytes?: number,
): Promise<{ acknowledged: string[]; compactions: number }> {
  const args = ['--import', 'tsx', WRITER, dataDir];
  if (compactFloorBytes !== undefined) args.push(String(compactFloorBytes));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const acknowledged: string[] = [];
  let compactions = 0;
  let ready = false;
  let killing = false;
  let pending = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop()!;
    let compacting = false;
    for (const line of lines) {
      if (line === 'ready') ready = true;
      else if (line === 'compacting') {
        compactions += 1;
        compacting = acknowledged.length >= round.acks;
      } else acknowledged.push(line);
    }
    const due = round.midCompaction ? compacting : acknowledged.length >= round.acks;
    if (due && !killing) {
      killing = true;
      setTimeout(() => child.kill('SIGKILL'), round.delayMs ?? round.acks % 13);
    }
  });
  const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('close', (_code, sig) => resolve(sig)),
  );
  if (!ready || signal !== 'SIGKILL') {
    throw new Error(`the writer did not run until killed (signal ${signal}): ${stderr}`);
  }
  return { acknowledged, compactions };
}

/** Every connection id the files in DATA_DIR hold, read as `store copy` would, beside a writer. */
async function storedIds(dataDir: string): Promise<Set<string>> {
  const store = new FileStore({ dataDir, logger: silentLogger, readOnly: true });
  await store.init();
  const ids = new Set((await store.listConnections()).map((record) => record.id));
  await store.close();
  return ids;
}

/**
 * One data directory through several crashes: after each kill the snapshot and the journal
 * must load and hold every acknowledged id. Each writer after the first can only start once
 * the dead one's lock went stale, so each later round also proves a SIGKILL-ed holder's lock
 * is released. Returns how many compactions the writers started.
 */
async function crashRounds(rounds: Round[], compactFloorBytes?: number): Promise<number> {
  const dataDir = await mkdtemp(join(tmpdir(), 'halo-connect-crash-'));
  const everyAck = new Set<string>();
  let compactions = 0;
  try {
    for (const round of rounds) {
      const killed = await writeUntilKilled(dataDir, round, compactFloorBytes);
      compactions += killed.compactions;
      expect(existsSync(join(dataDir, LOCK_NAME))).toBe(true);
      const stored = await storedIds(dataDir);
      for (const id of killed.acknowledged) everyAck.add(id);
      expect([...everyAck].filter((id) => !stored.has(id))).toEqual([]);
    }
    // After the last kill, this process takes the lock over too.
    const store = new FileStore({
      dataDir,
      logger: silentLogger,
      lockStaleMs: 2_000,
      lockWaitMs: 6_000,
    });
    await store.init();
    expect(await store.countConnections()).toBeGreaterThanOrEqual(everyAck.size);
    await store.close();
    return compactions;
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

it('loses no acknowledged write when the process is killed mid-burst, round after round', async () => {
  // Three directories at once keep the waits for stale locks from adding up: ten kills.
  // The third compacts every few dozen writes and is killed 0 to 5 ms after a compaction
  // began: here that lands while the new snapshot is written, between its rename and the
  // journal's reset, or just after.
  const [, , compactions] = await Promise.all([
    crashRounds([{ acks: 15 }, { acks: 60 }, { acks: 140 }]),
    crashRounds([{ acks: 40 }, { acks: 5 }, { acks: 100 }]),
    crashRounds(
      [
        { acks: 30, midCompaction: true, delayMs: 0 },
        { acks: 7, midCompaction: true, delayMs: 1 },
        { acks: 90, midCompaction: true, delayMs: 2 },
        { acks: 20, midCompaction: true, delayMs: 5 },
      ],
      64 * 1024,
    ),
  ]);
  expect(compactions).toBeGreaterThanOrEqual(4);
}, 45_000);
