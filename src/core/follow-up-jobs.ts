import { FollowUps, type FollowUpUrgency } from './follow-ups.js';
import type { Logger } from './logger.js';
import { PendingWork } from './pending-work.js';

export interface FollowUpJobsOptions {
  logger: Logger;
  /** The process's gate; without one (tests), a gate of its own. */
  gate?: FollowUps;
  /** The urgency of a job that names none. */
  urgency: FollowUpUrgency;
  /** Logs a failed job; `label` names it. Never throws. */
  failed: (label: string, err: unknown) => void;
}

/**
 * Work an adapter starts after answering the platform, started through the {@link FollowUps}
 * gate (acknowledgements first), tracked so {@link idle} can wait for it, and guarded so a
 * failure is logged once instead of becoming an unhandled rejection.
 */
export class FollowUpJobs {
  readonly #running = new PendingWork();
  readonly #gate: FollowUps;
  readonly #urgency: FollowUpUrgency;
  readonly #failed: (label: string, err: unknown) => void;

  constructor(options: FollowUpJobsOptions) {
    this.#gate = options.gate ?? new FollowUps({ logger: options.logger });
    this.#urgency = options.urgency;
    this.#failed = options.failed;
  }

  /** Starts `work` once the gate lets it, without waiting for it. */
  run(label: string, work: () => Promise<unknown>, urgency = this.#urgency): void {
    this.track(label, this.#gate.start(urgency, work));
  }

  /**
   * Runs `work` with what `ready` brings, through the gate once `ready` has settled: waiting
   * (for a verification's report) holds no place among the follow-ups that run.
   */
  after<T>(
    label: string,
    ready: Promise<T>,
    work: (value: T) => Promise<unknown>,
    urgency = this.#urgency,
  ): void {
    this.track(
      label,
      ready.then((value) => this.#gate.start(urgency, () => work(value))),
    );
  }

  /**
   * Runs `work` through the gate and answers its outcome: one step of a longer job whose
   * waits (between a card's updates, say) must hold no place among the follow-ups that run.
   * The longer job is {@link track}ed as a whole; a step's failure is the caller's.
   */
  gated<T>(work: () => Promise<T>, urgency = this.#urgency): Promise<T> {
    return this.#gate.start(urgency, work);
  }

  /** Resolves once nothing is queued or running, including work started meanwhile. */
  idle(): Promise<void> {
    return this.#running.idle();
  }

  /**
   * Tracks work already started (through the gate, or outside it such as a job made of
   * gated steps) until it settles; a failure is logged as `label` failed.
   */
  track(label: string, started: Promise<unknown>): void {
    this.#running.add(started, (err) => this.#failed(label, err));
  }
}
