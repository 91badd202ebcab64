import { readdir, readFile } from 'node:fs/promises';
import type { PoolClient } from 'pg';
import type { Logger } from '../core/logger.js';

/** One SQL file of `src/store/migrations`, named `NNN_name.sql`. */
export interface SqlMigration {
  version: number;
  name: string;
  sql: string;
}

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
const FILE_NAME = /^(\d+)_([\w-]+)\.sql$/;

/** Reads the migration files, oldest first. */
export async function loadMigrations(dir: URL = MIGRATIONS_DIR): Promise<SqlMigration[]> {
  const migrations: SqlMigration[] = [];
  for (const file of await readdir(dir)) {
    const match = FILE_NAME.exec(file);
    if (!match) continue;
    const sql = await readFile(new URL(file, dir), 'utf8');
    migrations.push({ version: Number(match[1]), name: match[2]!, sql });
  }
  return migrations.sort((a, b) => a.version - b.version);
}

/**
 * Creates the schema when needed and applies the migrations it lacks, all in one
 * transaction under a transaction-level advisory lock: replicas starting together wait for
 * each other, and the second finds everything applied. Each applied version is recorded in
 * `schema_migrations`. Returns the names applied.
 */
export async function applyMigrations(
  client: PoolClient,
  options: { schema?: string; logger: Logger; migrations: SqlMigration[] },
): Promise<string[]> {
  const applied: string[] = [];
  await client.query('begin');
  try {
    const lockName = `halo-connect:migrations:${options.schema ?? 'default'}`;
    await client.query('select pg_advisory_xact_lock(hashtext($1))', [lockName]);
    if (options.schema !== undefined) {
      await client.query(`create schema if not exists ${options.schema}`);
    }
    await client.query(
      `create table if not exists schema_migrations (
         version integer primary key,
         name text not null,
         applied_at timestamptz not null default now()
       )`,
    );
    const done = await client.query<{ version: number }>('select version from schema_migrations');
    const versions = new Set(done.rows.map((row) => row.version));
    warnIfNewer(versions, options);
    for (const migration of options.migrations) {
      if (versions.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query('insert into schema_migrations (version, name) values ($1, $2)', [
        migration.version,
        migration.name,
      ]);
      applied.push(`${migration.version} ${migration.name}`);
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
  return applied;
}

/**
 * A database migrated by a newer halo-connect still works with this one while the newer
 * changes are additive (a rolling deploy), so this only warns.
 */
function warnIfNewer(
  versions: Set<number>,
  options: { logger: Logger; migrations: SqlMigration[] },
) {
  const known = new Set(options.migrations.map((m) => m.version));
  const unknown = [...versions].filter((version) => !known.has(version));
  if (unknown.length > 0) {
    options.logger.warn(
      { versions: unknown },
      'the database has migrations this halo-connect does not know; a newer version ran here',
    );
  }
}
