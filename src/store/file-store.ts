import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Low } from 'lowdb';
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
import { lockDataDir } from './data-dir-lock.js';
import { DurableJsonFile } from './durable-json-file.js';
import { migrateFileData, type FileData } from './file-data.js';
import { FileReminders } from './file-reminders.js';
import { GroupCommitQueue, type Tx } from './group-commit-queue.js';
import type { SnapshotStore, StoreSnapshot } from './store-snapshot.js';

/** Name of the data file inside DATA_DIR. */
export const DATA_FILE_NAME = 'halo-connect.json';

/** Expired idempotency keys are swept at most this often. */
const PRUNE_EVERY_MS = 60_000;

export interface FileStoreOptions {
  dataDir: string;
  logger: Logger;
  /**
   * Read the file without taking the lock; every write throws. Safe next to a running bot,
   * since each write replaces the file whole. For tools that only read (`keys check`, copy).
   */
  readOnly?: boolean;
  /** A lock not refreshed for this long is taken over (default 10 s, at least 2 s). */
  lockStaleMs?: number;
  /** How often the lock is refreshed (default 2 s, at least 1 s). */
  lockUpdateMs?: number;
  /** How long `init` waits for a held lock (default: stale time plus one refresh). */
  lockWaitMs?: number;
}

/**
 * The default Store: one JSON file, `DATA_DIR/halo-connect.json`, kept in memory and written
 * through lowdb. Every change goes through one {@link GroupCommitQueue}, so concurrent
 * updates are never lost, and a caller's promise resolves only after its change is on disk.
 * Each write replaces the file atomically and is fsynced ({@link DurableJsonFile}).
 *
 * One process at a time: `init` takes a lock on DATA_DIR and throws
 * HaloConnectError(StoreLocked) while another live process holds it.
 *
 * Note: reads answer from memory and may see a change whose write is still in flight.
 */
export class FileStore implements SnapshotStore {
  readonly kind = 'file' as const;
  readonly dataDir: string;
  readonly #options: FileStoreOptions;
  readonly #file: DurableJsonFile<FileData>;
  readonly #reminders = new FileReminders();
  readonly #auditIds = new Set<string>();
  readonly #logger: Logger;
  #db: Low<FileData> | undefined;
  readonly #queue: GroupCommitQueue<FileData>;
  #release: (() => Promise<void>) | undefined;
  #closed = false;
  #lost: Error | undefined;
  #nextPruneAt = 0;
  readonly #claims = new Map<string, number>();

  constructor(options: FileStoreOptions) {
    this.#options = options;
    this.dataDir = resolve(options.dataDir);
    this.#file = new DurableJsonFile(join(this.dataDir, DATA_FILE_NAME));
    this.#logger = options.logger.child({ store: 'file' });
    this.#queue = new GroupCommitQueue({
      data: () => this.#db!.data,
      write: () => this.#db!.write(),
      writeFailed: (error) => this.#writeFailed(error),
    });
  }

  /** The data file's path. */
  get path(): string {
    return this.#file.path;
  }

  async init(): Promise<void> {
    if (this.#options.readOnly) return this.#load();
    await mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    const staleMs = Math.max(this.#options.lockStaleMs ?? 10_000, 2_000);
    const updateMs = Math.min(this.#options.lockUpdateMs ?? 2_000, staleMs / 2);
    this.#release = await lockDataDir(this.dataDir, {
      staleMs,
      updateMs,
      waitMs: this.#options.lockWaitMs ?? staleMs + updateMs,
      logger: this.#logger,
      onLost: (error) => this.#markLost(error, 'the file store lost its lock on DATA_DIR'),
    });
    try {
      await this.#file.removeLeftovers();
      await this.#load();
    } catch (error) {
      await this.#releaseLock();
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue.idle();
    await this.#releaseLock();
  }

  async ping(): Promise<void> {
    this.#data();
    if (this.#lost) throw this.#lostError();
    const mode = this.#options.readOnly ? constants.R_OK : constants.W_OK;
    await access(this.dataDir, mode).catch((error: unknown) => {
      throw new HaloConnectError(ErrorCode.Store, `DATA_DIR (${this.dataDir}) is not usable`, {
        cause: error,
      });
    });
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
      tx.changed();
      return structuredClone(stored);
    });
  }

  deleteConnection(id: string): Promise<boolean> {
    return this.#mutate((data, tx) => {
      if (!(id in data.connections)) return false;
      delete data.connections[id];
      tx.changed();
      return true;
    });
  }

  async listConnections(): Promise<ConnectionRecord[]> {
    return sortedValues(this.#data().connections, (record) => record.id);
  }

  async countConnections(): Promise<number> {
    return Object.keys(this.#data().connections).length;
  }

  /** Appends the event; an event whose id is already recorded is not added twice. */
  appendAudit(event: AuditEvent): Promise<void> {
    return this.#mutate((data, tx) => {
      if (this.#auditIds.has(event.id)) return;
      data.audit.push(structuredClone(event));
      this.#auditIds.add(event.id);
      tx.changed();
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
      data.guideProgress[progress.key] = structuredClone(progress);
      tx.changed();
    });
  }

  addReminder(reminder: ReminderRecord): Promise<boolean> {
    return this.#mutate((data, tx) => changedIf(tx, this.#reminders.add(data, reminder)));
  }

  claimDueReminders(
    now: Date,
    owner: string,
    leaseMs: number,
    limit: number,
  ): Promise<ReminderRecord[]> {
    return this.#mutate((data, tx) => {
      const claimed = this.#reminders.claimDue(data, now, owner, leaseMs, limit);
      if (claimed.length > 0) tx.changed();
      return claimed;
    });
  }

  updateReminder(
    key: Pick<ReminderRecord, 'connectionId' | 'cycle' | 'stage'>,
    owner: string,
    patch: Partial<Omit<ReminderRecord, 'connectionId' | 'cycle' | 'stage'>>,
  ): Promise<boolean> {
    return this.#mutate((data, tx) =>
      changedIf(tx, this.#reminders.update(data, key, owner, patch)),
    );
  }

  async listReminders(connectionId: string): Promise<ReminderRecord[]> {
    return this.#reminders.list(this.#data(), connectionId);
  }

  deleteReminders(connectionId: string): Promise<void> {
    return this.#mutate((data, tx) => {
      changedIf(tx, this.#reminders.deleteAll(data, connectionId));
    });
  }

  /**
   * Note: the file store keeps idempotency keys in memory, not in the file. It serves one
   * process, and a key only guards against a platform redelivering a request within minutes;
   * a durable write per acknowledgement would put a whole-file rewrite on Slack's 3-second
   * path (docs/performance.md).
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
      data.slackInstallations[record.id] = structuredClone(record);
      tx.changed();
    });
  }

  async getSlackInstallation(id: string): Promise<SlackInstallationRecord | undefined> {
    return clone(this.#data().slackInstallations[id]);
  }

  deleteSlackInstallation(id: string): Promise<void> {
    return this.#mutate((data, tx) => {
      if (!(id in data.slackInstallations)) return;
      delete data.slackInstallations[id];
      tx.changed();
    });
  }

  async listSlackInstallations(): Promise<SlackInstallationRecord[]> {
    return sortedValues(this.#data().slackInstallations, (record) => record.id);
  }

  putConversationRef(record: ConversationRefRecord): Promise<void> {
    return this.#mutate((data, tx) => {
      data.conversationRefs[record.id] = structuredClone(record);
      tx.changed();
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

  importSnapshot(snapshot: StoreSnapshot): Promise<void> {
    return this.#mutate((data, tx) => {
      const copy = structuredClone(snapshot);
      for (const record of copy.connections) data.connections[record.id] = record;
      for (const event of copy.audit) {
        if (this.#auditIds.has(event.id)) continue;
        data.audit.push(event);
        this.#auditIds.add(event.id);
      }
      for (const progress of copy.guideProgress) data.guideProgress[progress.key] = progress;
      for (const reminder of copy.reminders) this.#reminders.put(data, reminder);
      for (const record of copy.slackInstallations) data.slackInstallations[record.id] = record;
      for (const record of copy.conversationRefs) data.conversationRefs[record.id] = record;
      tx.changed();
    });
  }

  async #load(): Promise<void> {
    const { data, applied } = migrateFileData(await this.#file.read(), this.#file.path);
    const db = new Low(this.#file, data);
    if (applied.length > 0 && !this.#options.readOnly) {
      await db.write();
      this.#logger.info({ path: this.#file.path, applied }, 'data file migrated');
    }
    this.#reminders.load(data);
    this.#auditIds.clear();
    for (const event of data.audit) this.#auditIds.add(event.id);
    this.#db = db;
  }

  #data(): FileData {
    if (this.#closed) throw new HaloConnectError(ErrorCode.Store, 'the file store is closed');
    if (!this.#db) throw new HaloConnectError(ErrorCode.Store, 'the file store is not open');
    return this.#db.data;
  }

  #mutate<R>(apply: (data: FileData, tx: Tx) => R): Promise<R> {
    try {
      this.#data();
      if (this.#options.readOnly) {
        throw new HaloConnectError(ErrorCode.Store, 'the file store was opened read-only');
      }
      if (this.#lost) throw this.#lostError();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#queue.run(apply);
  }

  /** Puts memory back to what the file holds, since the batch was not written. */
  async #writeFailed(error: unknown): Promise<Error> {
    this.#logger.error({ err: error, path: this.#file.path }, 'data file write failed');
    try {
      await this.#load();
    } catch (reloadError) {
      this.#markLost(reloadError as Error, 'the data file could not be read back');
    }
    return new HaloConnectError(
      ErrorCode.Store,
      `could not write ${this.#file.path}; nothing of this change was saved`,
      { cause: error },
    );
  }

  #pruneClaims(nowMs: number): void {
    for (const [key, expiresAt] of this.#claims) {
      if (expiresAt <= nowMs) this.#claims.delete(key);
    }
    this.#nextPruneAt = nowMs + PRUNE_EVERY_MS;
  }

  /** From now on every write is refused: another process may own the data. */
  #markLost(error: Error, what: string): void {
    this.#lost = error;
    this.#logger.error(
      { err: error, dataDir: this.dataDir },
      `${what}; writes are refused until halo-connect restarts`,
    );
  }

  #lostError(): HaloConnectError {
    return new HaloConnectError(
      ErrorCode.StoreLocked,
      `this process lost its lock on DATA_DIR (${this.dataDir}), or its data could not be ` +
        're-read; writes are refused to protect the data: restart halo-connect',
      { cause: this.#lost },
    );
  }

  async #releaseLock(): Promise<void> {
    const release = this.#release;
    this.#release = undefined;
    await release?.().catch((error: unknown) => {
      this.#logger.warn({ err: error }, 'could not release the DATA_DIR lock');
    });
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

function changedIf(tx: Tx, changed: boolean): boolean {
  if (changed) tx.changed();
  return changed;
}

function conflict(id: string, expected: number, found: number | undefined): HaloConnectError {
  return new HaloConnectError(
    ErrorCode.Conflict,
    `connection ${id} changed meanwhile (expected version ${expected}, found ` +
      `${found ?? 'none'}); read it again and retry`,
  );
}
