import { FollowUps, type FollowUpUrgency } from '../../core/follow-ups.js';
import type { Logger } from '../../core/logger.js';
import { safeError } from './safe-error.js';

/**
 * Work that goes on after the platform was answered (the live report card, the channel
 * announcement, storing a conversation reference), started through the process's
 * {@link FollowUps} gate. Failures are logged, never thrown; `idle()` waits for what is
 * queued or running, for a clean stop and for tests.
 */
export class Background {
  readonly #running = new Set<Promise<void>>();
  readonly #log: Logger;
  readonly #gate: FollowUps;

  constructor(logger: Logger, gate?: FollowUps) {
    this.#log = logger;
    this.#gate = gate ?? new FollowUps({ logger });
  }

  /** Starts `work` without waiting for it; `what` names it in the log if it fails. */
  run(what: string, work: () => Promise<unknown>, urgency: FollowUpUrgency = 'normal'): void {
    this.#track(what, this.#gate.start(urgency, work));
  }

  /**
   * Runs `work` with what `ready` brings, through the gate once `ready` has settled: waiting
   * (for a verification's report) holds no place among the follow-ups that run.
   */
  after<T>(
    what: string,
    ready: Promise<T>,
    work: (value: T) => Promise<unknown>,
    urgency: FollowUpUrgency = 'normal',
  ): void {
    this.#track(
      what,
      ready.then((value) => this.#gate.start(urgency, () => work(value))),
    );
  }

  #track(what: string, started: Promise<unknown>): void {
    const job = started.then(
      () => undefined,
      (err: unknown) => this.#log.error(safeError(err), `${what} failed`),
    );
    this.#running.add(job);
    void job.finally(() => this.#running.delete(job));
  }

  /** Resolves once nothing is running, including work started meanwhile. */
  async idle(): Promise<void> {
    while (this.#running.size) await Promise.allSettled([...this.#running]);
  }
}
