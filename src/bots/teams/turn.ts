import { randomUUID } from 'node:crypto';
import type { TurnContext } from '@microsoft/agents-hosting';
import type { Message } from '../../core/message.js';
import type { Actor, Address } from '../../core/platform.js';
import { addressOf } from './conversation-refs.js';
import type { TeamsDeps } from './teams-deps.js';
import { actorOf } from './turn-actor.js';

/**
 * One incoming activity with what the handlers ask of it: who acts, where it came from,
 * how to answer with a card. Lives only as long as the SDK's turn.
 */
export class Turn {
  readonly context: TurnContext;
  readonly tenantId: string;
  /** Same for a platform redelivery of this activity: conversation plus activity id. */
  readonly idempotencyKey: string;
  readonly #deps: TeamsDeps;
  #actor: Promise<Actor> | undefined;
  #address: Address | undefined;

  constructor(context: TurnContext, tenantId: string, deps: TeamsDeps) {
    this.context = context;
    this.tenantId = tenantId;
    this.#deps = deps;
    const { conversation, id } = context.activity;
    this.idempotencyKey = `teams:${conversation?.id ?? ''}:${id ?? randomUUID()}`;
  }

  /** The incoming activity. */
  get activity() {
    return this.context.activity;
  }

  /** The conversation this came from, as the core's address (status posts go there). */
  get address(): Address {
    this.#address ??= addressOf(this.context, this.tenantId);
    return this.#address;
  }

  /** The person acting; the member lookup happens once per turn. */
  actor(): Promise<Actor> {
    this.#actor ??= actorOf(this.context, this.tenantId, this.#deps.logger, this.#deps.roles);
    return this.#actor;
  }

  /** Answers in the conversation with the message as a card. */
  async reply(message: Message): Promise<void> {
    await this.context.sendActivity(this.#deps.connector.cardActivity(undefined, message));
  }

  /** Replaces the card the clicked button sits on (`replyToId`), else answers with a new one. */
  async replace(message: Message): Promise<void> {
    const cardId = this.activity.replyToId;
    if (!cardId) return this.reply(message);
    const activity = this.#deps.connector.cardActivity(undefined, message);
    activity.id = cardId;
    await this.context.updateActivity(activity);
  }
}
