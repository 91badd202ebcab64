import type { Envelope } from '../core/envelope.js';
import type { StepId } from '../core/guide.js';
import type {
  AuditEvent,
  ConnectionRecord,
  ConversationRefRecord,
  GuideProgress,
  ReminderRecord,
  SlackInstallationRecord,
} from '../core/store.js';

/** A row as `pg` returns it: timestamps as Date, jsonb parsed. */
export type Row = Record<string, unknown>;

/** Times come back from PostgreSQL as Date; records carry ISO 8601 UTC strings. */
function iso(value: unknown): string {
  return (value as Date).toISOString();
}

/** An optional column: null becomes an absent field, as in the file store. */
function optional<T>(value: unknown, map: (value: unknown) => T = (v) => v as T): T | undefined {
  return value === null || value === undefined ? undefined : map(value);
}

function withoutAbsent<T extends object>(record: T): T {
  for (const key of Object.keys(record) as Array<keyof T>) {
    if (record[key] === undefined) delete record[key];
  }
  return record;
}

export function toConnection(row: Row): ConnectionRecord {
  const data = row.data as Omit<ConnectionRecord, 'secret' | 'version'>;
  return { ...data, secret: row.secret as Envelope, version: row.version as number };
}

/** The columns of a connection: the record without secret and version, and the secret. */
export function connectionColumns(record: ConnectionRecord): { data: string; secret: string } {
  const { secret, version: _version, ...data } = record;
  return { data: JSON.stringify(data), secret: JSON.stringify(secret) };
}

export function toAudit(row: Row): AuditEvent {
  return withoutAbsent({
    id: row.id as string,
    at: iso(row.at),
    platform: row.platform as AuditEvent['platform'],
    workspaceId: row.workspace_id as string,
    actor: row.actor as string,
    action: row.action as AuditEvent['action'],
    outcome: row.outcome as AuditEvent['outcome'],
    detail: optional<string>(row.detail),
  });
}

export function toGuideProgress(row: Row): GuideProgress {
  return { key: row.key as string, step: row.step as StepId, updatedAt: iso(row.updated_at) };
}

export function toReminder(row: Row): ReminderRecord {
  return withoutAbsent({
    connectionId: row.connection_id as string,
    cycle: row.cycle as string,
    stage: row.stage as string,
    dueAt: iso(row.due_at),
    status: row.status as ReminderRecord['status'],
    claimedBy: optional<string>(row.claimed_by),
    leaseUntil: optional(row.lease_until, iso),
    sentAt: optional(row.sent_at, iso),
    attempts: row.attempts as number,
    messageRef: optional<string>(row.message_ref),
    lastError: optional<string>(row.last_error),
  });
}

/** ReminderRecord fields and their columns, for updates. */
export const REMINDER_COLUMNS = {
  dueAt: 'due_at',
  status: 'status',
  claimedBy: 'claimed_by',
  leaseUntil: 'lease_until',
  sentAt: 'sent_at',
  attempts: 'attempts',
  messageRef: 'message_ref',
  lastError: 'last_error',
} as const;

/** Values of a reminder in the column order of {@link REMINDER_COLUMNS}, after the key. */
export function reminderValues(reminder: ReminderRecord): unknown[] {
  return [
    reminder.connectionId,
    reminder.cycle,
    reminder.stage,
    ...Object.keys(REMINDER_COLUMNS).map(
      (field) => reminder[field as keyof typeof REMINDER_COLUMNS] ?? null,
    ),
  ];
}

export function toSlackInstallation(row: Row): SlackInstallationRecord {
  return {
    id: row.id as string,
    installation: row.installation as Record<string, unknown>,
    tokens: row.tokens as Record<string, Envelope>,
    updatedAt: iso(row.updated_at),
  };
}

export function toConversationRef(row: Row): ConversationRefRecord {
  return {
    id: row.id as string,
    tenantId: row.tenant_id as string,
    conversationId: row.conversation_id as string,
    reference: row.reference as Record<string, unknown>,
    disabled: row.disabled as boolean,
    updatedAt: iso(row.updated_at),
  };
}
