/** Handed to each queued change: it calls `changed()` when it altered the data. */
export interface Tx {
  changed(): void;
}

export interface GroupCommitQueueOptions<D> {
  /** The data each change applies to, in place. */
  data(): D;
  /** Makes the data durable. Called once per batch that changed anything. */
  write(): Promise<void>;
  /**
   * Called when `write` failed, before the batch's callers hear of it: put the data back to
   * what is durable. Returns the error those callers are rejected with.
   */
  writeFailed(error: unknown): Promise<Error>;
}

interface Job<D> {
  apply(data: D, tx: Tx): unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * One queue for every change to in-memory data that is persisted whole. Changes run one at
 * a time, in the order queued, so no update is lost; those queued while a write is in flight
 * are applied together and written once (group commit). A caller's promise settles only
 * after its change is durable, or with the write's error.
 *
 * A change that throws is rejected alone and must not have altered the data before throwing.
 */
export class GroupCommitQueue<D> {
  readonly #options: GroupCommitQueueOptions<D>;
  #jobs: Array<Job<D>> = [];
  #draining: Promise<void> | undefined;

  constructor(options: GroupCommitQueueOptions<D>) {
    this.#options = options;
  }

  /** Queues `apply`; resolves with its result once the change is written. */
  run<R>(apply: (data: D, tx: Tx) => R): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#jobs.push({ apply, resolve: resolve as (value: unknown) => void, reject });
      this.#draining ??= this.#drain();
    });
  }

  /** Resolves once everything queued so far has been written or refused. */
  async idle(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  async #drain(): Promise<void> {
    // Yield first: `run` stores `#draining`, and changes queued in this tick join the batch.
    await Promise.resolve();
    try {
      while (this.#jobs.length > 0) await this.#commit(this.#jobs.splice(0));
    } finally {
      this.#draining = undefined;
    }
  }

  async #commit(batch: Array<Job<D>>): Promise<void> {
    let dirty = false;
    const tx: Tx = { changed: () => void (dirty = true) };
    const applied: Array<{ job: Job<D>; value: unknown }> = [];
    for (const job of batch) {
      try {
        applied.push({ job, value: job.apply(this.#options.data(), tx) });
      } catch (error) {
        job.reject(error);
      }
    }
    try {
      if (dirty) await this.#options.write();
    } catch (error) {
      // Every applied change saw the data of this batch, so none of them stands.
      const failure = await this.#options.writeFailed(error);
      for (const { job } of applied) job.reject(failure);
      return;
    }
    for (const { job, value } of applied) job.resolve(value);
  }
}
