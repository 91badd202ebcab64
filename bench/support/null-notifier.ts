import type { DeliveryResult, Notifier } from '../../src/core/notifier.js';
import type { HaloVerifier } from '../../src/core/verifier-types.js';

/** A Slack notifier that accepts every post at once (one turn of the event loop). */
export class NullNotifier implements Notifier {
  readonly platform = 'slack' as const;
  posts = 0;

  async post(): Promise<DeliveryResult> {
    return this.#ok();
  }

  async update(): Promise<DeliveryResult> {
    return this.#ok();
  }

  async direct(): Promise<DeliveryResult> {
    return this.#ok();
  }

  async #ok(): Promise<DeliveryResult> {
    await new Promise((resolve) => setImmediate(resolve));
    this.posts += 1;
    return { ok: true, ref: `m${this.posts}` };
  }
}

/** The scheduler's reminder pass never verifies; this says so loudly if it ever did. */
export const unusedVerifier: HaloVerifier = {
  verify: () => Promise.reject(new Error('the benchmark did not expect a verification')),
  fetchToken: () => Promise.reject(new Error('the benchmark did not expect a token request')),
};
