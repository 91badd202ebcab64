import type { Message } from '../../core/message.js';
import type { Notifier } from '../../core/notifier.js';
import type { Address } from '../../core/platform.js';

/**
 * One card in a conversation that changes as a job runs: the first view is posted, every
 * later one replaces it in place. Views go out one at a time, in order, and only the newest
 * waiting view is sent: progress that a later view has overtaken is skipped, as Teams asks
 * bots not to send many requests to one conversation. The final view always goes out last.
 */
export class LiveCard {
  readonly #notifier: Notifier;
  readonly #address: Address;
  #activityId: string | undefined;
  /** The newest view not sent yet. */
  #waiting: Message | undefined;
  /** Sends what waits, one view after another; undefined when nothing is being sent. */
  #sending: Promise<void> | undefined;
  #started = false;
  #finished = false;

  constructor(notifier: Notifier, address: Address) {
    this.#notifier = notifier;
    this.#address = address;
  }

  /** Shows the first view, unless a later one is already on its way. */
  start(message: Message): Promise<void> {
    if (this.#started) return this.#sending ?? Promise.resolve();
    return this.#queue(message);
  }

  /**
   * Shows a progress view soon, without waiting for it; nothing once the final view was
   * given. A failure to send it is not reported here: the final view is tried regardless.
   */
  progress(message: Message): void {
    if (this.#finished) return;
    this.#queue(message).catch(() => undefined);
  }

  /**
   * Shows the final view after the one being sent, in place of any progress still waiting.
   * Rejects only when sending it failed unexpectedly.
   */
  finish(message: Message): Promise<void> {
    this.#finished = true;
    return this.#queue(message);
  }

  #queue(message: Message): Promise<void> {
    this.#started = true;
    this.#waiting = message;
    this.#sending ??= this.#sendWaiting();
    return this.#sending;
  }

  async #sendWaiting(): Promise<void> {
    let failure: unknown;
    try {
      while (this.#waiting) {
        const message = this.#waiting;
        this.#waiting = undefined;
        failure = undefined;
        try {
          await this.#show(message);
        } catch (err) {
          failure = err;
        }
      }
    } finally {
      this.#sending = undefined;
    }
    if (failure !== undefined) throw failure;
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
