import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { silentLogger } from '../../src/core/logger.js';
import type { ConnectionRecord, ReminderRecord, Store } from '../../src/core/store.js';
import { FileStore } from '../../src/store/file-store.js';
import {
  REMINDER_COLUMNS,
  connectionColumns,
  reminderValues,
} from '../../src/store/postgres-rows.js';
import { PostgresStore } from '../../src/store/postgres-store.js';
import { tempDir } from './temp-dir.js';

/** The database the PostgreSQL benchmarks use: DATABASE_URL, or the local test database. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export type StoreKind = 'file' | 'postgres';

export interface BenchStore {
  store: Store;
  /** Writes many records at once, by the fastest path the store has. */
  seed(connections: ConnectionRecord[], reminders: ReminderRecord[]): Promise<void>;
  dispose(): Promise<void>;
}

/** Whether PostgreSQL answers within two seconds; benchmarks skip it otherwise. */
export async function isPostgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The store kinds this machine can run: the file always, PostgreSQL when it answers. */
export async function storeKinds(progress: (line: string) => void): Promise<StoreKind[]> {
  if (await isPostgresReachable()) return ['file', 'postgres'];
  progress(`PostgreSQL does not answer at DATABASE_URL: its rows are left out`);
  return ['file'];
}

export function openBenchStore(kind: StoreKind): Promise<BenchStore> {
  return kind === 'file' ? openFile() : openPostgres();
}

/**
 * The file store in a temp dir; seeded through `importSnapshot`, which writes one compacted
 * snapshot (not a journal line), as `npm run store -- copy` does.
 */
async function openFile(): Promise<BenchStore> {
  const dir = await tempDir('store');
  const store = new FileStore({ dataDir: dir.path, logger: silentLogger });
  await store.init();
  return {
    store,
    seed: (connections, reminders) =>
      store.importSnapshot({
        connections,
        reminders,
        audit: [],
        guideProgress: [],
        slackInstallations: [],
        conversationRefs: [],
      }),
    async dispose() {
      await store.close();
      await dir.remove();
    },
  };
}

const CHUNK = 5_000;

/**
 * PostgreSQL in a schema of its own (migrated by the store), seeded with multi-row inserts
 * (`unnest` of arrays, 5,000 rows a statement) and analysed, as a table that grew over
 * time would be. The schema is dropped on dispose.
 */
async function openPostgres(): Promise<BenchStore> {
  const schema = `bench_${process.pid}_${randomBytes(4).toString('hex')}`;
  const store = new PostgresStore({ connectionString: DATABASE_URL, schema, logger: silentLogger });
  await store.init();
  const admin = async (work: (client: pg.Client) => Promise<void>) => {
    const client = new pg.Client({
      connectionString: DATABASE_URL,
      options: `-c search_path=${schema}`,
    });
    await client.connect();
    try {
      await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    store,
    seed: (connections, reminders) =>
      admin(async (client) => {
        for (let i = 0; i < connections.length; i += CHUNK) {
          await insertConnections(client, connections.slice(i, i + CHUNK));
        }
        for (let i = 0; i < reminders.length; i += CHUNK) {
          await insertReminders(client, reminders.slice(i, i + CHUNK));
        }
        await client.query('analyze');
      }),
    async dispose() {
      await store.close();
      await admin((client) => client.query(`drop schema ${schema} cascade`).then(() => undefined));
    },
  };
}

async function insertConnections(client: pg.Client, records: ConnectionRecord[]): Promise<void> {
  const columns = records.map(connectionColumns);
  await client.query(
    `insert into connections (id, data, secret, version)
     select * from unnest($1::text[], $2::jsonb[], $3::jsonb[], $4::int[])`,
    [
      records.map((r) => r.id),
      columns.map((c) => c.data),
      columns.map((c) => c.secret),
      records.map((r) => r.version),
    ],
  );
}

/** The reminder columns in the order of `reminderValues`. */
const REMINDER_COLUMN_NAMES = [
  'connection_id',
  'cycle',
  'stage',
  ...Object.values(REMINDER_COLUMNS),
];

/** Reminders with the store's own column list, one parameter array per column. */
async function insertReminders(client: pg.Client, reminders: ReminderRecord[]): Promise<void> {
  const rows = reminders.map(reminderValues);
  const types = await columnTypes(client);
  const arrays = REMINDER_COLUMN_NAMES.map((_, i) => rows.map((row) => row[i] ?? null));
  const params = types.map((type, i) => `$${i + 1}::${type}[]`).join(', ');
  await client.query(
    `insert into reminders (${REMINDER_COLUMN_NAMES.join(', ')}) select * from unnest(${params})`,
    arrays,
  );
}

/** The SQL type of each reminder column, as the migration declared it. */
async function columnTypes(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ column_name: string; data_type: string }>(
    `select column_name, data_type from information_schema.columns
     where table_schema = current_schema() and table_name = 'reminders'`,
  );
  const byName = new Map(rows.map((r) => [r.column_name, r.data_type]));
  return REMINDER_COLUMN_NAMES.map((c) => byName.get(c)!);
}
