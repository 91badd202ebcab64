/** Handed to each queued change: it records there what it altered in the data. */
export interface Tx<O> {
  /** Records one change made to the data, in the order made. */
  changed(op: O): void;
  /** Records a change too large to list op by op: the batch is then written whole. */
  changedAll(): void;
}

export interface GroupCommitQueueOptions<D, O> {
  /** The data each change applies to, in place. */
  data(): D;
  /**
   * Makes the batch durable: `ops` are those the batch's changes recorded, in order; with
   * `whole`, a change asked for the data to be written whole. Called once per batch that
   * changed anything.
   */
  write(ops: readonly O[], whole: boolean): Promise<void>;
  /**
   * Called when `write` failed, before the batch's callers hear of it: put the data back to
   * what is durable. Returns the error those callers are rejected with.
   */
  writeFailed(error: unknown): Promise<Error>;
}

interface Change<D, O> {
  apply(data: D, tx: Tx<O>): unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

interface Exclusive {
  exclusive: () => Promise<void>;
}

type Job<D, O> = Change<D, O> | Exclusive;

/**
 * One queue for every change to in-memory data that is persisted. Changes run one at a
 * time, in the order queued, so no update is lost; those queued while a write is in flight
 * are applied together and written once (group commit). A caller's promise settles only
 * after its change is durable, or with the write's error.
 *
 * A change that throws is rejected alone and must not have altered the data before throwing;
 * the ops it recorded are dropped.
 */
export class GroupCommitQueue<D, O> {
  readonly #options: GroupCommitQueueOptions<D, O>;
  #jobs: Array<Job<D, O>> = [];
  #draining: Promise<void> | undefined;

  constructor(options: GroupCommitQueueOptions<D, O>) {
    this.#options = options;
  }

  /** Queues `apply`; resolves with its result once the change is written. */
  run<R>(apply: (data: D, tx: Tx<O>) => R): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#push({ apply, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  /**
   * Runs `work` alone, in queue order: after the batches queued before it are written, and
   * before any change queued after it is applied. It must not throw.
   */
  exclusive(work: () => Promise<void>): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#push({ exclusive: () => work().finally(resolve) });
    });
  }

  /** Resolves once everything queued so far has been written or refused. */
  async idle(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  #push(job: Job<D, O>): void {
    this.#jobs.push(job);
    this.#draining ??= this.#drain();
  }

  async #drain(): Promise<void> {
    // Yield first: `run` stores `#draining`, and changes queued in this tick join the batch.
    await Promise.resolve();
    try {
      while (this.#jobs.length > 0) {
        const first = this.#jobs[0]!;
        if ('exclusive' in first) {
          this.#jobs.shift();
          await first.exclusive().catch(() => undefined);
          continue;
        }
        const until = this.#jobs.findIndex((job) => 'exclusive' in job);
        const batch = this.#jobs.splice(0, until === -1 ? this.#jobs.length : until);
        await this.#commit(batch as Array<Change<D, O>>);
      }
    } finally {
      this.#draining = undefined;
    }
  }

  async #commit(batch: Array<Change<D, O>>): Promise<void> {
    const ops: O[] = [];
    let whole = false;
    const applied: Array<{ job: Change<D, O>; value: unknown }> = [];
    for (const job of batch) {
      const recorded: O[] = [];
      let all = false;
      const tx: Tx<O> = {
        changed: (op) => void recorded.push(op),
        changedAll: () => void (all = true),
      };
      try {
        applied.push({ job, value: job.apply(this.#options.data(), tx) });
      } catch (error) {
        job.reject(error);
        continue;
      }
      for (const op of recorded) ops.push(op);
      whole ||= all;
    }
    try {
      if (ops.length > 0 || whole) await this.#options.write(ops, whole);
    } catch (error) {
      // Every applied change saw the data of this batch, so none of them stands.
      const failure = await this.#options.writeFailed(error);
      for (const { job } of applied) job.reject(failure);
      return;
    }
    for (const { job, value } of applied) job.resolve(value);
  }
}
