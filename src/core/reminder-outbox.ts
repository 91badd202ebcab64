import { auditEvent } from './audit-event.js';
import type { Clock } from './clock.js';
import { ErrorCode, HaloConnectError } from './errors.js';
import type { Logger } from './logger.js';
import type { DeliveryResult, Notifier } from './notifier.js';
import type { Address, Platform } from './platform.js';
import {
  addressDisabledMessage,
  type AddressLoss,
  type MentioningMessage,
} from './reminder-messages.js';
import type { AuditEvent, ConnectionRecord, ReminderRecord, Store } from './store.js';

export interface ReminderOutboxOptions {
  store: Store;
  notifiers: Partial<Record<Platform, Notifier>>;
  clock: Clock;
  /** Already a `scheduler` child. */
  logger: Logger;
  /** The claim owner: only rows this owner holds are changed. */
  owner: string;
  leaseMs: number;
  /** Delivery attempts before a reminder is given up as failed (default 5). */
  maxAttempts?: number;
}

/** What became of one claimed reminder; `lost` when another owner took the claim over. */
export type Outcome = 'sent' | 'skipped' | 'failed' | 'retried' | 'lost';

type ReminderPatch = Partial<Omit<ReminderRecord, 'connectionId' | 'cycle' | 'stage'>>;

const RETRY_BASE_MS = 60_000;
const RETRY_MAX_MS = 3_600_000;
const DISABLE_ATTEMPTS = 3;

/**
 * Delivers claimed reminders with outbox discipline: the attempt is recorded before the post
 * (nothing is posted once the claim was taken over), the outcome right after. A post goes to
 * the connection's channel or, without a usable one, to the person who connected. A channel
 * the bot lost is disabled once and that person told once; a rate limit or a transient
 * failure puts the reminder back with back-off, up to `maxAttempts`.
 */
export class ReminderOutbox {
  readonly #o: ReminderOutboxOptions;

  constructor(options: ReminderOutboxOptions) {
    this.#o = options;
  }

  /** Posts `built` for the claimed `reminder` and records what happened. */
  async deliver(
    reminder: ReminderRecord,
    record: ConnectionRecord,
    built: MentioningMessage,
  ): Promise<Outcome> {
    if (!this.#o.notifiers[record.platform]) {
      return this.#fail(reminder, record, `no ${record.platform} adapter configured`);
    }
    const attempts = reminder.attempts + 1;
    const leaseUntil = new Date(this.#o.clock.now().getTime() + this.#o.leaseMs).toISOString();
    if (!(await this.#update(reminder, { status: 'claimed', attempts, leaseUntil }))) return 'lost';
    const channel = record.channel && !record.channel.disabled ? record.channel : undefined;
    const result = await this.#send(record, channel, built);
    if (result.ok) return this.#sent(reminder, record, result.ref, !channel);
    const error = `${result.reason}: ${result.detail}`;
    this.#o.logger.warn(
      {
        connectionId: record.id,
        stage: reminder.stage,
        reason: result.reason,
        detail: result.detail,
      },
      'reminder not delivered',
    );
    if (result.reason === 'gone' || result.reason === 'not_in_channel') {
      const outcome = await this.#fail(reminder, record, error);
      if (channel) await this.#loseChannel(record, result.reason);
      return outcome;
    }
    return this.release(reminder, attempts, error, result.retryAfterMs, record);
  }

  /** Marks the reminder skipped, with the reason kept in `lastError`. */
  async skip(reminder: ReminderRecord, why: string): Promise<Outcome> {
    this.#o.logger.debug(
      { connectionId: reminder.connectionId, stage: reminder.stage, why },
      'reminder skipped',
    );
    const updated = await this.#update(reminder, { status: 'skipped', lastError: why });
    return updated ? 'skipped' : 'lost';
  }

  /** Puts the reminder back for a later attempt, with back-off, or gives it up. */
  async release(
    reminder: ReminderRecord,
    attempts: number,
    error: string,
    retryAfterMs: number | undefined,
    record?: ConnectionRecord,
  ): Promise<Outcome> {
    if (attempts >= (this.#o.maxAttempts ?? 5)) {
      if (record) return this.#fail(reminder, record, error);
      const updated = await this.#update(reminder, {
        status: 'failed',
        attempts,
        lastError: error,
      });
      return updated ? 'failed' : 'lost';
    }
    const backoff = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (attempts - 1));
    const dueAt = this.#o.clock.now().getTime() + Math.max(backoff, retryAfterMs ?? 0);
    const released = await this.#update(reminder, {
      status: 'pending',
      attempts,
      dueAt: new Date(dueAt).toISOString(),
      lastError: error,
    });
    return released ? 'retried' : 'lost';
  }

  async #sent(
    reminder: ReminderRecord,
    record: ConnectionRecord,
    messageRef: string,
    direct: boolean,
  ): Promise<Outcome> {
    const sentAt = this.#o.clock.now().toISOString();
    await this.#update(reminder, { status: 'sent', sentAt, messageRef });
    await this.#audit(record, 'ok', reminder.stage);
    this.#o.logger.info(
      { connectionId: record.id, stage: reminder.stage, direct },
      'reminder sent',
    );
    return 'sent';
  }

  async #fail(reminder: ReminderRecord, record: ConnectionRecord, error: string): Promise<Outcome> {
    const updated = await this.#update(reminder, { status: 'failed', lastError: error });
    await this.#audit(record, 'failed', reminder.stage);
    return updated ? 'failed' : 'lost';
  }

  async #send(
    record: ConnectionRecord,
    channel: Address | undefined,
    built: MentioningMessage,
  ): Promise<DeliveryResult> {
    const notifier = this.#o.notifiers[record.platform];
    if (!notifier) return { ok: false, reason: 'failed', detail: 'no adapter configured' };
    try {
      return channel
        ? await notifier.post(channel, built.message, { mentions: built.mentions })
        : await notifier.direct(record, record.connectedBy, built.message);
    } catch (err) {
      this.#o.logger.error({ err, connectionId: record.id }, 'notifier threw instead of answering');
      return { ok: false, reason: 'failed', detail: 'notifier error' };
    }
  }

  /**
   * Marks the channel unusable with a version check, so that of two replicas only one does,
   * and that one tells the person who connected.
   */
  async #loseChannel(record: ConnectionRecord, loss: AddressLoss): Promise<void> {
    const disabled = await this.#disableChannel(record);
    if (!disabled) return;
    this.#o.logger.warn(
      { connectionId: record.id, channelId: record.channel?.channelId, loss },
      'reminder channel disabled',
    );
    const notice = addressDisabledMessage(disabled, loss, this.#o.clock.now());
    const dm = await this.#send(disabled, undefined, { message: notice, mentions: [] });
    if (!dm.ok) {
      this.#o.logger.warn(
        { connectionId: record.id, reason: dm.reason, detail: dm.detail },
        'could not tell the person who connected that the reminder channel was lost',
      );
    }
  }

  /** The record as stored with the channel disabled, or undefined if this call did not do it. */
  async #disableChannel(record: ConnectionRecord): Promise<ConnectionRecord | undefined> {
    const channelId = record.channel?.channelId;
    let current: ConnectionRecord | undefined = record;
    for (let attempt = 0; attempt < DISABLE_ATTEMPTS && current; attempt++) {
      const channel: Address | undefined = current.channel;
      if (!channel || channel.disabled || channel.channelId !== channelId) return undefined;
      try {
        const next = { ...current, channel: { ...channel, disabled: true } };
        return await this.#o.store.putConnection(next, current.version);
      } catch (err) {
        if (!(err instanceof HaloConnectError && err.code === ErrorCode.Conflict)) throw err;
        current = await this.#o.store.getConnection(record.id);
      }
    }
    return undefined;
  }

  async #update(reminder: ReminderRecord, patch: ReminderPatch): Promise<boolean> {
    return this.#o.store.updateReminder(reminder, this.#o.owner, patch);
  }

  async #audit(record: ConnectionRecord, outcome: AuditEvent['outcome'], stage: string) {
    const entry = { actor: 'scheduler', action: 'reminder' as const, outcome, detail: stage };
    await this.#o.store.appendAudit(auditEvent(record, this.#o.clock.now(), entry));
  }
}
