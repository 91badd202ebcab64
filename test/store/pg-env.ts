import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { silentLogger } from '../../src/core/logger.js';
import { PostgresStore } from '../../src/store/postgres-store.js';

/** The database the PostgreSQL suites use: DATABASE_URL, or the local test database. */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A prefix shared by every schema this test process creates, so leftovers can be found. */
export const RUN_PREFIX = `hc_test_${process.pid}_${randomBytes(3).toString('hex')}`;
let schemaCounter = 0;

/** Whether PostgreSQL answers within two seconds. */
export async function isPostgresReachable(url = DATABASE_URL): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Decides whether a PostgreSQL suite runs. In CI (`CI` set) it always runs, so an
 * unreachable database fails it; locally it is skipped, with the reason in its name.
 */
export async function postgresSuite(): Promise<{ skip: boolean; label: string }> {
  const reachable = await isPostgresReachable();
  if (reachable || process.env.CI) return { skip: false, label: 'PostgreSQL' };
  return { skip: true, label: `PostgreSQL (skipped: nothing answers at ${redact(DATABASE_URL)})` };
}

/** A new schema name, unique to this run. */
export function newSchema(): string {
  schemaCounter += 1;
  return `${RUN_PREFIX}_${schemaCounter}`;
}

/** Runs one statement on a short-lived connection. */
export async function adminQuery<T extends pg.QueryResultRow = pg.QueryResultRow>(
  sql: string,
  values?: unknown[],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** Drops one schema, or every schema of this run. */
export async function dropSchemas(schema?: string): Promise<void> {
  const rows = await adminQuery<{ name: string }>(
    'select nspname as name from pg_namespace where nspname like $1',
    [schema ?? `${RUN_PREFIX}%`],
  );
  for (const { name } of rows) await adminQuery(`drop schema if exists ${name} cascade`);
}

/** Every row of every table of the schema, as JSON text. */
export async function dumpSchema(schema: string): Promise<string> {
  const tables = await adminQuery<{ table_name: string }>(
    'select table_name from information_schema.tables where table_schema = $1',
    [schema],
  );
  const parts: string[] = [];
  for (const { table_name: table } of tables) {
    const rows = await adminQuery<{ row: string }>(
      `select row_to_json(t)::text as row from ${schema}.${table} t`,
    );
    parts.push(...rows.map((r) => r.row));
  }
  return parts.join('\n');
}

/** An initialised PostgresStore on a schema. */
export async function openPostgresStore(
  schema: string,
  options: Partial<ConstructorParameters<typeof PostgresStore>[0]> = {},
): Promise<PostgresStore> {
  const store = new PostgresStore({
    connectionString: DATABASE_URL,
    schema,
    logger: silentLogger,
    max: 5,
    ...options,
  });
  await store.init();
  return store;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
