import { AsyncLocalStorage } from 'node:async_hooks';
import type { Address } from '../../core/platform.js';

/**
 * What a handler knows about the person behind the work it started. The core posts channel
 * status through the notifier without telling the handler how the post went; when a post in
 * this context finds the bot missing from the channel, the notifier calls `notInChannel` so
 * the handler can tell that person, privately, how to invite the bot.
 */
export interface DeliveryContext {
  notInChannel(address: Address): Promise<void>;
}

const storage = new AsyncLocalStorage<DeliveryContext>();

/**
 * Runs `work` (and everything it starts, including a verification job that outlives the
 * handler) with `context`. The notifier reads it back through `currentDeliveryContext`.
 */
export function withDeliveryContext<T>(context: DeliveryContext, work: () => T): T {
  return storage.run(context, work);
}

export function currentDeliveryContext(): DeliveryContext | undefined {
  return storage.getStore();
}

/** Wraps a "tell the person" function so it runs at most once per flow and never throws. */
export function onceNotInChannel(tell: (address: Address) => Promise<void>): DeliveryContext {
  let told = false;
  return {
    async notInChannel(address) {
      if (told) return;
      told = true;
      await tell(address).catch(() => undefined);
    },
  };
}
