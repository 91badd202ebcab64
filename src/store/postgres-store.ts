import pg from 'pg';
import { ErrorCode, HaloConnectError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Platform } from '../core/platform.js';
import type {
  AuditEvent,
  ConnectionRecord,
  ConversationRefRecord,
  GuideProgress,
  ReminderRecord,
  SlackInstallationRecord,
} from '../core/store.js';
import { applyMigrations, loadMigrations } from './postgres-migrations.js';
import { storeError } from './postgres-error.js';
import {
  REMINDER_COLUMNS,
  connectionColumns,
  reminderValues,
  toAudit,
  toConnection,
  toConversationRef,
  toGuideProgress,
  toReminder,
  toSlackInstallation,
  type Row,
} from './postgres-rows.js';
import {
  INSERT_REMINDER,
  exportSnapshot,
  importSnapshot,
  insertAudit,
  upsertConversationRef,
  upsertGuideProgress,
  upsertSlackInstallation,
} from './postgres-writes.js';
import type { SnapshotStore, StoreSnapshot } from './store-snapshot.js';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** Expired idempotency keys are swept at most this often, by each process. */
const PRUNE_EVERY_MS = 60_000;
const REMINDER_FIELDS = Object.keys(REMINDER_COLUMNS) as Array<keyof typeof REMINDER_COLUMNS>;
/** Required reminder fields: a patch cannot clear them, so `undefined` there is ignored. */
const REQUIRED_REMINDER_FIELDS = new Set(['dueAt', 'status', 'attempts']);

export interface PostgresStoreOptions {
  connectionString: string;
  /**
   * Use this schema (created when missing) instead of the default search path: tests give
   * each run its own and drop it afterwards. Lower-case letters, digits and `_`.
   */
  schema?: string;
  logger: Logger;
  /** Pool size (default 10). */
  max?: number;
  /** How long `ping` waits for `select 1` (default 2 s). */
  pingTimeoutMs?: number;
  /** Shown in `pg_stat_activity` (default `halo-connect`). */
  applicationName?: string;
}

/**
 * The Store on PostgreSQL, for several replicas sharing one database. Migrations run at
 * `init` under an advisory lock; connections use a version column for optimistic
 * concurrency; reminders are claimed with `FOR UPDATE SKIP LOCKED` and a lease, so two
 * replicas never claim the same one.
 *
 * A dropped connection never crashes the process: the pool's `error` event is logged and the
 * next query opens a new connection, so `ping` fails while the database is unreachable and
 * succeeds again once it is back.
 */
export class PostgresStore implements SnapshotStore {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;
  readonly #options: PostgresStoreOptions;
  readonly #logger: Logger;
  #nextPruneAt = 0;

  constructor(options: PostgresStoreOptions) {
    if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
      throw new HaloConnectError(
        ErrorCode.Config,
        'the PostgreSQL schema name must be lower-case letters, digits and _, starting with a letter or _',
      );
    }
    this.#options = options;
    this.#logger = options.logger.child({ store: 'postgres' });
    this.#pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.max ?? 10,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      application_name: options.applicationName ?? 'halo-connect',
      ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
    });
    this.#pool.on('error', (error) => {
      this.#logger.warn({ err: error }, 'an idle PostgreSQL connection failed; it was dropped');
    });
  }

  async init(): Promise<void> {
    const migrations = await loadMigrations();
    const applied = await this.#withClient('migrate the database', (client) =>
      applyMigrations(client, { schema: this.#options.schema, logger: this.#logger, migrations }),
    );
    if (applied.length > 0) this.#logger.info({ applied }, 'database migrated');
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async ping(): Promise<void> {
    const timeoutMs = this.#options.pingTimeoutMs ?? 2_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const query = this.#pool.query('select 1');
    query.catch(() => undefined);
    try {
      await Promise.race([query, timeout]);
    } catch (error) {
      throw storeError('reach PostgreSQL', error);
    } finally {
      clearTimeout(timer);
    }
  }

  async getConnection(id: string): Promise<ConnectionRecord | undefined> {
    const rows = await this.#query(
      'read a connection',
      'select data, secret, version from connections where id = $1',
      [id],
    );
    return rows[0] && toConnection(rows[0]);
  }

  async putConnection(
    record: ConnectionRecord,
    expectedVersion?: number,
  ): Promise<ConnectionRecord> {
    const { data, secret } = connectionColumns(record);
    const values = [record.id, data, secret];
    let rows: Row[];
    if (expectedVersion === undefined) {
      rows = await this.#query(
        'save a connection',
        `insert into connections (id, data, secret, version) values ($1, $2, $3, 1)
         on conflict (id) do update set data = excluded.data, secret = excluded.secret,
           version = connections.version + 1, updated_at = now()
         returning version`,
        values,
      );
    } else if (expectedVersion === 0) {
      rows = await this.#query(
        'save a new connection',
        `insert into connections (id, data, secret, version) values ($1, $2, $3, 1)
         on conflict (id) do nothing returning version`,
        values,
      );
    } else {
      rows = await this.#query(
        'save a connection',
        `update connections set data = $2, secret = $3, version = version + 1, updated_at = now()
         where id = $1 and version = $4 returning version`,
        [...values, expectedVersion],
      );
    }
    const version = rows[0]?.version as number | undefined;
    if (version === undefined) throw await this.#conflict(record.id, expectedVersion ?? 0);
    return { ...structuredClone(record), version };
  }

  async deleteConnection(id: string): Promise<boolean> {
    const rows = await this.#query(
      'delete a connection',
      'delete from connections where id = $1 returning id',
      [id],
    );
    return rows.length > 0;
  }

  async listConnections(): Promise<ConnectionRecord[]> {
    const rows = await this.#query(
      'list connections',
      'select data, secret, version from connections order by id collate "C"',
    );
    return rows.map(toConnection);
  }

  async listConnectionsToReverify(verifiedBefore: Date): Promise<ConnectionRecord[]> {
    // A range read of the connections_reverify index (migration 002), not a scan of every row.
    const rows = await this.#query(
      'list connections to re-verify',
      `select data, secret, version from connections
       where connection_reverify_key(data) collate "C" <= $1
       order by id collate "C"`,
      [verifiedBefore.toISOString()],
    );
    return rows.map(toConnection);
  }

  async countConnections(): Promise<number> {
    const rows = await this.#query(
      'count connections',
      'select count(*)::int as n from connections',
    );
    return rows[0]!.n as number;
  }

  async appendAudit(event: AuditEvent): Promise<void> {
    await insertAudit(this.#pool, event).catch((error: unknown) => {
      throw storeError('append to the audit', error);
    });
  }

  async listAudit(filter: {
    platform?: Platform;
    workspaceId?: string;
    limit?: number;
  }): Promise<AuditEvent[]> {
    const rows = await this.#query(
      'list the audit',
      `select * from audit
       where ($1::text is null or platform = $1) and ($2::text is null or workspace_id = $2)
       order by at desc, seq desc limit $3`,
      [filter.platform ?? null, filter.workspaceId ?? null, filter.limit ?? null],
    );
    return rows.map(toAudit);
  }

  async getGuideProgress(key: string): Promise<GuideProgress | undefined> {
    const rows = await this.#query(
      'read guide progress',
      'select * from guide_progress where key = $1',
      [key],
    );
    return rows[0] && toGuideProgress(rows[0]);
  }

  async setGuideProgress(progress: GuideProgress): Promise<void> {
    await upsertGuideProgress(this.#pool, progress).catch((error: unknown) => {
      throw storeError('save guide progress', error);
    });
  }

  async addReminder(reminder: ReminderRecord): Promise<boolean> {
    const rows = await this.#query(
      'add a reminder',
      `${INSERT_REMINDER} on conflict do nothing returning 1 as added`,
      reminderValues(reminder),
    );
    return rows.length > 0;
  }

  async claimDueReminders(
    now: Date,
    owner: string,
    leaseMs: number,
    limit: number,
  ): Promise<ReminderRecord[]> {
    if (limit <= 0) return [];
    const rows = await this.#query(
      'claim due reminders',
      `with due as (
         select connection_id, cycle, stage from reminders
         where due_at <= $1
           and (status = 'pending'
             or (status = 'claimed' and (lease_until is null or lease_until < $1)))
         order by due_at
         limit $4
         for update skip locked
       )
       update reminders r
       set status = 'claimed', claimed_by = $2, lease_until = $3
       from due
       where r.connection_id = due.connection_id and r.cycle = due.cycle and r.stage = due.stage
       returning r.*`,
      [now, owner, new Date(now.getTime() + leaseMs), limit],
    );
    // RETURNING keeps no order: restore the due-time order.
    return rows.map(toReminder).sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt));
  }

  async updateReminder(
    key: Pick<ReminderRecord, 'connectionId' | 'cycle' | 'stage'>,
    owner: string,
    patch: Partial<Omit<ReminderRecord, 'connectionId' | 'cycle' | 'stage'>>,
  ): Promise<boolean> {
    const values: unknown[] = [key.connectionId, key.cycle, key.stage, owner];
    const sets: string[] = [];
    for (const field of REMINDER_FIELDS) {
      if (!(field in patch)) continue;
      const value = patch[field];
      if (value === undefined && REQUIRED_REMINDER_FIELDS.has(field)) continue;
      values.push(value ?? null);
      sets.push(`${REMINDER_COLUMNS[field]} = $${values.length}`);
    }
    const rows = await this.#query(
      'update a reminder',
      // With nothing to change, the update still tells whether the owner holds the claim.
      `update reminders set ${sets.join(', ') || 'stage = stage'}
       where connection_id = $1 and cycle = $2 and stage = $3 and claimed_by = $4
       returning 1 as updated`,
      values,
    );
    return rows.length > 0;
  }

  async listReminders(connectionId: string): Promise<ReminderRecord[]> {
    const rows = await this.#query(
      'list reminders',
      'select * from reminders where connection_id = $1 order by due_at, stage collate "C"',
      [connectionId],
    );
    return rows.map(toReminder);
  }

  async deleteReminders(connectionId: string): Promise<void> {
    await this.#query('delete reminders', 'delete from reminders where connection_id = $1', [
      connectionId,
    ]);
  }

  async claimOnce(key: string, ttlMs: number, now: Date): Promise<boolean> {
    if (now.getTime() >= this.#nextPruneAt) {
      this.#nextPruneAt = now.getTime() + PRUNE_EVERY_MS;
      await this.#query(
        'prune idempotency keys',
        'delete from idempotency_keys where expires_at <= $1',
        [now],
      );
    }
    const rows = await this.#query(
      'record an idempotency key',
      `insert into idempotency_keys (key, expires_at) values ($1, $2)
       on conflict (key) do update set expires_at = excluded.expires_at
         where idempotency_keys.expires_at <= $3
       returning 1 as claimed`,
      [key, new Date(now.getTime() + ttlMs), now],
    );
    return rows.length > 0;
  }

  async putSlackInstallation(record: SlackInstallationRecord): Promise<void> {
    await upsertSlackInstallation(this.#pool, record).catch((error: unknown) => {
      throw storeError('save a Slack installation', error);
    });
  }

  async getSlackInstallation(id: string): Promise<SlackInstallationRecord | undefined> {
    const rows = await this.#query(
      'read a Slack installation',
      'select * from slack_installations where id = $1',
      [id],
    );
    return rows[0] && toSlackInstallation(rows[0]);
  }

  async deleteSlackInstallation(id: string): Promise<void> {
    await this.#query(
      'delete a Slack installation',
      'delete from slack_installations where id = $1',
      [id],
    );
  }

  async listSlackInstallations(): Promise<SlackInstallationRecord[]> {
    const rows = await this.#query(
      'list Slack installations',
      'select * from slack_installations order by id collate "C"',
    );
    return rows.map(toSlackInstallation);
  }

  async putConversationRef(record: ConversationRefRecord): Promise<void> {
    await upsertConversationRef(this.#pool, record).catch((error: unknown) => {
      throw storeError('save a conversation reference', error);
    });
  }

  async getConversationRef(id: string): Promise<ConversationRefRecord | undefined> {
    const rows = await this.#query(
      'read a conversation reference',
      'select * from conversation_refs where id = $1',
      [id],
    );
    return rows[0] && toConversationRef(rows[0]);
  }

  async listConversationRefs(tenantId: string): Promise<ConversationRefRecord[]> {
    const rows = await this.#query(
      'list conversation references',
      'select * from conversation_refs where tenant_id = $1 order by id collate "C"',
      [tenantId],
    );
    return rows.map(toConversationRef);
  }

  async isEmpty(): Promise<boolean> {
    const tables = [
      'connections',
      'audit',
      'guide_progress',
      'reminders',
      'slack_installations',
      'conversation_refs',
    ];
    const any = tables.map((table) => `exists (select 1 from ${table})`).join(' or ');
    const rows = await this.#query('check whether the store is empty', `select ${any} as used`);
    return rows[0]!.used === false;
  }

  async exportSnapshot(): Promise<StoreSnapshot> {
    return this.#transaction('export the store', exportSnapshot);
  }

  async importSnapshot(snapshot: StoreSnapshot): Promise<void> {
    await this.#transaction('import into the store', (client) => importSnapshot(client, snapshot));
  }

  async #query(operation: string, sql: string, values?: unknown[]): Promise<Row[]> {
    try {
      return (await this.#pool.query<Row>(sql, values)).rows;
    } catch (error) {
      throw storeError(operation, error);
    }
  }

  /**
   * Runs `work` on one checked-out client. A client that failed is destroyed, not reused.
   * While checked out a client has no pool listener, so without the one added here a
   * connection dropped between two statements of a transaction would crash the process.
   */
  async #withClient<T>(operation: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw storeError(operation, error);
    }
    const onError = (error: Error) => {
      this.#logger.warn({ err: error, operation }, 'a PostgreSQL connection in use failed');
    };
    client.on('error', onError);
    let failed = false;
    try {
      return await work(client);
    } catch (error) {
      failed = true;
      throw storeError(operation, error);
    } finally {
      client.off('error', onError);
      client.release(failed);
    }
  }

  /** Runs `work` in one transaction: all of it is written, or none. */
  #transaction<T>(operation: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.#withClient(operation, async (client) => {
      await client.query('begin');
      try {
        const result = await work(client);
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        throw error;
      }
    });
  }

  async #conflict(id: string, expected: number): Promise<HaloConnectError> {
    const rows = await this.#query(
      'read a connection version',
      'select version from connections where id = $1',
      [id],
    );
    return new HaloConnectError(
      ErrorCode.Conflict,
      `connection ${id} changed meanwhile (expected version ${expected}, found ` +
        `${(rows[0]?.version as number | undefined) ?? 'none'}); read it again and retry`,
    );
  }
}
