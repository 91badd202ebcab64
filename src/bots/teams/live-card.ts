import type { Message } from '../../core/message.js';
import type { Notifier } from '../../core/notifier.js';
import type { Address } from '../../core/platform.js';

/**
 * One card in a conversation that changes as a job runs: the first view is posted, every
 * later one replaces it in place. Views go out one at a time, in order.
 */
export class LiveCard {
  readonly #notifier: Notifier;
  readonly #address: Address;
  #chain: Promise<void> = Promise.resolve();
  #activityId: string | undefined;
  #started = false;

  constructor(notifier: Notifier, address: Address) {
    this.#notifier = notifier;
    this.#address = address;
  }

  /** Shows the first view, unless a later one is already on its way. */
  start(message: Message): Promise<void> {
    return this.#started ? this.#chain : this.show(message);
  }

  /** Shows a view: posts it the first time, then updates the same card. */
  show(message: Message): Promise<void> {
    this.#started = true;
    this.#chain = this.#chain.then(() => this.#show(message));
    return this.#chain;
  }

  async #show(message: Message): Promise<void> {
    if (this.#activityId) {
      await this.#notifier.update(this.#address, this.#activityId, message);
      return;
    }
    const result = await this.#notifier.post(this.#address, message);
    if (result.ok && result.ref) this.#activityId = result.ref;
  }
}
