import { ErrorCode, HaloConnectError } from '../core/errors.js';
import type { Platform } from '../core/platform.js';
import type {
  AuditEvent,
  ConnectionRecord,
  ConversationRefRecord,
  GuideProgress,
  ReminderRecord,
  SlackInstallationRecord,
} from '../core/store.js';
import { DueIndex } from './due-index.js';
import type { FileData } from './file-data.js';
import { FileReminders } from './file-reminders.js';
import { FileStoreCore, type FileStoreOptions, type FileTx } from './file-store-core.js';
import type { SnapshotStore, StoreSnapshot } from './store-snapshot.js';

export { DATA_FILE_NAME, JOURNAL_FILE_NAME } from './file-persistence.js';
export type { FileStoreOptions } from './file-store-core.js';

/** Expired idempotency keys are swept at most this often. */
const PRUNE_EVERY_MS = 60_000;

/**
 * The default Store: the data kept in memory, on disk as a snapshot (`DATA_DIR/
 * halo-connect.json`) plus a journal of the changes since (`halo-connect.journal`), see
 * FilePersistence. Every change goes through one group-commit queue (FileStoreCore), so
 * concurrent updates are never lost, and a caller's promise resolves only after its change
 * is on disk: each batch appends one line to the journal, naming only the records it
 * touched, and fdatasyncs it, so a write costs the size of the change, not of the data. When
 * the journal outgrows the snapshot, a compaction writes a new snapshot in the background.
 *
 * Note: lowdb still reads the snapshot (its TextFile), and DurableJsonFile is still a lowdb
 * adapter; the in-memory holder and the journal are ours, because lowdb only writes whole
 * files, and a whole-file write per change costs the whole data (seconds at 100,000
 * connections, see docs/performance.md).
 *
 * One process at a time: `init` takes a lock on DATA_DIR and throws
 * HaloConnectError(StoreLocked) while another live process holds it.
 *
 * Note: reads answer from memory and may see a change whose write is still in flight.
 */
export class FileStore implements SnapshotStore {
  readonly kind = 'file' as const;
  readonly dataDir: string;
  readonly #core: FileStoreCore;
  readonly #reminders = new FileReminders();
  /** Connection ids by when re-verification is due for them; see reverifyFrom. */
  readonly #reverify = new DueIndex();
  readonly #auditIds = new Set<string>();
  #nextPruneAt = 0;
  readonly #claims = new Map<string, number>();

  constructor(options: FileStoreOptions) {
    this.#core = new FileStoreCore(options, (data) => this.#loaded(data));
    this.dataDir = this.#core.dataDir;
  }

  /** The snapshot's path. */
  get path(): string {
    return this.#core.files.snapshot.path;
  }

  /** The journal's path. */
  get journalPath(): string {
    return this.#core.files.journal.path;
  }

  init(): Promise<void> {
    return this.#core.init();
  }

  /** Waits for queued writes and a running compaction (one not yet started is skipped). */
  close(): Promise<void> {
    return this.#core.close();
  }

  ping(): Promise<void> {
    return this.#core.ping();
  }

  /** Waits for the writes queued so far and a compaction they started. */
  idle(): Promise<void> {
    return this.#core.idle();
  }

  async getConnection(id: string): Promise<ConnectionRecord | undefined> {
    return clone(this.#data().connections[id]);
  }

  putConnection(record: ConnectionRecord, expectedVersion?: number): Promise<ConnectionRecord> {
    return this.#mutate((data, tx) => {
      const found = data.connections[record.id]?.version;
      if (expectedVersion !== undefined && (found ?? 0) !== expectedVersion) {
        throw conflict(record.id, expectedVersion, found);
      }
      const stored = { ...structuredClone(record), version: (found ?? 0) + 1 };
      data.connections[record.id] = stored;
      this.#reverify.set(record.id, reverifyFrom(stored));
      tx.changed({ op: 'put', kind: 'connections', key: record.id, value: stored });
      return structuredClone(stored);
    });
  }

  deleteConnection(id: string): Promise<boolean> {
    return this.#mutate((data, tx) => {
      if (!(id in data.connections)) return false;
      delete data.connections[id];
      this.#reverify.delete(id);
      tx.changed({ op: 'delete', kind: 'connections', key: id });
      return true;
    });
  }

  async listConnections(): Promise<ConnectionRecord[]> {
    return sortedValues(this.#data().connections, (record) => record.id);
  }

  /** Reads the index, not every connection: at 100,000 a full scan blocks for 50 ms or more. */
  async listConnectionsToReverify(verifiedBefore: Date): Promise<ConnectionRecord[]> {
    const { connections } = this.#data();
    const ids = [...this.#reverify.dueBy(verifiedBefore.getTime())].sort();
    return ids.map((id) => structuredClone(connections[id]!));
  }

  async countConnections(): Promise<number> {
    return Object.keys(this.#data().connections).length;
  }

  /** Appends the event; an event whose id is already recorded is not added twice. */
  appendAudit(event: AuditEvent): Promise<void> {
    return this.#mutate((data, tx) => {
      if (this.#auditIds.has(event.id)) return;
      const stored = structuredClone(event);
      data.audit.push(stored);
      this.#auditIds.add(event.id);
      tx.changed({ op: 'audit', event: stored });
    });
  }

  async listAudit(filter: {
    platform?: Platform;
    workspaceId?: string;
    limit?: number;
  }): Promise<AuditEvent[]> {
    const matches = this.#data()
      .audit.map((event, order) => ({ event, order, at: Date.parse(event.at) }))
      .filter(({ event }) => filter.platform === undefined || event.platform === filter.platform)
      .filter(
        ({ event }) => filter.workspaceId === undefined || event.workspaceId === filter.workspaceId,
      );
    matches.sort((a, b) => b.at - a.at || b.order - a.order);
    return matches
      .slice(0, filter.limit ?? matches.length)
      .map(({ event }) => structuredClone(event));
  }

  async getGuideProgress(key: string): Promise<GuideProgress | undefined> {
    return clone(this.#data().guideProgress[key]);
  }

  setGuideProgress(progress: GuideProgress): Promise<void> {
    return this.#mutate((data, tx) => {
      const stored = structuredClone(progress);
      data.guideProgress[progress.key] = stored;
      tx.changed({ op: 'put', kind: 'guideProgress', key: progress.key, value: stored });
    });
  }

  addReminder(reminder: ReminderRecord): Promise<boolean> {
    return this.#mutate((data, tx) => this.#reminders.add(data, tx, reminder));
  }

  claimDueReminders(
    now: Date,
    owner: string,
    leaseMs: number,
    limit: number,
  ): Promise<ReminderRecord[]> {
    return this.#mutate((data, tx) =>
      this.#reminders.claimDue(data, tx, now, owner, leaseMs, limit),
    );
  }

  updateReminder(
    key: Pick<ReminderRecord, 'connectionId' | 'cycle' | 'stage'>,
    owner: string,
    patch: Partial<Omit<ReminderRecord, 'connectionId' | 'cycle' | 'stage'>>,
  ): Promise<boolean> {
    return this.#mutate((data, tx) => this.#reminders.update(data, tx, key, owner, patch));
  }

  async listReminders(connectionId: string): Promise<ReminderRecord[]> {
    return this.#reminders.list(this.#data(), connectionId);
  }

  deleteReminders(connectionId: string): Promise<void> {
    return this.#mutate((data, tx) => {
      this.#reminders.deleteAll(data, tx, connectionId);
    });
  }

  /**
   * Note: the file store keeps idempotency keys in memory, not on disk. It serves one
   * process, and a key only guards against a platform redelivering a request within minutes;
   * a durable write per acknowledgement would put an fsync on Slack's 3-second path.
   */
  async claimOnce(key: string, ttlMs: number, now: Date): Promise<boolean> {
    const nowMs = now.getTime();
    if (nowMs >= this.#nextPruneAt) this.#pruneClaims(nowMs);
    const expiresAt = this.#claims.get(key);
    if (expiresAt !== undefined && expiresAt > nowMs) return false;
    this.#claims.set(key, nowMs + ttlMs);
    return true;
  }

  putSlackInstallation(record: SlackInstallationRecord): Promise<void> {
    return this.#mutate((data, tx) => {
      const stored = structuredClone(record);
      data.slackInstallations[record.id] = stored;
      tx.changed({ op: 'put', kind: 'slackInstallations', key: record.id, value: stored });
    });
  }

  async getSlackInstallation(id: string): Promise<SlackInstallationRecord | undefined> {
    return clone(this.#data().slackInstallations[id]);
  }

  deleteSlackInstallation(id: string): Promise<void> {
    return this.#mutate((data, tx) => {
      if (!(id in data.slackInstallations)) return;
      delete data.slackInstallations[id];
      tx.changed({ op: 'delete', kind: 'slackInstallations', key: id });
    });
  }

  async listSlackInstallations(): Promise<SlackInstallationRecord[]> {
    return sortedValues(this.#data().slackInstallations, (record) => record.id);
  }

  putConversationRef(record: ConversationRefRecord): Promise<void> {
    return this.#mutate((data, tx) => {
      const stored = structuredClone(record);
      data.conversationRefs[record.id] = stored;
      tx.changed({ op: 'put', kind: 'conversationRefs', key: record.id, value: stored });
    });
  }

  async getConversationRef(id: string): Promise<ConversationRefRecord | undefined> {
    return clone(this.#data().conversationRefs[id]);
  }

  async listConversationRefs(tenantId: string): Promise<ConversationRefRecord[]> {
    const all = sortedValues(this.#data().conversationRefs, (record) => record.id);
    return all.filter((record) => record.tenantId === tenantId);
  }

  async isEmpty(): Promise<boolean> {
    const data = this.#data();
    const dicts = [
      data.connections,
      data.guideProgress,
      data.reminders,
      data.slackInstallations,
      data.conversationRefs,
    ];
    return data.audit.length === 0 && dicts.every((d) => Object.keys(d).length === 0);
  }

  async exportSnapshot(): Promise<StoreSnapshot> {
    const data = this.#data();
    return structuredClone({
      connections: Object.values(data.connections),
      audit: data.audit,
      guideProgress: Object.values(data.guideProgress),
      reminders: Object.values(data.reminders).flatMap((slots) => Object.values(slots)),
      slackInstallations: Object.values(data.slackInstallations),
      conversationRefs: Object.values(data.conversationRefs),
    });
  }

  /** Applies the snapshot, then writes the data whole, as a compaction: no giant journal line. */
  importSnapshot(snapshot: StoreSnapshot): Promise<void> {
    return this.#mutate((data, tx) => {
      const copy = structuredClone(snapshot);
      for (const record of copy.connections) {
        data.connections[record.id] = record;
        this.#reverify.set(record.id, reverifyFrom(record));
      }
      for (const event of copy.audit) {
        if (this.#auditIds.has(event.id)) continue;
        data.audit.push(event);
        this.#auditIds.add(event.id);
      }
      for (const progress of copy.guideProgress) data.guideProgress[progress.key] = progress;
      for (const reminder of copy.reminders) this.#reminders.put(data, reminder);
      for (const record of copy.slackInstallations) data.slackInstallations[record.id] = record;
      for (const record of copy.conversationRefs) data.conversationRefs[record.id] = record;
      tx.changedAll();
    });
  }

  /** Rebuilds what the store derives from the data, each time it is (re)loaded. */
  #loaded(data: FileData): void {
    this.#reminders.load(data);
    this.#reverify.clear();
    for (const record of Object.values(data.connections)) {
      this.#reverify.set(record.id, reverifyFrom(record));
    }
    this.#auditIds.clear();
    for (const event of data.audit) this.#auditIds.add(event.id);
  }

  #data(): FileData {
    return this.#core.data();
  }

  #mutate<R>(apply: (data: FileData, tx: FileTx) => R): Promise<R> {
    return this.#core.mutate(apply);
  }

  #pruneClaims(nowMs: number): void {
    for (const [key, expiresAt] of this.#claims) {
      if (expiresAt <= nowMs) this.#claims.delete(key);
    }
    this.#nextPruneAt = nowMs + PRUNE_EVERY_MS;
  }
}

function clone<T>(value: T | undefined): T | undefined {
  return value === undefined ? undefined : structuredClone(value);
}

function sortedValues<T>(records: Record<string, T>, id: (record: T) => string): T[] {
  return Object.values(records)
    .sort((a, b) => (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0))
    .map((record) => structuredClone(record));
}

/**
 * When a connection becomes due for re-verification, as a time its last verification must be
 * at or before: its last verification time, or at once (-Infinity) when it was never verified
 * or its time does not parse, or while it still holds a retiring client id to check.
 */
function reverifyFrom(record: ConnectionRecord): number {
  if (record.retiring !== undefined || record.lastVerifiedAt === undefined) return -Infinity;
  const at = Date.parse(record.lastVerifiedAt);
  return Number.isNaN(at) ? -Infinity : at;
}

function conflict(id: string, expected: number, found: number | undefined): HaloConnectError {
  return new HaloConnectError(
    ErrorCode.Conflict,
    `connection ${id} changed meanwhile (expected version ${expected}, found ` +
      `${found ?? 'none'}); read it again and retry`,
  );
}
