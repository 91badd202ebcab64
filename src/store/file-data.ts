import type {
  AuditEvent,
  ConnectionRecord,
  ConversationRefRecord,
  GuideProgress,
  ReminderRecord,
  SlackInstallationRecord,
} from '../core/store.js';
import { ErrorCode, HaloConnectError } from '../core/errors.js';

/** A string-keyed collection without a prototype, so no key (`__proto__`) is special. */
export type Dict<T> = Record<string, T>;

/**
 * The whole content of `DATA_DIR/halo-connect.json` (the snapshot), and of the store's memory
 * once the journal was replayed onto it.
 */
export interface FileData {
  schemaVersion: number;
  /**
   * Bumped by every compaction: the journal whose header names this generation holds the
   * changes made since this snapshot was written (see FileJournal).
   */
  generation: number;
  connections: Dict<ConnectionRecord>;
  /** Append-only, in the order written. */
  audit: AuditEvent[];
  guideProgress: Dict<GuideProgress>;
  /** By connection id, then by {@link reminderSlot}. */
  reminders: Dict<Dict<ReminderRecord>>;
  /** Idempotency key to expiry, in epoch milliseconds. */
  idempotency: Dict<number>;
  slackInstallations: Dict<SlackInstallationRecord>;
  conversationRefs: Dict<ConversationRefRecord>;
}

/** One step of the file's schema; `up` changes the parsed data in place. */
export interface FileMigration {
  version: number;
  name: string;
  up(data: Record<string, unknown>): void;
}

/** Every schema change of the file, oldest first. Append; never edit a released one. */
export const FILE_MIGRATIONS: readonly FileMigration[] = [
  {
    version: 1,
    name: 'initial collections',
    up(data) {
      for (const name of DICTS) data[name] ??= {};
      data.audit ??= [];
    },
  },
  {
    version: 2,
    name: 'snapshot generation for the journal',
    up(data) {
      // Note: a file from before the journal has no journal to continue; an older
      // halo-connect refuses this version, so it never writes a snapshot without its journal.
      data.generation ??= 0;
    },
  },
];

/** The schema version this code writes. */
export const FILE_SCHEMA_VERSION = FILE_MIGRATIONS[FILE_MIGRATIONS.length - 1]!.version;

const DICTS = [
  'connections',
  'guideProgress',
  'reminders',
  'idempotency',
  'slackInstallations',
  'conversationRefs',
] as const;

/** Creates an empty collection without a prototype. */
export function dict<T>(entries?: object): Dict<T> {
  return Object.assign(Object.create(null) as Dict<T>, entries);
}

/** The key of a reminder inside its connection's collection. */
export function reminderSlot(cycle: string, stage: string): string {
  return JSON.stringify([cycle, stage]);
}

/**
 * Brings parsed file content (or null for a new file) up to {@link FILE_SCHEMA_VERSION}.
 * Returns the names of the migrations applied. Throws Store for a file written by a newer
 * halo-connect, which this one must not rewrite.
 */
export function migrateFileData(raw: unknown, path: string): { data: FileData; applied: string[] } {
  const data: Record<string, unknown> = isObject(raw) ? raw : { schemaVersion: 0 };
  const from = typeof data.schemaVersion === 'number' ? data.schemaVersion : 0;
  if (from > FILE_SCHEMA_VERSION) {
    throw new HaloConnectError(
      ErrorCode.Store,
      `${path} has schema version ${from}, newer than this halo-connect understands ` +
        `(${FILE_SCHEMA_VERSION}); run the newer version, or restore a backup made for this one`,
    );
  }
  const applied: string[] = [];
  for (const migration of FILE_MIGRATIONS) {
    if (migration.version <= from) continue;
    migration.up(data);
    data.schemaVersion = migration.version;
    applied.push(`${migration.version} ${migration.name}`);
  }
  return { data: withoutPrototypes(data as unknown as FileData), applied };
}

function withoutPrototypes(data: FileData): FileData {
  const reminders = dict<Dict<ReminderRecord>>();
  for (const [id, slots] of Object.entries(data.reminders)) reminders[id] = dict(slots);
  return {
    ...data,
    connections: dict(data.connections),
    guideProgress: dict(data.guideProgress),
    reminders,
    idempotency: dict(data.idempotency),
    slackInstallations: dict(data.slackInstallations),
    conversationRefs: dict(data.conversationRefs),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
