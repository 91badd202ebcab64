import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { CHECK_IDS, firstFailure, type CheckResult, type VerificationReport } from '../report.js';
import type { StopReason } from './request-failure.js';

/** One verification's settings; `signal` and `onCheck` come from the caller. */
export interface RunOptions {
  deadlineMs: number;
  clock: Clock;
  log: Logger;
  /** For log lines only. */
  host: string;
  signal?: AbortSignal;
  onCheck?: (check: CheckResult) => void;
}

/**
 * The state of one verification: its deadline, the checks so far, and the report at the end.
 * `signal` fires at the deadline or when the caller's signal does; every request uses it, so
 * a verification never outlives its deadline.
 */
export class VerificationRun {
  readonly signal: AbortSignal;
  readonly #options: RunOptions;
  readonly #deadline = new AbortController();
  readonly #timer: NodeJS.Timeout;
  readonly #start = performance.now();
  readonly #startedAt: Date;
  readonly #checks: CheckResult[] = [];

  constructor(options: RunOptions) {
    this.#options = options;
    this.#startedAt = options.clock.now();
    this.#timer = setTimeout(() => this.#deadline.abort(), options.deadlineMs);
    const signals = [this.#deadline.signal, ...(options.signal ? [options.signal] : [])];
    this.signal = AbortSignal.any(signals);
  }

  /** Why the run stopped early, if it did. */
  stopReason(): StopReason | undefined {
    if (this.#deadline.signal.aborted) return 'deadline';
    return this.#options.signal?.aborted ? 'cancelled' : undefined;
  }

  /** Keeps a finished check and tells the caller at once. */
  record(check: CheckResult): CheckResult {
    this.#checks.push(check);
    const { log, host, onCheck } = this.#options;
    log.debug({ check: check.id, status: check.status, ms: check.ms, host }, 'check finished');
    try {
      onCheck?.(check);
    } catch (err) {
      log.error({ err, check: check.id }, 'onCheck callback threw; verification goes on');
    }
    return check;
  }

  finish(extra: Pick<VerificationReport, 'agent' | 'grantedScopes' | 'resourceServer'> = {}) {
    clearTimeout(this.#timer);
    const checks = [...this.#checks].sort(
      (a, b) => CHECK_IDS.indexOf(a.id) - CHECK_IDS.indexOf(b.id),
    );
    const report: VerificationReport = {
      ok: checks.every((c) => c.status !== 'fail'),
      checks,
      ms: Math.round(performance.now() - this.#start),
      startedAt: this.#startedAt.toISOString(),
      ...extra,
    };
    const failure = firstFailure(report);
    const { log, host } = this.#options;
    const level = failure?.id === 'reachable' ? 'warn' : 'info';
    log[level](
      { host, ok: report.ok, ms: report.ms, failed: failure?.id },
      'verification finished',
    );
    return report;
  }
}
