import type {
  AuditEvent,
  ConnectionRecord,
  ConversationRefRecord,
  GuideProgress,
  ReminderRecord,
  SlackInstallationRecord,
  Store,
} from '../core/store.js';

/**
 * Every lasting record of a store, with envelopes exactly as stored: copying one needs no
 * key. Idempotency keys are left out: they live minutes and only guard retries in flight.
 */
export interface StoreSnapshot {
  connections: ConnectionRecord[];
  /** Oldest first, in the order written. */
  audit: AuditEvent[];
  guideProgress: GuideProgress[];
  reminders: ReminderRecord[];
  slackInstallations: SlackInstallationRecord[];
  conversationRefs: ConversationRefRecord[];
}

/** The record kinds of a snapshot, in the order they are copied and reported. */
export const SNAPSHOT_KINDS = [
  'connections',
  'audit',
  'guideProgress',
  'reminders',
  'slackInstallations',
  'conversationRefs',
] as const satisfies ReadonlyArray<keyof StoreSnapshot>;

/** A Store that can also be copied whole: what `npm run store -- copy` works with. */
export interface SnapshotStore extends Store {
  /** True when the store holds no record of any lasting kind. */
  isEmpty(): Promise<boolean>;
  exportSnapshot(): Promise<StoreSnapshot>;
  /**
   * Writes every record of the snapshot in one step: records with the same id are replaced
   * (connections keep their version), others are kept; audit events already present are
   * skipped.
   */
  importSnapshot(snapshot: StoreSnapshot): Promise<void>;
}
