import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { LOCK_NAME } from '../../src/store/data-dir-lock.js';
import { DATA_FILE_NAME, FileStore } from '../../src/store/file-store.js';

const WRITER = join(import.meta.dirname, 'fixtures', 'crash-writer.ts');

/**
 * Starts the writer, lets it acknowledge `acks` writes, kills it with SIGKILL, and returns
 * every id it acknowledged (lines still in the pipe included).
 */
async function writeUntilKilled(dataDir: string, acks: number): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acknowledged: string[] = [];
  let ready = false;
  let killing = false;
  let pending = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      if (line === 'ready') ready = true;
      else acknowledged.push(line);
    }
    if (acknowledged.length >= acks && !killing) {
      // A little later than the ack, so the kill lands anywhere in the next write.
      killing = true;
      setTimeout(() => child.kill('SIGKILL'), acks % 13);
    }
  });
  const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('close', (_code, sig) => resolve(sig)),
  );
  if (!ready || signal !== 'SIGKILL') {
    throw new Error(`the writer did not run until killed (signal ${signal}): ${stderr}`);
  }
  return acknowledged;
}

/**
 * One data directory through several crashes: after each kill the file must parse and hold
 * every acknowledged id. Each writer after the first can only start once the dead one's lock
 * went stale, so each later round also proves a SIGKILL-ed holder's lock is released.
 */
async function crashRounds(ackTargets: number[]): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'halo-connect-crash-'));
  const path = join(dataDir, DATA_FILE_NAME);
  const everyAck = new Set<string>();
  try {
    for (const acks of ackTargets) {
      const acked = await writeUntilKilled(dataDir, acks);
      expect(existsSync(join(dataDir, LOCK_NAME))).toBe(true);
      const data = JSON.parse(await readFile(path, 'utf8')) as {
        connections: Record<string, unknown>;
      };
      for (const id of acked) everyAck.add(id);
      expect([...everyAck].filter((id) => !(id in data.connections))).toEqual([]);
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
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

it('loses no acknowledged write when the process is killed mid-burst, round after round', async () => {
  // Two directories at once keep the waits for stale locks from adding up: six kills.
  await Promise.all([crashRounds([15, 60, 140]), crashRounds([40, 5, 100])]);
}, 30_000);
