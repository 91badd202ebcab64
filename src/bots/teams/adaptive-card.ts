import type { MentionEntity } from './mentions.js';

/** The Adaptive Card schema version Teams renders; nothing newer is used. */
export const CARD_VERSION = '1.5';

/** An element or action of a card, as JSON. Kept loose: the renderer is the only writer. */
export type CardNode = { type: string } & Record<string, unknown>;

/** An Adaptive Card 1.5 as sent to Teams. */
export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: string;
  version: typeof CARD_VERSION;
  body: CardNode[];
  actions?: CardNode[];
  msteams?: { width?: 'Full'; entities?: MentionEntity[] };
}

/** The attachment that carries a card in an activity or a dialog answer. */
export interface CardAttachment {
  contentType: 'application/vnd.microsoft.card.adaptive';
  content: AdaptiveCard;
}

/** What `Action.Submit` buttons put in `data`; `msteams` asks Teams to open a dialog. */
export interface SubmitData {
  action: string;
  value?: string;
  msteams?: { type: 'task/fetch' };
}

/** Wraps the body and actions into a card; mentions go where Teams looks for them. */
export function createCard(
  body: CardNode[],
  actions: CardNode[],
  entities: MentionEntity[] = [],
): AdaptiveCard {
  const card: AdaptiveCard = {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: CARD_VERSION,
    body,
    msteams: { width: 'Full', ...(entities.length ? { entities } : {}) },
  };
  if (actions.length) card.actions = actions;
  return card;
}

/** The card as an attachment, for a message activity or a dialog answer. */
export function toAttachment(card: AdaptiveCard): CardAttachment {
  return { contentType: 'application/vnd.microsoft.card.adaptive', content: card };
}
