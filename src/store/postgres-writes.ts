import type { PoolClient } from 'pg';
import type {
  AuditEvent,
  ConnectionRecord,
  ConversationRefRecord,
  GuideProgress,
  SlackInstallationRecord,
} from '../core/store.js';
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
import type { StoreSnapshot } from './store-snapshot.js';

/** A pool or a client: these statements run alone or inside a transaction. */
export type Queryable = Pick<PoolClient, 'query'>;

const REMINDER_FIELD_COUNT = Object.keys(REMINDER_COLUMNS).length;

/** Inserts a whole reminder; parameters from {@link reminderValues}. */
export const INSERT_REMINDER = `insert into reminders (connection_id, cycle, stage, ${Object.values(
  REMINDER_COLUMNS,
).join(
  ', ',
)}) values (${Array.from({ length: 3 + REMINDER_FIELD_COUNT }, (_, i) => `$${i + 1}`).join(', ')})`;

const REPLACE_REMINDER = `on conflict (connection_id, cycle, stage) do update set ${Object.values(
  REMINDER_COLUMNS,
)
  .map((column) => `${column} = excluded.${column}`)
  .join(', ')}`;

async function importConnection(db: Queryable, record: ConnectionRecord): Promise<void> {
  const { data, secret } = connectionColumns(record);
  await db.query(
    `insert into connections (id, data, secret, version) values ($1, $2, $3, $4)
     on conflict (id) do update set data = excluded.data, secret = excluded.secret,
       version = excluded.version, updated_at = now()`,
    [record.id, data, secret, record.version],
  );
}

/** Appends an audit event; one already recorded (same id) is skipped. */
export async function insertAudit(db: Queryable, event: AuditEvent): Promise<void> {
  await db.query(
    `insert into audit (id, at, platform, workspace_id, actor, action, outcome, detail)
     values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (id) do nothing`,
    [
      event.id,
      event.at,
      event.platform,
      event.workspaceId,
      event.actor,
      event.action,
      event.outcome,
      event.detail ?? null,
    ],
  );
}

/** Inserts or replaces a guide progress row. */
export async function upsertGuideProgress(db: Queryable, progress: GuideProgress): Promise<void> {
  await db.query(
    `insert into guide_progress (key, step, updated_at) values ($1, $2, $3)
     on conflict (key) do update set step = excluded.step, updated_at = excluded.updated_at`,
    [progress.key, progress.step, progress.updatedAt],
  );
}

/** Inserts or replaces a Slack installation. */
export async function upsertSlackInstallation(db: Queryable, record: SlackInstallationRecord) {
  await db.query(
    `insert into slack_installations (id, installation, tokens, updated_at)
     values ($1, $2, $3, $4)
     on conflict (id) do update set installation = excluded.installation,
       tokens = excluded.tokens, updated_at = excluded.updated_at`,
    [
      record.id,
      JSON.stringify(record.installation),
      JSON.stringify(record.tokens),
      record.updatedAt,
    ],
  );
}

/** Inserts or replaces a conversation reference. */
export async function upsertConversationRef(db: Queryable, record: ConversationRefRecord) {
  await db.query(
    `insert into conversation_refs (id, tenant_id, conversation_id, reference, disabled, updated_at)
     values ($1, $2, $3, $4, $5, $6)
     on conflict (id) do update set tenant_id = excluded.tenant_id,
       conversation_id = excluded.conversation_id, reference = excluded.reference,
       disabled = excluded.disabled, updated_at = excluded.updated_at`,
    [
      record.id,
      record.tenantId,
      record.conversationId,
      JSON.stringify(record.reference),
      record.disabled,
      record.updatedAt,
    ],
  );
}

/** Reads every table in one repeatable-read snapshot, so the copy is consistent. */
export async function exportSnapshot(client: PoolClient): Promise<StoreSnapshot> {
  await client.query('set transaction isolation level repeatable read, read only');
  const all = async (sql: string) => (await client.query<Row>(sql)).rows;
  return {
    connections: (await all('select * from connections order by id')).map(toConnection),
    audit: (await all('select * from audit order by seq')).map(toAudit),
    guideProgress: (await all('select * from guide_progress')).map(toGuideProgress),
    reminders: (await all('select * from reminders')).map(toReminder),
    slackInstallations: (await all('select * from slack_installations')).map(toSlackInstallation),
    conversationRefs: (await all('select * from conversation_refs')).map(toConversationRef),
  };
}

/** Writes a snapshot; the caller runs it in a transaction. See SnapshotStore.importSnapshot. */
export async function importSnapshot(client: PoolClient, snapshot: StoreSnapshot): Promise<void> {
  for (const record of snapshot.connections) await importConnection(client, record);
  for (const event of snapshot.audit) await insertAudit(client, event);
  for (const progress of snapshot.guideProgress) await upsertGuideProgress(client, progress);
  for (const reminder of snapshot.reminders) {
    await client.query(`${INSERT_REMINDER} ${REPLACE_REMINDER}`, reminderValues(reminder));
  }
  for (const record of snapshot.slackInstallations) await upsertSlackInstallation(client, record);
  for (const record of snapshot.conversationRefs) await upsertConversationRef(client, record);
}
