import { randomUUID } from 'node:crypto';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import type { Message } from './message.js';
import type { Notifier } from './notifier.js';
import type { Platform } from './platform.js';
import {
  recoveryMessage,
  reminderMessage,
  oldClientCheckMessage,
  reverifyAlertMessage,
  snoozedMessage,
  snoozeRefusedMessage,
} from './reminder-messages.js';
import { auditEvent } from './audit-event.js';
import { ReminderOutbox, type Outcome } from './reminder-outbox.js';
import {
  parseHealthStage,
  parseRetiredStage,
  Reverifier,
  type ReverifyResult,
} from './reverifier.js';
import {
  firstStage,
  firstStageAfter,
  latestStageAt,
  snoozeEndOf,
  snoozeStageName,
  snoozeUntil,
  stageNamed,
  stageUrgency,
  urgencyAt,
  type ReminderSchedule,
  type Stage,
  type Urgency,
} from './rotation-policy.js';
import type { AuditEvent, ConnectionRecord, ReminderRecord, Store } from './store.js';
import type { Vault } from './vault.js';
import type { HaloVerifier } from './verifier-types.js';

export interface SchedulerOptions {
  store: Store;
  notifiers: Partial<Record<Platform, Notifier>>;
  verifier: HaloVerifier;
  vault: Vault;
  clock: Clock;
  logger: Logger;
  /** ROTATION_PERIOD, for the wording ("your 90-day rotation policy"). */
  rotationPeriodMs: number;
  /** REMINDER_LEAD_TIMES. */
  leadTimesMs: readonly number[];
  /** REMINDER_OVERDUE_EVERY. */
  overdueEveryMs: number;
  /** SCHEDULER_INTERVAL: how often due reminders are looked for. */
  intervalMs: number;
  /** REVERIFY_EVERY. */
  reverifyEveryMs: number;
  /** ADMIN_USER_IDS: mentioned in reminders and alerts with the person who connected. */
  adminUserIds: readonly string[];
  /** This process's claim owner; random per process by default. */
  owner?: string;
  /** How long a claim holds before another replica may take the reminder over. */
  leaseMs?: number;
  /** Reminders claimed at once. */
  batchSize?: number;
  /** Delivery attempts before a reminder is given up as failed (default 5). */
  maxAttempts?: number;
  /** How often the timer loop runs a re-verification pass; default min(REVERIFY_EVERY, 1 h). */
  reverifyScanEveryMs?: number;
}

/** What one reminder pass did. */
export interface RunResult {
  sent: number;
  skipped: number;
  failed: number;
  /** Released for a later attempt after a rate limit or a transient failure. */
  retried: number;
}

export type SnoozeResult =
  { ok: true; until: Date; message: Message } | { ok: false; message: Message };

/** Send with this wording, or skip (and plan `instead`, when given). */
type Decision = { send: Urgency } | { skip: string; instead?: Stage };

const HOUR_MS = 3_600_000;
const DEFAULT_LEASE_MS = 10 * 60_000;
/** Claim rounds per pass: a catch-up stage added in one round is sent in the next. */
/** Connections whose reminders are processed at the same time within one pass. */
const PASS_CONCURRENCY = 8;
const MAX_ROUNDS = 10;

/**
 * Sends the rotation reminders and health notices, and re-verifies stored credentials.
 *
 * Every reminder is a row keyed by (connection, cycle, stage), so a stage of a cycle exists
 * once. A pass claims due rows with a lease, records the attempt, posts, and records the
 * result straight after; a replica that dies mid-pass leaves a lease that expires, and
 * another replica takes the row over. The next stage is planned before anything is posted,
 * so the chain of stages survives a crash at any point.
 *
 * Note: if a process dies between the platform accepting a post and the store recording it,
 * the stage is posted again once the lease expires; reminders are never lost, and doubled
 * only in that window.
 */
export class Scheduler {
  readonly owner: string;
  readonly #o: SchedulerOptions;
  readonly #log: Logger;
  readonly #schedule: ReminderSchedule;
  readonly #reverifier: Reverifier;
  readonly #outbox: ReminderOutbox;
  readonly #leaseMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;
  #nextScanAt = 0;

  constructor(options: SchedulerOptions) {
    this.#o = options;
    this.owner = options.owner ?? randomUUID();
    this.#log = options.logger.child({ subsystem: 'scheduler' });
    this.#schedule = { leadTimesMs: options.leadTimesMs, overdueEveryMs: options.overdueEveryMs };
    this.#leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.#reverifier = new Reverifier({ ...options, logger: this.#log });
    this.#outbox = new ReminderOutbox({
      ...options,
      logger: this.#log,
      owner: this.owner,
      leaseMs: this.#leaseMs,
    });
  }

  /**
   * Plans the first stage of the cycle a connect or rotation just started. Call it from
   * ConnectionService's `onStored`. Rows of earlier cycles stay and are skipped when claimed.
   *
   * Never throws: the credentials are stored by then, so a failed write is logged and the
   * next re-verification pass plans the cycle instead.
   */
  async planCycle(record: ConnectionRecord): Promise<void> {
    const stage = firstStage(record, this.#schedule);
    try {
      await this.#plan(record, stage);
    } catch (err) {
      this.#log.warn({ err, connectionId: record.id }, 'rotation reminders not planned yet');
      return;
    }
    this.#log.info(
      { connectionId: record.id, cycle: record.rotatedAt, stage: stage.name, at: stage.at },
      'rotation reminders planned',
    );
  }

  /** Claims and delivers every due reminder. Safe to run on several replicas at once. */
  async runOnce(): Promise<RunResult> {
    const result: RunResult = { sent: 0, skipped: 0, failed: 0, retried: 0 };
    const batchSize = this.#o.batchSize ?? 50;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const now = this.#o.clock.now();
      const batch = await this.#o.store.claimDueReminders(
        now,
        this.owner,
        this.#leaseMs,
        batchSize,
      );
      await this.#processBatch(batch, result);
      if (batch.length === 0) break;
    }
    return result;
  }

  /**
   * Re-verifies every connection whose last verification is older than REVERIFY_EVERY, and
   * re-plans any connection whose current cycle has no pending reminder (a connection stored
   * before the scheduler ran, or a planning write that failed).
   *
   * Note: it reads only the connections due for re-verification (and those with a retiring
   * client id), so a connection without a planned reminder is re-planned at the latest one
   * REVERIFY_EVERY after its last verification, not at once; the first reminder is weeks away.
   */
  async reverifyOnce(): Promise<ReverifyResult> {
    const verifiedBefore = new Date(this.#o.clock.now().getTime() - this.#o.reverifyEveryMs);
    const records = await this.#o.store.listConnectionsToReverify(verifiedBefore);
    for (const record of records) await this.#reconcile(record);
    return this.#reverifier.run(records);
  }

  /**
   * Snoozes the current cycle's reminders for 1 or 3 days, never past the due date. `cycle` is
   * the one the clicked reminder belongs to; a click on a reminder of an earlier cycle is
   * refused. The snooze is a stage of its own (`snooze:<until>`): reminder stages before its
   * end are skipped, and of two snoozes only the one ending later is sent.
   */
  async snooze(
    record: ConnectionRecord,
    actorUserId: string,
    days: number,
    cycle: string = record.rotatedAt,
  ): Promise<SnoozeResult> {
    if (cycle !== record.rotatedAt) {
      return {
        ok: false,
        message: snoozeRefusedMessage(
          'This reminder is about an earlier secret. It was rotated since: nothing to snooze.',
        ),
      };
    }
    const now = this.#o.clock.now();
    const decision = snoozeUntil(now, days, new Date(record.rotationDueAt));
    if (!decision.ok) {
      await this.#audit(record, actorUserId, 'denied', decision.reason);
      return { ok: false, message: snoozeRefusedMessage(decision.message) };
    }
    await this.#o.store.addReminder({
      connectionId: record.id,
      cycle: record.rotatedAt,
      stage: snoozeStageName(decision.until),
      dueAt: decision.until.toISOString(),
      status: 'pending',
      attempts: 0,
    });
    await this.#audit(record, actorUserId, 'ok', `${days}d`);
    this.#log.info(
      { connectionId: record.id, userId: actorUserId, until: decision.until },
      'rotation reminder snoozed',
    );
    return {
      ok: true,
      until: decision.until,
      message: snoozedMessage(decision.until, decision.clamped),
    };
  }

  /**
   * Starts the timer loop: a pass now (catching up after downtime), then one every
   * SCHEDULER_INTERVAL after the previous pass ends. The timer does not hold the process open.
   */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#tick();
  }

  /** Stops the loop and waits for a running pass to finish. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  #tick(): void {
    this.#running = this.#pass().finally(() => {
      this.#running = undefined;
      if (this.#stopped) return;
      this.#timer = setTimeout(() => this.#tick(), this.#o.intervalMs);
      this.#timer.unref();
    });
  }

  async #pass(): Promise<void> {
    const now = this.#o.clock.now().getTime();
    if (now >= this.#nextScanAt) {
      const scanEvery =
        this.#o.reverifyScanEveryMs ??
        Math.min(this.#o.reverifyEveryMs, Math.max(this.#o.intervalMs, HOUR_MS));
      this.#nextScanAt = now + scanEvery;
      await this.reverifyOnce().catch((err: unknown) => {
        this.#log.error({ err }, 're-verification pass failed');
      });
    }
    await this.runOnce().catch((err: unknown) => {
      this.#log.error({ err }, 'reminder pass failed');
    });
  }

  /**
   * Processes a claimed batch: the reminders of one connection in due order, different
   * connections side by side (at most PASS_CONCURRENCY at once). Besides not making one slow
   * channel hold up the rest, this lets the file store commit the writes of several
   * reminders in one rewrite.
   */
  async #processBatch(batch: readonly ReminderRecord[], result: RunResult): Promise<void> {
    const groups = new Map<string, ReminderRecord[]>();
    for (const reminder of batch) {
      const group = groups.get(reminder.connectionId);
      if (group) group.push(reminder);
      else groups.set(reminder.connectionId, [reminder]);
    }
    const queue = [...groups.values()];
    const worker = async () => {
      for (let group = queue.shift(); group; group = queue.shift()) {
        for (const reminder of group) {
          const outcome = await this.#processSafely(reminder);
          if (outcome !== 'lost') result[outcome] += 1;
        }
      }
    };
    const workers = Math.min(PASS_CONCURRENCY, queue.length);
    await Promise.all(Array.from({ length: workers }, worker));
  }

  async #processSafely(reminder: ReminderRecord): Promise<Outcome> {
    try {
      return await this.#process(reminder);
    } catch (err) {
      this.#log.error(
        { err, connectionId: reminder.connectionId, stage: reminder.stage },
        'reminder could not be processed',
      );
      return this.#outbox.release(reminder, reminder.attempts + 1, 'internal error', undefined);
    }
  }

  async #process(reminder: ReminderRecord): Promise<Outcome> {
    const record = await this.#o.store.getConnection(reminder.connectionId);
    if (!record) return this.#outbox.skip(reminder, 'connection removed');
    if (record.rotatedAt !== reminder.cycle) {
      return this.#outbox.skip(reminder, 'secret rotated since');
    }
    const cycleRows = (await this.#o.store.listReminders(record.id)).filter(
      (row) => row.cycle === reminder.cycle,
    );
    const health = parseHealthStage(reminder.stage);
    if (health) return this.#processHealth(reminder, record, cycleRows, health);
    const retired = parseRetiredStage(reminder.stage);
    if (retired) {
      const message = oldClientCheckMessage(retired, true);
      return this.#outbox.deliver(reminder, record, { message, mentions: [record.rotatedBy] });
    }
    return this.#processRotation(reminder, record, cycleRows);
  }

  async #processRotation(
    reminder: ReminderRecord,
    record: ConnectionRecord,
    cycleRows: readonly ReminderRecord[],
  ): Promise<Outcome> {
    const now = this.#o.clock.now();
    // Plan ahead before posting anything: a crash below never ends the chain.
    await this.#plan(record, firstStageAfter(record, this.#schedule, now));
    const latest = latestStageAt(record, this.#schedule, now);
    const snoozeEnd = snoozeEndOf(reminder.stage);
    const decision = snoozeEnd
      ? this.#judgeSnooze(record, snoozeEnd, latest, cycleRows, now)
      : this.#judgeStage(record, reminder.stage, latest, cycleRows);
    if ('skip' in decision) {
      // Downtime or a late retry: the latest stage due now goes out instead, once.
      if (decision.instead) await this.#plan(record, decision.instead);
      return this.#outbox.skip(reminder, decision.skip);
    }
    const built = reminderMessage(record, {
      urgency: decision.send,
      now,
      rotationPeriodMs: this.#o.rotationPeriodMs,
      adminUserIds: this.#o.adminUserIds,
    });
    return this.#outbox.deliver(reminder, record, built);
  }

  /** A regular stage goes out if it is the latest one due and no snooze covers it. */
  #judgeStage(
    record: ConnectionRecord,
    name: string,
    latest: Stage | undefined,
    cycleRows: readonly ReminderRecord[],
  ): Decision {
    const stage = stageNamed(record, this.#schedule, name);
    if (!stage || stage.name !== latest?.name) {
      return { skip: `superseded by ${latest?.name ?? 'the schedule'}`, instead: latest };
    }
    const snoozedPast = cycleRows.some(
      (row) => (snoozeEndOf(row.stage)?.getTime() ?? -Infinity) >= stage.at.getTime(),
    );
    if (stage.kind === 'lead' && snoozedPast) return { skip: 'snoozed' };
    return { send: stageUrgency(stage, new Date(record.rotationDueAt)) };
  }

  /**
   * A snooze goes out unless the due date or a later stage has come since (they speak for
   * it), or a snooze ending later replaces it.
   */
  #judgeSnooze(
    record: ConnectionRecord,
    end: Date,
    latest: Stage | undefined,
    cycleRows: readonly ReminderRecord[],
    now: Date,
  ): Decision {
    const due = new Date(record.rotationDueAt);
    if (end.getTime() >= due.getTime()) {
      return { skip: 'the due reminder covers it', instead: latest };
    }
    if (latest && latest.at.getTime() > end.getTime()) {
      return { skip: `${latest.name} came due since`, instead: latest };
    }
    if (cycleRows.some((row) => (snoozeEndOf(row.stage)?.getTime() ?? 0) > end.getTime())) {
      return { skip: 'a later snooze replaces it' };
    }
    return { send: urgencyAt(now, due) };
  }

  async #processHealth(
    reminder: ReminderRecord,
    record: ConnectionRecord,
    cycleRows: readonly ReminderRecord[],
    notice: { health: ConnectionRecord['health']; at: string },
  ): Promise<Outcome> {
    if (record.health !== notice.health || !record.lastReport) {
      return this.#outbox.skip(reminder, 'health changed since');
    }
    const newer = cycleRows.some((row) => (parseHealthStage(row.stage)?.at ?? '') > notice.at);
    if (newer) return this.#outbox.skip(reminder, 'a newer health notice replaces it');
    const built =
      notice.health === 'failing'
        ? reverifyAlertMessage(record, record.lastReport, this.#o.adminUserIds)
        : recoveryMessage(record, record.lastReport, this.#o.adminUserIds);
    return this.#outbox.deliver(reminder, record, built);
  }

  /** Makes sure the current cycle has a reminder ahead; adds the due one if none was planned. */
  async #reconcile(record: ConnectionRecord): Promise<void> {
    const rows = (await this.#o.store.listReminders(record.id)).filter(
      (row) =>
        row.cycle === record.rotatedAt &&
        !parseHealthStage(row.stage) &&
        !parseRetiredStage(row.stage),
    );
    if (rows.some((row) => row.status === 'pending' || row.status === 'claimed')) return;
    const now = this.#o.clock.now();
    const latest = latestStageAt(record, this.#schedule, now);
    if (latest && !rows.some((row) => row.stage === latest.name)) await this.#plan(record, latest);
    await this.#plan(record, firstStageAfter(record, this.#schedule, now));
  }

  async #plan(record: ConnectionRecord, stage: Stage): Promise<boolean> {
    return this.#o.store.addReminder({
      connectionId: record.id,
      cycle: record.rotatedAt,
      stage: stage.name,
      dueAt: stage.at.toISOString(),
      status: 'pending',
      attempts: 0,
    });
  }

  async #audit(
    record: ConnectionRecord,
    actor: string,
    outcome: AuditEvent['outcome'],
    detail: string,
  ): Promise<void> {
    await this.#o.store.appendAudit(
      auditEvent(record, this.#o.clock.now(), { actor, action: 'snooze', outcome, detail }),
    );
  }
}
