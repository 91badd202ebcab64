/**
 * Counts started work that has not settled yet, so a caller can wait until none is left
 * ({@link idle}), work added meanwhile included. Each piece costs one reaction on its
 * promise and nothing else: no set of promises, no closure per piece, which matters when a
 * burst queues thousands of follow-ups.
 */
export class PendingWork {
  #count = 0;
  #waiters: (() => void)[] = [];
  readonly #settled = (): void => {
    this.#count--;
    if (this.#count > 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  };

  /**
   * Counts `work` until it settles. A rejection goes to `failed` when given (which should
   * not throw: if it does, the count stays right and its error goes unhandled); without
   * `failed` it is only counted here, and whoever holds `work` sees it.
   */
  add(work: Promise<unknown>, failed?: (err: unknown) => void): void {
    this.#count++;
    const rejected = failed
      ? (err: unknown) => {
          try {
            failed(err);
          } finally {
            this.#settled();
          }
        }
      : this.#settled;
    work.then(this.#settled, rejected);
  }

  /** How many pieces have not settled. */
  get size(): number {
    return this.#count;
  }

  /** Resolves once nothing counted is unsettled. */
  async idle(): Promise<void> {
    while (this.#count > 0) await new Promise<void>((wake) => this.#waiters.push(wake));
  }
}
