import type { types, webApi } from '@slack/bolt';
import type { Logger } from '../../core/logger.js';
import { classifySlackError } from './slack-error.js';

/**
 * Keeps one open modal in step with a running verification. Updates wait until `release()`
 * (the ack that put the "Verifying…" view up has gone out), go out one at a time, and only
 * the newest progress view is sent when several pile up. `finish()` sends the last view
 * after any progress update in flight, so a late progress view never hides the report.
 */
export class ViewUpdater {
  #release!: () => void;
  readonly #released = new Promise<void>((resolve) => (this.#release = resolve));
  #pending: types.ModalView | undefined;
  #pump: Promise<void> = Promise.resolve();
  #pumping = false;
  #done = false;
  #latest: types.ModalView | undefined;

  constructor(
    private readonly client: webApi.WebClient,
    private readonly viewId: string,
    private readonly log: Logger,
  ) {}

  /** The newest view sent or about to be sent: what a redelivered submission should show. */
  get latest(): types.ModalView | undefined {
    return this.#latest;
  }

  /** Lets updates through; call once the ack (or `views.open`) has been answered. */
  release(): void {
    this.#release();
  }

  /** Shows a progress view soon; superseded ones are skipped. */
  progress(view: types.ModalView): void {
    if (this.#done) return;
    this.#pending = view;
    this.#latest = view;
    if (!this.#pumping) {
      this.#pumping = true;
      this.#pump = this.#drain();
    }
  }

  /** Shows the final view; false when Slack refused it (the person closed the modal). */
  async finish(view: types.ModalView): Promise<boolean> {
    this.#done = true;
    this.#pending = undefined;
    this.#latest = view;
    await this.#released;
    await this.#pump;
    return this.#send(view);
  }

  async #drain(): Promise<void> {
    await this.#released;
    while (this.#pending && !this.#done) {
      const view = this.#pending;
      this.#pending = undefined;
      if (!(await this.#send(view))) this.#done = true;
    }
    this.#pumping = false;
  }

  async #send(view: types.ModalView): Promise<boolean> {
    try {
      await this.client.views.update({ view_id: this.viewId, view });
      return true;
    } catch (err) {
      this.log.info(
        { viewId: this.viewId, slack: classifySlackError(err).detail },
        'could not update the modal',
      );
      return false;
    }
  }
}
