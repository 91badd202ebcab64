import type { Message } from './message.js';
import type { Address, Platform, WorkspaceRef } from './platform.js';

/**
 * What happened to one post. `gone` means the address can no longer be used (bot removed,
 * channel archived, conversation deleted): the core disables it and stops trying.
 */
export type DeliveryResult =
  | { ok: true; ref: string }
  | {
      ok: false;
      reason: 'not_in_channel' | 'gone' | 'rate_limited' | 'failed';
      retryAfterMs?: number;
      /** Secret-free, for logs: the platform's error code. */
      detail: string;
    };

/**
 * Sends core messages to a chat platform. Each adapter implements it; the core uses it for
 * channel status posts, reminders and alerts. Implementations retry transient failures
 * (429 honouring Retry-After, 5xx) a bounded number of times before they answer.
 */
export interface Notifier {
  readonly platform: Platform;
  post(
    address: Address,
    message: Message,
    options?: { mentions?: string[] },
  ): Promise<DeliveryResult>;
  update(address: Address, ref: string, message: Message): Promise<DeliveryResult>;
  /** A direct message to one person, where the platform allows it. */
  direct(workspace: WorkspaceRef, userId: string, message: Message): Promise<DeliveryResult>;
}
