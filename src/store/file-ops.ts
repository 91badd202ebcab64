import type { AuditEvent, ReminderRecord } from '../core/store.js';
import { dict, reminderSlot, type FileData } from './file-data.js';

/** The collections of FileData whose records are put and deleted whole, by key. */
export const RECORD_KINDS = [
  'connections',
  'guideProgress',
  'slackInstallations',
  'conversationRefs',
] as const;

export type RecordKind = (typeof RECORD_KINDS)[number];

/**
 * One change to the file store's data, as a journal line records it. Every op is absolute
 * (the record as it now is, or its removal; never an increment), so replaying one that is
 * already in the data changes nothing; an audit event already present is skipped by its id.
 */
export type FileOp =
  | {
      [K in RecordKind]: { op: 'put'; kind: K; key: string; value: FileData[K][string] };
    }[RecordKind]
  | { op: 'delete'; kind: RecordKind; key: string }
  | { op: 'audit'; event: AuditEvent }
  /** One reminder slot, the reminder whole. */
  | { op: 'reminder'; value: ReminderRecord }
  /** Every reminder of one connection. */
  | { op: 'deleteReminders'; connectionId: string };

/**
 * Applies ops read back from the journal to `data`, in order. `auditIds` holds the ids of
 * the events in `data.audit` and is kept up to date. Throws a plain Error naming what is
 * malformed when an entry is not a valid op; the caller says where it was.
 */
export function applyOps(data: FileData, ops: unknown, auditIds: Set<string>): void {
  if (!Array.isArray(ops)) throw new Error('the entry is not a list of changes');
  ops.forEach((op: unknown, index) => {
    if (!isValidOp(op)) throw new Error(`change ${index + 1} of the entry is malformed`);
    applyOp(data, op, auditIds);
  });
}

function applyOp(data: FileData, op: FileOp, auditIds: Set<string>): void {
  switch (op.op) {
    case 'put':
      (data[op.kind] as Record<string, unknown>)[op.key] = op.value;
      return;
    case 'delete':
      delete data[op.kind][op.key];
      return;
    case 'audit':
      if (auditIds.has(op.event.id)) return;
      data.audit.push(op.event);
      auditIds.add(op.event.id);
      return;
    case 'reminder': {
      const slots = (data.reminders[op.value.connectionId] ??= dict());
      slots[reminderSlot(op.value.cycle, op.value.stage)] = op.value;
      return;
    }
    case 'deleteReminders':
      delete data.reminders[op.connectionId];
      return;
  }
}

const REMINDER_KEYS = ['connectionId', 'cycle', 'stage'] as const;

/** Checks the shape an op needs to be applied; the records inside are taken as written. */
function isValidOp(op: unknown): op is FileOp {
  if (!isObject(op)) return false;
  switch (op.op) {
    case 'put':
      return isRecordKind(op.kind) && typeof op.key === 'string' && isObject(op.value);
    case 'delete':
      return isRecordKind(op.kind) && typeof op.key === 'string';
    case 'audit':
      return isObject(op.event) && typeof op.event.id === 'string';
    case 'reminder': {
      const value = op.value;
      return isObject(value) && REMINDER_KEYS.every((field) => typeof value[field] === 'string');
    }
    case 'deleteReminders':
      return typeof op.connectionId === 'string';
    default:
      return false;
  }
}

function isRecordKind(value: unknown): value is RecordKind {
  return (RECORD_KINDS as readonly unknown[]).includes(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
