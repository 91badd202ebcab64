import type { Logger } from '../../core/logger.js';
import type { Message } from '../../core/message.js';
import type { DeliveryResult, Notifier } from '../../core/notifier.js';
import type { Address, WorkspaceRef } from '../../core/platform.js';
import type { Connector } from './connector.js';
import type { ConversationRefs } from './conversation-refs.js';
import { deliver, type RetryPolicy, type Sleep } from './deliver.js';

/** The notifier's parts: how to reach a conversation, where references live, retries. */
export interface TeamsNotifierOptions {
  connector: Connector;
  refs: ConversationRefs;
  logger: Logger;
  retry: RetryPolicy;
  sleep: Sleep;
}

/**
 * The core's notifier on Teams: posts and updates cards through stored conversation
 * references (status posts, reminders, alerts, the live verification report). A 403 from
 * Teams (bot removed or blocked) disables the conversation and answers `gone`.
 */
export function createTeamsNotifier(options: TeamsNotifierOptions): Notifier {
  const { connector, refs, logger } = options;

  async function run(
    address: Address,
    operation: string,
    send: (reference: Parameters<Connector['send']>[0]) => Promise<string>,
  ): Promise<DeliveryResult> {
    const resolved = await refs.resolve(address);
    if (!resolved.ok) return { ok: false, reason: resolved.reason, detail: resolved.detail };
    const result = await deliver(() => send(resolved.reference), options.retry, options.sleep);
    if (!result.ok) {
      if (result.reason === 'gone') await refs.disable(address);
      const level = result.reason === 'gone' ? 'info' : 'warn';
      logger[level](
        {
          conversationId: address.channelId,
          tenantId: address.workspaceId,
          reason: result.reason,
          detail: result.detail,
        },
        `teams ${operation} failed`,
      );
    }
    return result;
  }

  return {
    platform: 'teams',
    // `mentions` need nothing more: the core writes them into the text as `<@id>`.
    post: (address: Address, message: Message) =>
      run(address, 'post', (reference) => connector.send(reference, message)),
    update: (address: Address, ref: string, message: Message) =>
      run(address, 'update', (reference) => connector.update(reference, ref, message)),
    direct: async (workspace: WorkspaceRef, userId: string, message: Message) => {
      const chat = await refs.personalChat(workspace, userId);
      // Note: a personal chat is only known once the person has written to the bot there.
      if (!chat) return { ok: false, reason: 'failed', detail: 'no_personal_chat' };
      return run(chat, 'direct message', (reference) => connector.send(reference, message));
    },
  };
}
