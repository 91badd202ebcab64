import { FollowUps, type FollowUpUrgency } from '../../core/follow-ups.js';
import type { Logger } from '../../core/logger.js';
import { describeError } from './slack-error.js';

/**
 * Work a handler starts after its `ack()`: started through the process's {@link FollowUps}
 * gate (acknowledgements first), tracked so `stop()` can wait for it, and guarded so a
 * failure is logged once instead of becoming an unhandled rejection.
 */
export class BackgroundTasks {
  readonly #running = new Set<Promise<void>>();
  readonly #log: Logger;
  readonly #gate: FollowUps;

  constructor(log: Logger, gate?: FollowUps) {
    this.#log = log;
    this.#gate = gate ?? new FollowUps({ logger: log });
  }

  /**
   * Runs `work` once the gate lets it start. `urgent`: the person who clicked waits for it
   * (a modal on a `trigger_id`, a reply); `normal`: anything else.
   */
  run(label: string, work: () => Promise<unknown>, urgency: FollowUpUrgency = 'urgent'): void {
    this.#track(label, this.#gate.start(urgency, work));
  }

  /**
   * Runs `work` with what `ready` brings, through the gate once `ready` has settled: waiting
   * (for a verification's report) holds no place among the follow-ups that run.
   */
  after<T>(
    label: string,
    ready: Promise<T>,
    work: (value: T) => Promise<unknown>,
    urgency: FollowUpUrgency = 'urgent',
  ): void {
    this.#track(
      label,
      ready.then((value) => this.#gate.start(urgency, () => work(value))),
    );
  }

  #track(label: string, started: Promise<unknown>): void {
    const task = started.then(
      () => undefined,
      (err: unknown) =>
        this.#log.error({ err: describeError(err), task: label }, 'Slack follow-up failed'),
    );
    this.#running.add(task);
    void task.finally(() => this.#running.delete(task));
  }

  /** Resolves when everything started so far has finished. */
  async drain(): Promise<void> {
    while (this.#running.size) await Promise.allSettled([...this.#running]);
  }
}
