import { randomBytes } from 'node:crypto';
import { createAesVault } from '../src/core/aes-vault.js';
import { KeyRing } from '../src/core/key-ring.js';
import { row } from './row.js';
import { median, since } from './stats.js';
import { DAY_MS, connectAudit, firstReminder, seededConnection } from './support/seed.js';
import { openBenchStore, storeKinds, type StoreKind } from './support/stores.js';
import type { BenchOptions, BenchRow } from './types.js';

const NAME = 'store-writes';

/**
 * Times recording one verified connection the way the service does after a successful
 * connect: the connection (must not exist yet), its audit entry, its first reminder, one
 * after the other. `size` connections are stored before; `samples` new ones are recorded.
 */
async function timeRecord(kind: StoreKind, size: number, samples: number): Promise<number> {
  const vault = createAesVault(new KeyRing([['bench', randomBytes(32)]]));
  const now = new Date();
  const rotatedAt = new Date(now.getTime() - 10 * DAY_MS);
  const stored = Array.from({ length: size }, (_, i) => seededConnection(vault, i, rotatedAt));
  const bench = await openBenchStore(kind);
  try {
    await bench.seed(stored, stored.map(firstReminder));
    const times: number[] = [];
    // The first record, not measured, warms the pool and the JIT.
    for (let i = 0; i <= samples; i++) {
      const record = { ...seededConnection(vault, size + i, now), version: 0 };
      const started = performance.now();
      const saved = await bench.store.putConnection(record, 0);
      await bench.store.appendAudit(connectAudit(saved, now));
      await bench.store.addReminder(firstReminder(saved));
      if (i > 0) times.push(since(started));
    }
    return median(times);
  } finally {
    await bench.dispose();
  }
}

/**
 * 5. Store writes: the time to record one verified connection with 100 and with 10,000
 * connections stored, on the file store and on PostgreSQL. The ratio shows how a write
 * grows with the size of what is stored; the issue sets no target.
 */
export async function storeWrites(options: BenchOptions): Promise<BenchRow[]> {
  const [small, large] = options.smoke ? [10, 100] : [100, 10_000];
  const samples = options.smoke ? 3 : 15;
  const rows: BenchRow[] = [];
  for (const kind of await storeKinds(options.progress)) {
    options.progress(`${NAME}: ${kind} store with ${small} and ${large} connections`);
    const base = await timeRecord(kind, small, samples);
    const grown = await timeRecord(kind, large, samples);
    rows.push(row(NAME, `${kind} record one, ${large} vs ${small} stored (ms)`, grown, base));
  }
  return rows;
}
