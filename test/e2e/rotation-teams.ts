import { expect } from 'vitest';
import { SUBMIT_CREDENTIALS } from '../../src/bots/teams/credentials-dialog.js';
import { ActionId } from '../../src/core/message.js';
import { encodeFormState } from '../../src/core/messages.js';
import type { SandboxScenario } from '../../src/sandbox/scenarios.js';
import {
  cardClick,
  CONVERSATIONS,
  messageActivity,
  taskFetch,
  taskSubmit,
  TENANT_ID,
  type ActivityJson,
  type ConversationCase,
} from '../teams/activities.js';
import { cardsIn } from '../teams/card-check.js';
import type { ConnectorCall, FakeConnector } from '../teams/fake-connector.js';
import { buttonData, cardText, scenarioForm } from '../teams/flow.js';
import { waitUntil } from './rotation-env.js';

/** The Teams connection id of the test tenant, and the channel the tests connect in. */
export const TEAMS_CONNECTION = `teams:${TENANT_ID}`;
export const TEAMS_CHANNEL = CONVERSATIONS.channel.id;
export const TEAMS_PERSONAL = CONVERSATIONS.personal.id;

/** A card the bot sent to a conversation, read back. */
export interface TeamsPost {
  call: ConnectorCall;
  title: string;
  /** Every text the card shows, joined. */
  text: string;
  /** The card's buttons: title and submit data. */
  buttons: Array<{ title?: string; data?: { action?: string; value?: string } }>;
}

interface CardJson {
  body?: Array<{ text?: string }>;
  actions?: TeamsPost['buttons'];
}

function readPost(call: ConnectorCall): TeamsPost {
  const card = (cardsIn(call.body)[0] ?? {}) as CardJson;
  return {
    call,
    title: card.body?.[0]?.text ?? '',
    text: cardText(call.body),
    buttons: card.actions ?? [],
  };
}

/** New messages the connector created in a conversation, optionally by title. */
export function teamsPosts(
  connector: FakeConnector,
  conversationId: string,
  title?: string,
): TeamsPost[] {
  return connector.posted
    .filter((c) => c.kind === 'send' && c.conversationId === conversationId)
    .map(readPost)
    .filter((p) => title === undefined || p.title.includes(title));
}

/** Every send aimed at a conversation, created or refused. */
export function teamsAttempts(connector: FakeConnector, conversationId: string): ConnectorCall[] {
  return connector.calls.filter((c) => c.kind === 'send' && c.conversationId === conversationId);
}

/**
 * A Teams admin in front of a real bot in local mode: activities POSTed to its
 * `/api/messages` with the fake connector as their `serviceUrl`.
 */
export class TeamsUser {
  constructor(
    readonly connector: FakeConnector,
    readonly botUrl: string,
  ) {}

  /** POSTs an activity; answers the HTTP status and the JSON answer. */
  async post(activity: ActivityJson): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${this.botUrl}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(activity),
    });
    const raw = await response.text();
    return { status: response.status, body: raw ? (JSON.parse(raw) as unknown) : undefined };
  }

  /** Types `text` to the bot, @mentioning it in a channel. */
  async say(text: string, conversation: ConversationCase = 'channel'): Promise<void> {
    const result = await this.post(
      messageActivity(text, { serviceUrl: this.connector.url, conversation }),
    );
    expect(result.status).toBe(200);
  }

  /**
   * Clicks a button of a card the bot posted in the channel; answers the text of the card
   * the bot replied with.
   */
  async click(card: TeamsPost, data: { action?: string; value?: string }): Promise<string> {
    const before = this.connector.calls.length;
    const click = cardClick(
      { action: data.action ?? '', value: data.value },
      { serviceUrl: this.connector.url, conversation: 'channel', replyToId: card.call.createdId },
    );
    expect((await this.post(click)).status).toBe(200);
    const reply = await waitUntil('the answer to a click', () => {
      return this.connector.calls.slice(before).find((c) => c.kind === 'reply' && c.createdId);
    });
    return cardText(reply.body);
  }

  /**
   * `connect` in the channel, the credentials dialog fetched and submitted with the
   * scenario's values; resolves once the channel was told HaloPSA is connected.
   */
  async connect(authServer: string, scenario: SandboxScenario): Promise<void> {
    const options = { serviceUrl: this.connector.url, conversation: 'channel' } as const;
    await this.say('connect');
    const dialog = await this.post(
      taskFetch(
        {
          action: ActionId.OpenCredentials,
          value: encodeFormState({ mode: 'connect', prefill: {} }),
          msteams: { type: 'task/fetch' },
        },
        options,
      ),
    );
    expect(dialog.status).toBe(200);
    const connected = () =>
      teamsPosts(this.connector, TEAMS_CHANNEL).filter((p) => p.text.includes('connected HaloPSA'));
    const before = connected().length;
    const submit = buttonData(dialog.body, SUBMIT_CREDENTIALS);
    const values = scenarioForm(authServer, scenario);
    const submitted = await this.post(taskSubmit({ ...submit, ...values }, options));
    expect(submitted.status).toBe(200);
    await waitUntil('the channel post saying HaloPSA is connected', () => {
      return connected().length > before;
    });
  }
}
