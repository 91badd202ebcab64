import type { Message } from '../../core/message.js';
import type { Notifier } from '../../core/notifier.js';
import type { Address } from '../../core/platform.js';

/**
 * The least time between two progress updates of one card. Teams limits how many requests a
 * bot sends to one conversation in a second and asks bots to stay well below it; a check
 * whose steps finish within a second goes from its first view straight to its report.
 */
export const PROGRESS_INTERVAL_MS = 1_000;

/** Runs one send of a view, e.g. through the follow-up gate; answers its outcome. */
export interface SendGate {
  gated<T>(send: () => Promise<T>): Promise<T>;
}

/** Sends at once. */
const NO_GATE: SendGate = { gated: (send) => send() };

export interface LiveCardOptions {
  /** Default {@link PROGRESS_INTERVAL_MS}. */
  progressIntervalMs?: number;
  /**
   * What each send goes through: the follow-up gate, so that the card's waits between
   * updates hold no place among the follow-ups that run. Default: sends at once.
   */
  gate?: SendGate;
}

/**
 * One card in a conversation that changes as a job runs: the first view is posted, every
 * later one replaces it in place. Views go out one at a time, in order, and only the newest
 * waiting view is sent: progress that a later view has overtaken is skipped, and progress
 * updates are at least {@link PROGRESS_INTERVAL_MS} apart. The final view goes out last, as
 * soon as the view being sent is done.
 */
export class LiveCard {
  readonly #notifier: Notifier;
  readonly #address: Address;
  readonly #interval: number;
  readonly #gate: SendGate;
  #activityId: string | undefined;
  /** The newest view not sent yet. */
  #waiting: Message | undefined;
  /** Sends what waits, one view after another; undefined when nothing is being sent. */
  #sending: Promise<void> | undefined;
  #started = false;
  #finished = false;
  /** When the next progress view may go out (performance.now() time). */
  #nextProgressAt = 0;
  /** Ends the wait for the next progress slot early: the final view has come. */
  #wake: (() => void) | undefined;

  constructor(notifier: Notifier, address: Address, options: LiveCardOptions = {}) {
    this.#notifier = notifier;
    this.#address = address;
    this.#interval = options.progressIntervalMs ?? PROGRESS_INTERVAL_MS;
    this.#gate = options.gate ?? NO_GATE;
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
    const sending = this.#queue(message);
    this.#wake?.();
    return sending;
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
        if (!this.#finished && performance.now() < this.#nextProgressAt) await this.#progressSlot();
        const message = this.#waiting;
        this.#waiting = undefined;
        failure = undefined;
        try {
          await this.#show(message);
        } catch (err) {
          failure = err;
        }
        this.#nextProgressAt = performance.now() + this.#interval;
      }
    } finally {
      this.#sending = undefined;
    }
    if (failure !== undefined) throw failure;
  }

  /** Waits until a progress view may go out, or until the final view is given. */
  async #progressSlot(): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.#nextProgressAt - performance.now());
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#wake = undefined;
  }

  async #show(message: Message): Promise<void> {
    const activityId = this.#activityId;
    if (activityId) {
      await this.#gate.gated(() => this.#notifier.update(this.#address, activityId, message));
      return;
    }
    const result = await this.#gate.gated(() => this.#notifier.post(this.#address, message));
    if (result.ok && result.ref) this.#activityId = result.ref;
  }
}
