/**
 * Notes when a fake peer last saw traffic, so a benchmark can wait until the work a bot
 * does after answering (posts, modal updates, verifications) has died down before the next
 * round starts.
 */
export class Quiet {
  #last = performance.now();
  #count = 0;

  /** Call on every request a fake peer receives. */
  touch(): void {
    this.#last = performance.now();
    this.#count += 1;
  }

  /** Requests seen so far. */
  get count(): number {
    return this.#count;
  }

  /** Resolves once nothing has arrived for `quietMs`, or after `maxMs` whatever happens. */
  async settle(quietMs = 150, maxMs = 30_000): Promise<void> {
    const deadline = performance.now() + maxMs;
    for (;;) {
      const idle = performance.now() - this.#last;
      if (idle >= quietMs || performance.now() > deadline) return;
      await new Promise((resolve) => setTimeout(resolve, quietMs - idle + 5));
    }
  }
}
