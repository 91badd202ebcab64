import type { Clock } from './clock.js';
import type { CredentialsForm, FieldProblem, HaloCredentials } from './credentials.js';
import { HaloConnectError, ErrorCode } from './errors.js';
import type { FollowUps } from './follow-ups.js';
import { normalizeCredentials } from './input.js';
import type { Logger } from './logger.js';
import type { Message } from './message.js';
import {
  channelMessage,
  deniedMessage,
  disconnectConfirmMessage,
  rateLimitedMessage,
  reportMessage,
  simple,
  statusMessage,
  verifyingMessage,
  type ChannelEvent,
  type FormMode,
  type FormState,
} from './messages.js';
import type { DeliveryResult, Notifier } from './notifier.js';
import {
  connectionIdOf,
  type Actor,
  type Address,
  type Platform,
  type WorkspaceRef,
} from './platform.js';
import { canManage } from './policy.js';
import { RateLimiter, type RateLimit } from './rate-limiter.js';
import { firstFailure, type CheckResult, type VerificationReport } from './report.js';
import type { AuditEvent, ConnectionRecord, Store } from './store.js';
import type { Vault } from './vault.js';
import { decodeSnoozeValue } from './reminder-messages.js';
import type { Scheduler } from './scheduler.js';
import type { HaloVerifier } from './verifier-types.js';
import { auditEvent } from './audit-event.js';
import { openCredentials } from './stored-credentials.js';
import { buildConnectionRecord } from './connection-record.js';
import { TokenIssuer, type TokenResult } from './token-issuer.js';
import { PendingWork } from './pending-work.js';

export interface ConnectionServiceOptions {
  store: Store;
  vault: Vault;
  verifier: HaloVerifier;
  clock: Clock;
  logger: Logger;
  notifiers: Partial<Record<Platform, Notifier>>;
  adminUserIds: readonly string[];
  rotationPeriodMs: number;
  allowPrivateNetwork: boolean;
  perWorkspaceLimit?: RateLimit;
  perUserLimit?: RateLimit;
  /** The reminder scheduler: plans a new cycle after a connect or rotation, and snoozes. */
  reminders?: Pick<Scheduler, 'planCycle' | 'snooze'>;
  /**
   * Where verification jobs start: after the platform was answered, and after a burst of
   * requests (see FollowUps). Without it a job starts at once.
   */
  followUps?: FollowUps;
}

export interface SubmitContext {
  /** Same key for a platform's redelivery of the same submission. */
  idempotencyKey: string;
  mode: FormMode;
  /** The channel where the flow started: status posts go there. */
  channel?: Address;
  /** Called with the live view as each check completes. */
  onProgress?: (message: Message) => void | Promise<void>;
  /** Told when a channel status post of this flow did not arrive (see UndeliveredHook). */
  onUndelivered?: UndeliveredHook;
}

/**
 * Told when a status post of a flow someone started did not reach its channel, so the
 * adapter can tell that person privately (for example how to invite the bot). It must not
 * throw; a failure is ignored.
 */
export type UndeliveredHook = (
  address: Address,
  result: Extract<DeliveryResult, { ok: false }>,
) => Promise<void>;

export type SubmitResult =
  | { kind: 'invalid'; problems: FieldProblem[] }
  | { kind: 'denied'; message: Message }
  | { kind: 'rate_limited'; message: Message }
  | { kind: 'not_connected'; message: Message }
  | { kind: 'duplicate' }
  | {
      kind: 'started';
      /** Show this at once ("Verifying…"). */
      message: Message;
      /** The final report view for the person; resolves after storing and posting. */
      done: Promise<Message>;
    };

export type { TokenResult } from './token-issuer.js';

const IDEMPOTENCY_TTL_MS = 15 * 60_000;

/**
 * The platform-free operations both adapters call. Every business decision lives here: who
 * may act, what is verified, what is stored, what the channel is told, what is audited.
 */
export class ConnectionService {
  readonly #o: ConnectionServiceOptions;
  readonly #log: Logger;
  readonly #workspaceLimiter: RateLimiter;
  readonly #userLimiter: RateLimiter;
  readonly #jobs = new PendingWork();
  readonly #tokens: TokenIssuer;

  constructor(options: ConnectionServiceOptions) {
    this.#o = options;
    this.#log = options.logger.child({ subsystem: 'core' });
    this.#tokens = new TokenIssuer(options.store, options.verifier, options.vault, options.clock);
    this.#workspaceLimiter = new RateLimiter(
      options.perWorkspaceLimit ?? { limit: 20, windowMs: 15 * 60_000 },
      options.clock,
    );
    this.#userLimiter = new RateLimiter(
      options.perUserLimit ?? { limit: 6, windowMs: 5 * 60_000 },
      options.clock,
    );
  }

  /** Whether the actor may connect, rotate and disconnect; a message for them if not. */
  checkManage(actor: Actor): Message | undefined {
    const decision = canManage(actor, this.#o.adminUserIds);
    return decision.allowed ? undefined : deniedMessage(decision, this.#o.adminUserIds);
  }

  mayManage(actor: Actor): boolean {
    return canManage(actor, this.#o.adminUserIds).allowed;
  }

  async getConnection(ref: WorkspaceRef): Promise<ConnectionRecord | undefined> {
    return this.#o.store.getConnection(connectionIdOf(ref));
  }

  /** Prefill for the form: non-secret fields of the stored connection, for a rotation. */
  async formState(ref: WorkspaceRef, mode: FormMode): Promise<FormState> {
    if (mode === 'connect') return { mode, prefill: {} };
    const record = await this.getConnection(ref);
    return {
      mode,
      prefill: record
        ? { authServer: record.authServer, tenant: record.tenant, clientId: record.clientId }
        : {},
    };
  }

  async status(actor: Actor): Promise<Message> {
    return statusMessage(await this.getConnection(actor), this.mayManage(actor));
  }

  /** Announces in the channel that someone started connecting. */
  async announceStart(
    actor: Actor,
    channel: Address | undefined,
    onUndelivered?: UndeliveredHook,
  ): Promise<void> {
    await this.#post(channel, { kind: 'started', userId: actor.userId }, onUndelivered);
  }

  /**
   * Checks the form fast (no network), then starts verification as a job. The platform is
   * answered with `message` at once; `done` brings the report.
   */
  async submitCredentials(
    actor: Actor,
    form: CredentialsForm,
    context: SubmitContext,
  ): Promise<SubmitResult> {
    const denied = this.checkManage(actor);
    if (denied) return { kind: 'denied', message: denied };
    const normalized = normalizeCredentials(form, {
      allowPrivateNetwork: this.#o.allowPrivateNetwork,
    });
    if (!normalized.ok) return { kind: 'invalid', problems: normalized.problems };
    const existing = await this.getConnection(actor);
    if (context.mode === 'rotate' && !existing) {
      return { kind: 'not_connected', message: this.#notConnected() };
    }
    const limited = this.#takeRate(actor);
    if (limited) return { kind: 'rate_limited', message: limited };
    if (!(await this.#claim(`submit:${context.idempotencyKey}`))) return { kind: 'duplicate' };
    const state: FormState = {
      mode: context.mode,
      prefill: { authServer: form.authServer, tenant: form.tenant, clientId: form.clientId },
    };
    const done = this.#track(
      this.#startJob(() => this.#runSubmit(actor, normalized.value, state, existing, context)),
    );
    return { kind: 'started', message: verifyingMessage([]), done };
  }

  /** Re-runs every check on the stored credentials. Any member may ask. */
  async verifyStored(actor: Actor, context: Omit<SubmitContext, 'mode'>): Promise<SubmitResult> {
    const record = await this.getConnection(actor);
    if (!record) return { kind: 'not_connected', message: this.#notConnected() };
    const limited = this.#takeRate(actor);
    if (limited) return { kind: 'rate_limited', message: limited };
    if (!(await this.#claim(`verify:${context.idempotencyKey}`))) return { kind: 'duplicate' };
    const done = this.#track(this.#startJob(() => this.#runVerifyStored(actor, record, context)));
    return { kind: 'started', message: verifyingMessage([]), done };
  }

  /** Snoozes the current cycle's next reminder by 1 or 3 days, never past the due date. */
  async snooze(actor: Actor, value: string | undefined): Promise<Message> {
    const denied = this.checkManage(actor);
    if (denied) return denied;
    const parsed = decodeSnoozeValue(value);
    const record = await this.getConnection(actor);
    if (!parsed || !record || !this.#o.reminders) return this.#notConnected();
    const result = await this.#o.reminders.snooze(record, actor.userId, parsed.days, parsed.cycle);
    return result.message;
  }

  askDisconnect(actor: Actor): Message {
    return this.checkManage(actor) ?? disconnectConfirmMessage();
  }

  /** Removes the secret and the reminders; the audit trail stays. */
  async disconnect(
    actor: Actor,
    channel: Address | undefined,
    onUndelivered?: UndeliveredHook,
  ): Promise<Message> {
    const denied = this.checkManage(actor);
    if (denied) {
      await this.#audit(actor, 'disconnect', 'denied');
      return denied;
    }
    const id = connectionIdOf(actor);
    const record = await this.#o.store.getConnection(id);
    if (!record || !(await this.#o.store.deleteConnection(id))) return this.#notConnected();
    await this.#o.store.deleteReminders(id);
    this.#tokens.forget(id);
    await this.#audit(actor, 'disconnect', 'ok');
    this.#log.info({ connectionId: id, userId: actor.userId }, 'connection removed');
    await this.#post(
      channel ?? record.channel,
      { kind: 'disconnected', userId: actor.userId },
      onUndelivered,
    );
    return simple(
      'Disconnected',
      'warning',
      'HaloPSA is disconnected and the stored credentials were removed.',
    );
  }

  /**
   * A fresh Halo access token for Cloud Depot's services, fetched with the stored
   * credentials. Cached until shortly before it expires. The secret never leaves.
   */
  issueToken(ref: WorkspaceRef): Promise<TokenResult> {
    return this.#tokens.issue(ref);
  }

  /** Waits for running verification jobs, for a clean shutdown. */
  async drain(): Promise<void> {
    await this.#jobs.idle();
  }

  /** Posts a channel event; a failed post is logged, never fatal to the flow. */
  async #post(
    channel: Address | undefined,
    event: ChannelEvent,
    onUndelivered?: UndeliveredHook,
  ): Promise<void> {
    if (!channel || channel.disabled) return;
    const notifier = this.#o.notifiers[channel.platform];
    if (!notifier) return;
    const result = await notifier.post(channel, channelMessage(event));
    if (!result.ok) {
      this.#log.warn(
        { channelId: channel.channelId, reason: result.reason, detail: result.detail },
        'channel status post failed',
      );
      await onUndelivered?.(channel, result).catch(() => undefined);
    }
  }

  async #runSubmit(
    actor: Actor,
    credentials: HaloCredentials,
    state: FormState,
    existing: ConnectionRecord | undefined,
    context: SubmitContext,
  ): Promise<Message> {
    const report = await this.#verify(credentials, context.onProgress);
    const action = state.mode === 'rotate' ? 'rotate' : 'connect';
    if (!report.ok) {
      const failing = firstFailure(report);
      this.#log.info(
        {
          userId: actor.userId,
          workspaceId: actor.workspaceId,
          check: failing?.id,
          mode: state.mode,
        },
        'credentials failed verification; nothing stored',
      );
      await this.#audit(actor, action, 'failed', failing?.id);
      await this.#post(
        context.channel,
        { kind: 'failed', userId: actor.userId, check: failing, mode: state.mode },
        context.onUndelivered,
      );
      return reportMessage(report, { ...state, prefill: { ...state.prefill } }, undefined);
    }
    const record = await this.#store(actor, credentials, report, existing, context.channel);
    // Stored: from here on the person is told so, even if the audit entry cannot be written.
    await this.#audit(actor, action, 'ok').catch((err: unknown) => {
      const facts = { err, connectionId: record.id, userId: actor.userId, action };
      this.#log.error(facts, 'credentials stored, but the audit entry could not be written');
    });
    this.#log.info(
      { connectionId: record.id, userId: actor.userId, mode: state.mode },
      state.mode === 'rotate' ? 'credentials rotated' : 'connection stored',
    );
    await this.#o.reminders?.planCycle(record);
    await this.#post(
      context.channel ?? record.channel,
      state.mode === 'rotate'
        ? { kind: 'rotated', userId: actor.userId, record }
        : { kind: 'connected', userId: actor.userId, record, report },
      context.onUndelivered,
    );
    return reportMessage(report, state, record, record.retiring?.clientId);
  }

  async #runVerifyStored(
    actor: Actor,
    record: ConnectionRecord,
    context: Omit<SubmitContext, 'mode'>,
  ): Promise<Message> {
    const report = await this.#verify(openCredentials(record, this.#o.vault), context.onProgress);
    const fresh = await this.#o.store.getConnection(record.id);
    if (fresh) {
      const updated = {
        ...fresh,
        lastVerifiedAt: report.startedAt,
        lastReport: report,
        health: report.ok ? ('ok' as const) : ('failing' as const),
      };
      await this.#o.store.putConnection(updated, fresh.version).catch((err: unknown) => {
        this.#log.warn({ err, connectionId: record.id }, 'could not record the verification');
      });
    }
    await this.#audit(actor, 'verify', report.ok ? 'ok' : 'failed', firstFailure(report)?.id);
    await this.#post(
      context.channel ?? record.channel,
      { kind: 'verified', userId: actor.userId, report },
      context.onUndelivered,
    );
    return reportMessage(
      report,
      {
        mode: 'rotate',
        prefill: {
          authServer: record.authServer,
          tenant: record.tenant,
          clientId: record.clientId,
        },
      },
      report.ok ? record : undefined,
    );
  }

  async #verify(
    credentials: HaloCredentials,
    onProgress: SubmitContext['onProgress'],
  ): Promise<VerificationReport> {
    const done: CheckResult[] = [];
    let chain = Promise.resolve();
    const report = await this.#o.verifier.verify(credentials, {
      onCheck: (check) => {
        done.push(check);
        if (!onProgress) return;
        const snapshot = verifyingMessage([...done]);
        // Progress updates go out one at a time, in order; a failed update is not fatal.
        chain = chain.then(async () => {
          try {
            await onProgress(snapshot);
          } catch (err) {
            this.#log.debug({ err }, 'progress update failed');
          }
        });
      },
    });
    await chain;
    return report;
  }

  async #store(
    actor: Actor,
    credentials: HaloCredentials,
    report: VerificationReport,
    existing: ConnectionRecord | undefined,
    channel: Address | undefined,
  ): Promise<ConnectionRecord> {
    const record = buildConnectionRecord({
      actor,
      credentials,
      report,
      existing,
      channel,
      now: this.#o.clock.now(),
      rotationPeriodMs: this.#o.rotationPeriodMs,
      vault: this.#o.vault,
    });
    const id = record.id;
    this.#tokens.forget(id);
    try {
      return await this.#o.store.putConnection(record, existing?.version ?? 0);
    } catch (err) {
      if (err instanceof HaloConnectError && err.code === ErrorCode.Conflict) {
        // Someone else stored in between: last verified write wins, both were verified.
        const current = await this.#o.store.getConnection(id);
        return this.#o.store.putConnection(
          {
            ...record,
            connectedBy: current?.connectedBy ?? record.connectedBy,
            version: current?.version ?? 0,
          },
          current?.version ?? 0,
        );
      }
      throw err;
    }
  }

  #takeRate(actor: Actor): Message | undefined {
    const user = this.#userLimiter.take(`${connectionIdOf(actor)}:${actor.userId}`);
    const workspace = user ? 0 : this.#workspaceLimiter.take(connectionIdOf(actor));
    const wait = Math.max(user, workspace);
    if (!wait) return undefined;
    this.#log.info(
      { userId: actor.userId, workspaceId: actor.workspaceId, retryMs: wait },
      'verification rate-limited',
    );
    return rateLimitedMessage(wait);
  }

  async #claim(key: string): Promise<boolean> {
    return this.#o.store.claimOnce(key, IDEMPOTENCY_TTL_MS, this.#o.clock.now());
  }

  #startJob<T>(job: () => Promise<T>): Promise<T> {
    return this.#o.followUps ? this.#o.followUps.start('normal', job) : job();
  }

  #track<T>(job: Promise<T>): Promise<T> {
    const guarded = job.catch((err: unknown) => {
      this.#log.error({ err }, 'verification job failed');
      return simple(
        'Something went wrong',
        'error',
        // Not "nothing was stored": a write can land although its answer was lost.
        'The check could not finish because of an internal error. ' +
          'Run `status` to see what is stored, then try again.',
      ) as T;
    });
    this.#jobs.add(guarded);
    return guarded;
  }

  #notConnected(): Message {
    return simple('Not connected', 'info', 'HaloPSA is not connected yet. Run `connect` to start.');
  }

  async #audit(
    actor: Actor,
    action: AuditEvent['action'],
    outcome: AuditEvent['outcome'],
    detail?: string,
  ): Promise<void> {
    const entry = { actor: actor.userId, action, outcome, detail };
    await this.#o.store.appendAudit(auditEvent(actor, this.#o.clock.now(), entry));
  }
}
