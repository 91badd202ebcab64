import type { Logger } from '../../core/logger.js';
import { describeError } from './slack-error.js';

/**
 * Work a handler starts after its `ack()`: tracked so `stop()` can wait for it, and guarded
 * so a failure is logged once instead of becoming an unhandled rejection.
 */
export class BackgroundTasks {
  readonly #running = new Set<Promise<void>>();

  constructor(private readonly log: Logger) {}

  run(label: string, work: () => Promise<unknown>): void {
    const task = Promise.resolve()
      .then(work)
      .then(
        () => undefined,
        (err: unknown) =>
          this.log.error({ err: describeError(err), task: label }, 'Slack follow-up failed'),
      );
    this.#running.add(task);
    void task.finally(() => this.#running.delete(task));
  }

  /** Resolves when everything started so far has finished. */
  async drain(): Promise<void> {
    while (this.#running.size) await Promise.allSettled([...this.#running]);
  }
}
