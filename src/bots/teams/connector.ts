import { Activity, type ConversationReference } from '@microsoft/agents-activity';
import { CloudAdapter, type ConnectorClient } from '@microsoft/agents-hosting';
import type { Message } from '../../core/message.js';
import { toAttachment } from './adaptive-card.js';
import type { NameLookup } from './mentions.js';
import { renderCard } from './render.js';

type BotIdentity = Parameters<CloudAdapter['continueConversation']>[0];

/**
 * Calls the Bot Framework connector of a stored conversation, outside any incoming turn, as
 * the bot: with the app's token, or with none in local mode. Goes through the SDK's
 * `continueConversation`, so the service-URL policy applies to stored references too.
 */
export class Connector {
  readonly #adapter: CloudAdapter;
  readonly #identity: BotIdentity;
  readonly #names: NameLookup;

  constructor(adapter: CloudAdapter, appId: string | undefined, names: NameLookup) {
    this.#adapter = adapter;
    // An identity without an audience makes the SDK send without a token (local mode).
    this.#identity = appId ?? CloudAdapter.createIdentity('');
    this.#names = names;
  }

  /**
   * Posts a card as a new message; answers the new activity's id. The people to notify are
   * the `<@id>` mentions in the message's text, which the card turns into Teams mentions.
   */
  async send(reference: ConversationReference, message: Message): Promise<string> {
    return this.#with(reference, async (client, conversationId) => {
      const activity = this.cardActivity(reference, message);
      const response = await client.sendToConversation(conversationId, activity);
      return response?.id ?? '';
    });
  }

  /** Replaces the card of an activity the bot posted earlier. */
  async update(
    reference: ConversationReference,
    activityId: string,
    message: Message,
  ): Promise<string> {
    return this.#with(reference, async (client, conversationId) => {
      const activity = this.cardActivity(reference, message);
      activity.id = activityId;
      const response = await client.updateActivity(conversationId, activityId, activity);
      return response?.id || activityId;
    });
  }

  /**
   * A message activity carrying the message as an Adaptive Card. Built as the SDK's
   * `Activity` directly: `Activity.fromObject` would validate and copy it with the SDK's
   * schema, which for an activity of our own making only costs time.
   */
  cardActivity(reference: ConversationReference | undefined, message: Message): Activity {
    const card = renderCard(message, { names: this.#names });
    return Object.assign(new Activity('message'), {
      summary: message.summary,
      attachments: [toAttachment(card)],
      ...(reference
        ? {
            channelId: reference.channelId,
            serviceUrl: reference.serviceUrl,
            conversation: reference.conversation,
            from: reference.agent ?? undefined,
          }
        : {}),
    });
  }

  async #with<T>(
    reference: ConversationReference,
    fn: (client: ConnectorClient, conversationId: string) => Promise<T>,
  ): Promise<T> {
    const outcome: { value?: T; error?: unknown; done: boolean } = { done: false };
    await this.#adapter.continueConversation(this.#identity, reference, async (context) => {
      const client = context.turnState.get<ConnectorClient>(this.#adapter.ConnectorClientKey);
      try {
        outcome.value = await fn(client, reference.conversation.id);
        outcome.done = true;
      } catch (error) {
        outcome.error = error;
      }
    });
    if (!outcome.done) throw outcome.error;
    return outcome.value as T;
  }
}
