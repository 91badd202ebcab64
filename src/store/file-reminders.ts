import type { ReminderRecord } from '../core/store.js';
import { DueIndex } from './due-index.js';
import { dict, reminderSlot, type FileData } from './file-data.js';
import type { FileOp } from './file-ops.js';
import type { Tx } from './group-commit-queue.js';

type ReminderKey = Pick<ReminderRecord, 'connectionId' | 'cycle' | 'stage'>;
type ReminderPatch = Partial<Omit<ReminderRecord, 'connectionId' | 'cycle' | 'stage'>>;
type FileTx = Tx<FileOp>;

/**
 * The file store's reminders: kept per connection in the data, plus an in-memory index by
 * due time of those still open (`pending` or `claimed`), so claiming reads only what is due.
 * Every method changes `data` in place, records each change on `tx`, and returns whether it
 * changed anything.
 *
 * Note: reminders are changed in place, after their op was recorded; that is sound because a
 * batch's ops are serialised when the batch is written, after every change of the batch.
 */
export class FileReminders {
  readonly #index = new DueIndex();

  /** Rebuilds the index from the data, after it was (re)loaded. */
  load(data: FileData): void {
    this.#index.clear();
    for (const slots of Object.values(data.reminders)) {
      for (const reminder of Object.values(slots)) this.#reindex(reminder);
    }
  }

  add(data: FileData, tx: FileTx, reminder: ReminderRecord): boolean {
    const slots = (data.reminders[reminder.connectionId] ??= dict());
    const slot = reminderSlot(reminder.cycle, reminder.stage);
    if (slot in slots) return false;
    const stored = structuredClone(reminder);
    slots[slot] = stored;
    this.#reindex(stored);
    tx.changed({ op: 'reminder', value: stored });
    return true;
  }

  /** Claims open reminders due by `now`, earliest first; see Store.claimDueReminders. */
  claimDue(
    data: FileData,
    tx: FileTx,
    now: Date,
    owner: string,
    leaseMs: number,
    limit: number,
  ): ReminderRecord[] {
    const claimed: ReminderRecord[] = [];
    const nowMs = now.getTime();
    const leaseUntil = new Date(nowMs + leaseMs).toISOString();
    for (const key of this.#index.dueBy(nowMs)) {
      if (claimed.length >= limit) break;
      const reminder = find(data, JSON.parse(key) as [string, string, string]);
      if (reminder === undefined || !isClaimable(reminder, nowMs)) continue;
      // The status stays open and dueAt is unchanged, so the index needs no update.
      Object.assign(reminder, { status: 'claimed', claimedBy: owner, leaseUntil });
      tx.changed({ op: 'reminder', value: reminder });
      claimed.push(structuredClone(reminder));
    }
    return claimed;
  }

  update(
    data: FileData,
    tx: FileTx,
    key: ReminderKey,
    owner: string,
    patch: ReminderPatch,
  ): boolean {
    const reminder = find(data, [key.connectionId, key.cycle, key.stage]);
    if (reminder === undefined || reminder.claimedBy !== owner) return false;
    for (const [field, value] of Object.entries(patch)) {
      if (value === undefined) delete reminder[field as keyof ReminderPatch];
      else Object.assign(reminder, { [field]: value });
    }
    this.#reindex(reminder);
    tx.changed({ op: 'reminder', value: reminder });
    return true;
  }

  list(data: FileData, connectionId: string): ReminderRecord[] {
    const slots = data.reminders[connectionId];
    if (slots === undefined) return [];
    return Object.values(slots)
      .sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt) || compare(a.stage, b.stage))
      .map((reminder) => structuredClone(reminder));
  }

  deleteAll(data: FileData, tx: FileTx, connectionId: string): boolean {
    const slots = data.reminders[connectionId];
    if (slots === undefined) return false;
    for (const reminder of Object.values(slots)) this.#index.delete(indexKey(reminder));
    delete data.reminders[connectionId];
    tx.changed({ op: 'deleteReminders', connectionId });
    return true;
  }

  /** Replaces or adds a reminder whole, as an import does (which writes the data whole). */
  put(data: FileData, reminder: ReminderRecord): void {
    const slots = (data.reminders[reminder.connectionId] ??= dict());
    const stored = structuredClone(reminder);
    slots[reminderSlot(reminder.cycle, reminder.stage)] = stored;
    this.#reindex(stored);
  }

  #reindex(reminder: ReminderRecord): void {
    const key = indexKey(reminder);
    if (reminder.status === 'pending' || reminder.status === 'claimed') {
      this.#index.set(key, Date.parse(reminder.dueAt));
    } else {
      this.#index.delete(key);
    }
  }
}

function isClaimable(reminder: ReminderRecord, nowMs: number): boolean {
  if (reminder.status === 'pending') return true;
  if (reminder.status !== 'claimed') return false;
  return reminder.leaseUntil === undefined || Date.parse(reminder.leaseUntil) < nowMs;
}

function find(data: FileData, [connectionId, cycle, stage]: [string, string, string]) {
  return data.reminders[connectionId]?.[reminderSlot(cycle, stage)];
}

function indexKey(reminder: ReminderKey): string {
  return JSON.stringify([reminder.connectionId, reminder.cycle, reminder.stage]);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
