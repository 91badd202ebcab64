import { auditEvent } from './audit-event.js';
import { retiringSecretAad } from './aad.js';
import type { Clock } from './clock.js';
import type { HaloCredentials } from './credentials.js';
import { ErrorCode, HaloConnectError } from './errors.js';
import type { Logger } from './logger.js';
import { firstFailure, type VerificationReport } from './report.js';
import { Secret } from './secret.js';
import type { ConnectionRecord, Store } from './store.js';
import type { Vault } from './vault.js';
import { openCredentials } from './stored-credentials.js';
import type { HaloVerifier } from './verifier-types.js';

export interface ReverifierOptions {
  store: Store;
  verifier: HaloVerifier;
  vault: Vault;
  clock: Clock;
  /** Already a `scheduler` child. */
  logger: Logger;
  reverifyEveryMs: number;
  /** Verifications running at once in one pass. */
  concurrency?: number;
}

/** What one re-verification pass did. */
export interface ReverifyResult {
  /** Verified against Halo in this pass. */
  checked: number;
  /** Turned from passing to failing: one alert queued each. */
  failing: number;
  /** Turned from failing to passing: one recovery notice queued each. */
  recovered: number;
}

type Health = ConnectionRecord['health'];

const HEALTH_STAGE = /^health:(ok|failing):(.+)$/;
const RETIRED_STAGE = /^retired:(.+)$/;
/** How often an old application is tried, at most: a token request per hour is cheap. */
const RETIRE_CHECK_EVERY_MS = 3_600_000;
const WRITE_ATTEMPTS = 3;

/** The reminder stage that carries a health notice, e.g. `health:failing:2025-03-01T…`. */
export function healthStageName(health: Health, at: Date): string {
  return `health:${health}:${at.toISOString()}`;
}

/** The stage that announces an old client id no longer works, e.g. `retired:<client id>`. */
export function retiredStageName(clientId: string): string {
  return `retired:${clientId}`;
}

/** The client id a `retired:` stage names, or undefined for any other stage. */
export function parseRetiredStage(stage: string): string | undefined {
  return RETIRED_STAGE.exec(stage)?.[1];
}

/** The health and time a health stage names, or undefined for any other stage. */
export function parseHealthStage(stage: string): { health: Health; at: string } | undefined {
  const match = HEALTH_STAGE.exec(stage);
  return match ? { health: match[1] as Health, at: match[2]! } : undefined;
}

/**
 * Re-checks stored credentials against Halo once per REVERIFY_EVERY and records the outcome
 * on the connection. A change of health (passing to failing, or back) queues one notice as a
 * reminder stage, so it is delivered with the same once-only, retrying discipline as the
 * rotation reminders; while the health stays the same nothing is queued.
 *
 * Note: a pass lists every connection. It runs on its own, slower timer than the reminder
 * pass, and `claimOnce(reverify:<id>:<window>)` keeps two replicas from verifying the same
 * connection in the same window.
 */
export class Reverifier {
  readonly #o: ReverifierOptions;

  constructor(options: ReverifierOptions) {
    this.#o = options;
  }

  /** Whether the connection's last verification is older than REVERIFY_EVERY. */
  isDue(record: ConnectionRecord, now: Date): boolean {
    if (!record.lastVerifiedAt) return true;
    return now.getTime() - new Date(record.lastVerifiedAt).getTime() >= this.#o.reverifyEveryMs;
  }

  /** Verifies every due connection among `records`. */
  async run(records: readonly ConnectionRecord[]): Promise<ReverifyResult> {
    const result: ReverifyResult = { checked: 0, failing: 0, recovered: 0 };
    const due = records.filter((record) => this.isDue(record, this.#o.clock.now()));
    const queue = [...due];
    const worker = async () => {
      for (let record = queue.shift(); record; record = queue.shift()) {
        const change = await this.#reverify(record).catch((err: unknown) => {
          this.#o.logger.error({ err, connectionId: record?.id }, 're-verification failed');
          return undefined;
        });
        if (change === undefined) continue;
        result.checked += 1;
        if (change === 'failing') result.failing += 1;
        if (change === 'ok') result.recovered += 1;
      }
    };
    const workers = Math.max(1, Math.min(this.#o.concurrency ?? 4, due.length));
    await Promise.all(Array.from({ length: workers }, worker));
    for (const record of records.filter((r) => r.retiring)) {
      await this.#checkRetiring(record).catch((err: unknown) => {
        this.#o.logger.error({ err, connectionId: record.id }, 'old client id check failed');
      });
    }
    return result;
  }

  /**
   * After a rotation to a second application, tries the old client id once an hour. When
   * Halo refuses it (the old application was deleted), drops the old secret and queues one
   * notice. Never a write to Halo: one token request.
   */
  async #checkRetiring(record: ConnectionRecord): Promise<void> {
    const retiring = record.retiring!;
    const now = this.#o.clock.now();
    const every = Math.min(this.#o.reverifyEveryMs, RETIRE_CHECK_EVERY_MS);
    const window = Math.floor(now.getTime() / every) * every;
    const key = `retire:${record.id}:${retiring.clientId}:${window}`;
    if (!(await this.#o.store.claimOnce(key, every, now))) return;
    const outcome = await this.#o.verifier.fetchToken({
      authServer: record.authServer,
      tenant: record.tenant,
      clientId: retiring.clientId,
      clientSecret: new Secret(this.#o.vault.open(retiring.secret, retiringSecretAad(record.id))),
    });
    const refused =
      !outcome.ok && outcome.check.id === 'token' && outcome.check.retryAfterSeconds === undefined;
    if (!refused) return;
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const fresh = await this.#o.store.getConnection(record.id);
      if (fresh?.retiring?.clientId !== retiring.clientId) return;
      try {
        await this.#o.store.putConnection({ ...fresh, retiring: undefined }, fresh.version);
        break;
      } catch (err) {
        if (!(err instanceof HaloConnectError && err.code === ErrorCode.Conflict)) throw err;
      }
    }
    this.#o.logger.info(
      { connectionId: record.id, clientId: retiring.clientId },
      'old client id no longer works; its secret was dropped',
    );
    await this.#o.store.addReminder({
      connectionId: record.id,
      cycle: record.rotatedAt,
      stage: retiredStageName(retiring.clientId),
      dueAt: now.toISOString(),
      status: 'pending',
      attempts: 0,
    });
  }

  /** Verifies one connection; the new health if it changed, null if not, undefined if skipped. */
  async #reverify(record: ConnectionRecord): Promise<Health | null | undefined> {
    const now = this.#o.clock.now();
    const every = this.#o.reverifyEveryMs;
    const window = Math.floor(now.getTime() / every) * every;
    if (!(await this.#o.store.claimOnce(`reverify:${record.id}:${window}`, every, now))) {
      return undefined;
    }
    const credentials = this.#credentialsOf(record);
    if (!credentials) return undefined;
    let report = await this.#o.verifier.verify(credentials);
    if (!report.ok && record.health === 'ok') {
      // Confirm a new failure once before alerting: credentials changed in Halo during the
      // first run can make a later probe fail for a reason that names the wrong check.
      report = await this.#o.verifier.verify(credentials);
    }
    if (report.checks.some((check) => check.retryAfterSeconds !== undefined)) {
      // Halo asked us to slow down: that says nothing about the credentials.
      this.#o.logger.warn({ connectionId: record.id }, 're-verification rate-limited by Halo');
      return undefined;
    }
    const written = await this.#record(record, report, now);
    if (!written) return undefined;
    await this.#audit(written.record, report, now);
    if (written.previous === written.record.health) return null;
    await this.#queueNotice(written.record, now);
    return written.record.health;
  }

  #credentialsOf(record: ConnectionRecord): HaloCredentials | undefined {
    try {
      return openCredentials(record, this.#o.vault);
    } catch (err) {
      this.#o.logger.error(
        { err, connectionId: record.id, keyId: record.secret.kid },
        'stored client secret could not be opened for re-verification; check MASTER_KEY',
      );
      return undefined;
    }
  }

  /**
   * Writes the outcome with optimistic concurrency. Gives up (undefined) when the connection
   * was removed or its credentials replaced meanwhile: the report is about the old ones.
   */
  async #record(record: ConnectionRecord, report: VerificationReport, now: Date) {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const fresh = await this.#o.store.getConnection(record.id);
      if (!fresh || fresh.rotatedAt !== record.rotatedAt || fresh.secret.ct !== record.secret.ct) {
        return undefined;
      }
      const health: Health = report.ok ? 'ok' : 'failing';
      const next = { ...fresh, lastVerifiedAt: now.toISOString(), lastReport: report, health };
      try {
        const stored = await this.#o.store.putConnection(next, fresh.version);
        return { previous: fresh.health, record: stored };
      } catch (err) {
        if (!(err instanceof HaloConnectError && err.code === ErrorCode.Conflict)) throw err;
      }
    }
    this.#o.logger.warn({ connectionId: record.id }, 're-verification result not recorded');
    return undefined;
  }

  async #queueNotice(record: ConnectionRecord, now: Date): Promise<void> {
    const failing = record.health === 'failing';
    const check = record.lastReport ? firstFailure(record.lastReport)?.id : undefined;
    this.#o.logger[failing ? 'warn' : 'info'](
      { connectionId: record.id, check },
      failing ? 'stored credentials stopped working' : 'stored credentials work again',
    );
    await this.#o.store.addReminder({
      connectionId: record.id,
      cycle: record.rotatedAt,
      stage: healthStageName(record.health, now),
      dueAt: now.toISOString(),
      status: 'pending',
      attempts: 0,
    });
  }

  async #audit(record: ConnectionRecord, report: VerificationReport, now: Date): Promise<void> {
    const outcome = report.ok ? ('ok' as const) : ('failed' as const);
    const entry = { actor: 'scheduler', action: 'reverify' as const, outcome };
    await this.#o.store.appendAudit(
      auditEvent(record, now, { ...entry, detail: firstFailure(report)?.id }),
    );
  }
}
