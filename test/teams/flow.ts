import { expect } from 'vitest';
import { SUBMIT_CREDENTIALS } from '../../src/bots/teams/credentials-dialog.js';
import type { CredentialsForm } from '../../src/core/credentials.js';
import { ActionId } from '../../src/core/message.js';
import { encodeFormState } from '../../src/core/messages.js';
import type { SandboxScenario } from '../../src/sandbox/scenarios.js';
import {
  cardClick,
  messageActivity,
  taskFetch,
  taskSubmit,
  type ActivityOptions,
  type ConversationCase,
  type UserCase,
} from './activities.js';
import { cardsIn } from './card-check.js';
import type { ConnectorCall } from './fake-connector.js';
import type { PostResult, TeamsHarness } from './harness.js';

export interface Who {
  user?: UserCase;
  conversation?: ConversationCase;
}

interface CardJson {
  body?: unknown[];
  actions?: Array<{ title?: string; data?: { action?: string; value?: string } }>;
}

/** Every text a card shows (text blocks, fact titles and values, button titles), joined. */
export function cardText(value: unknown): string {
  const out: string[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    for (const key of ['text', 'title', 'value', 'label'])
      if (typeof o[key] === 'string') out.push(o[key]);
    Object.values(o).forEach(visit);
  };
  visit(cardsIn(value));
  return out.join('\n');
}

/** The first card in an activity or an answer. */
export function firstCard(value: unknown): CardJson {
  const card = cardsIn(value)[0];
  expect(card, 'a card').toBeDefined();
  return card as CardJson;
}

export function cardTitle(value: unknown): string {
  const block = firstCard(value).body?.[0] as { text?: string } | undefined;
  return block?.text ?? '';
}

/** The data of the card's button for an action id. */
export function buttonData(value: unknown, action: string): { action: string; value?: string } {
  const button = firstCard(value).actions?.find((a) => a.data?.action === action);
  expect(button, `a button for ${action}`).toBeDefined();
  return button!.data as { action: string; value?: string };
}

/** The form values for a sandbox scenario. */
export function scenarioForm(
  authServer: string,
  scenario: SandboxScenario,
  secret = scenario.clientSecret,
): CredentialsForm {
  return {
    authServer,
    ...(scenario.tenant ? { tenant: scenario.tenant } : {}),
    clientId: scenario.clientId,
    clientSecret: secret,
  };
}

function options(h: TeamsHarness, who: Who, extra: Partial<ActivityOptions> = {}): ActivityOptions {
  return { serviceUrl: h.connector.url, conversation: 'channel', ...who, ...extra };
}

/** Types a command; answers the HTTP result and the connector calls it caused, follow-ups too. */
export async function say(h: TeamsHarness, text: string, who: Who = {}) {
  const before = h.connector.calls.length;
  const result = await h.post(messageActivity(text, options(h, who)));
  expect(result.status).toBe(200);
  await h.settle();
  return { result, calls: h.connector.calls.slice(before) };
}

/** Clicks a button of a card the bot posted. */
export async function click(
  h: TeamsHarness,
  cardId: string,
  data: { action: string; value?: string },
  who: Who = {},
) {
  const before = h.connector.calls.length;
  const result = await h.post(cardClick(data, options(h, who, { replyToId: cardId })));
  expect(result.status).toBe(200);
  await h.settle();
  return { result, calls: h.connector.calls.slice(before) };
}

/** Opens the credentials dialog as a dialog button would (`task/fetch`). */
export async function openDialog(
  h: TeamsHarness,
  data: Record<string, unknown> = {
    action: ActionId.OpenCredentials,
    value: encodeFormState({ mode: 'connect', prefill: {} }),
    msteams: { type: 'task/fetch' },
  },
  who: Who = {},
): Promise<PostResult> {
  const result = await h.post(taskFetch(data, options(h, who)));
  expect(result.status).toBe(200);
  return result;
}

/** Submits the dialog (`task/submit`) with the submit button's data from the dialog card. */
export async function submitDialog(
  h: TeamsHarness,
  dialog: PostResult,
  values: CredentialsForm,
  who: Who = {},
  id?: string,
): Promise<PostResult> {
  const submit = buttonData(dialog.body, SUBMIT_CREDENTIALS);
  return h.post(taskSubmit({ ...submit, ...values }, options(h, who, id ? { id } : {})));
}

/** The live report cards: posted as "Verifying…" after a submit or a verify. */
export function reportCards(h: TeamsHarness): ConnectorCall[] {
  return h.connector.posted.filter((c) => c.kind === 'send' && cardTitle(c.body) === 'Verifying…');
}

/** Waits for the newest report card to show its final view, and answers that view. */
export async function finalReport(h: TeamsHarness): Promise<unknown> {
  await h.settle();
  const card = await h.connector.waitFor(() => reportCards(h).at(-1));
  const latest = await h.connector.waitFor(() => {
    const body = h.connector.latest(card.createdId!);
    return cardTitle(body) !== 'Verifying…' && body;
  });
  return latest;
}

/** Channel status posts (not replies, not report cards) so far, as text. */
export function statusPosts(h: TeamsHarness, conversationId: string): string[] {
  return h.connector.posted
    .filter(
      (c) =>
        c.kind === 'send' &&
        c.conversationId === conversationId &&
        cardTitle(c.body) !== 'Verifying…',
    )
    .map((c) => cardText(c.body));
}
