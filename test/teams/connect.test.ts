import './clean-env.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { VERIFYING_ANSWER } from '../../src/bots/teams/dialog-handlers.js';
import { CHECK_LABELS } from '../../src/core/check-labels.js';
import { guideStep } from '../../src/core/guide.js';
import { ActionId } from '../../src/core/message.js';
import { sandboxScenario } from '../../src/sandbox/scenarios.js';
import { CONVERSATIONS, TENANT_ID, USERS } from './activities.js';
import { cardsIn } from './card-check.js';
import {
  buttonData,
  cardText,
  cardTitle,
  click,
  finalReport,
  openDialog,
  reportCards,
  say,
  scenarioForm,
  statusPosts,
  submitDialog,
} from './flow.js';
import type { TeamsHarness } from './harness.js';
import { useTeamsSuite } from './suite.js';

const CHANNEL = CONVERSATIONS.channel.id;
const CONNECTION_ID = `teams:${TENANT_ID}`;

const suite = useTeamsSuite();
let h: TeamsHarness;

beforeAll(async () => {
  h = await suite.harness();
});

describe('connect, the happy path in a channel', () => {
  it('guides, opens the dialog, verifies live, posts the status, stores', async () => {
    const connect = await say(h, 'connect');
    const guide = connect.calls.find((c) => c.kind === 'reply')!;
    expect(cardTitle(guide.body)).toBe('Step 1 of 5');
    expect(cardText(guide.body)).toContain(guideStep('agent').title);
    expect(statusPosts(h, CHANNEL).join()).toContain(
      '<at>Ada Admin</at> started connecting HaloPSA.',
    );

    const next = await click(h, guide.createdId!, buttonData(guide.body, ActionId.GuideNext));
    expect(next.calls.map((c) => [c.kind, c.activityId])).toEqual([['update', guide.createdId]]);
    expect(cardTitle(next.calls[0]!.body)).toBe('Step 2 of 5');
    const back = await click(
      h,
      guide.createdId!,
      buttonData(next.calls[0]!.body, ActionId.GuideBack),
    );
    expect(cardTitle(back.calls[0]!.body)).toBe('Step 1 of 5');

    const dialog = await openDialog(h, buttonData(guide.body, ActionId.OpenCredentials));
    expect(dialog.body).toMatchObject({
      task: { type: 'continue', value: { title: 'Connect HaloPSA' } },
    });

    const submitted = await submitDialog(
      h,
      dialog,
      scenarioForm(suite.sandbox.authServer, sandboxScenario('valid')),
    );
    expect(submitted.status).toBe(200);
    expect(submitted.body).toEqual({ task: { type: 'message', value: VERIFYING_ANSWER } });
    expect(submitted.ms).toBeLessThan(2_000);

    const report = await finalReport(h);
    expect(cardTitle(report)).toBe('Connected');
    expect(cardText(report)).toContain(`✅ ${CHECK_LABELS.token}`);
    // Posted as "Verifying…" with the checks to come, then replaced in place by the report;
    // progress in between is at most one update a second, so a quick check has none.
    const card = reportCards(h).at(-1)!;
    expect(cardText(card.body)).toContain('⏳');
    const versions = h.connector.updates.filter((u) => u.activityId === card.createdId);
    expect(versions.length).toBeGreaterThanOrEqual(1);
    expect(cardTitle(versions.at(-1)!.body)).toBe('Connected');

    expect(statusPosts(h, CHANNEL).join()).toContain('<at>Ada Admin</at> connected HaloPSA');
    const stored = await h.store.getConnection(CONNECTION_ID);
    expect(stored).toMatchObject({
      authServer: suite.sandbox.authServer,
      clientId: sandboxScenario('valid').clientId,
      connectedBy: USERS.admin.aadObjectId,
      channel: { platform: 'teams', workspaceId: TENANT_ID, channelId: CHANNEL },
    });
    expect(JSON.stringify(stored?.secret)).not.toContain(sandboxScenario('valid').clientSecret);
    expect(await h.store.getConversationRef(`${TENANT_ID}:${CHANNEL}`)).toMatchObject({
      disabled: false,
    });
  });

  it('answers status, verify, rotate and help after connecting', async () => {
    const status = await say(h, 'status');
    expect(cardTitle(status.calls.at(-1)!.body)).toBe('Connected');
    expect(cardText(status.calls.at(-1)!.body)).toContain('Next rotation due');

    const rotate = await say(h, 'rotate');
    const rotateData = buttonData(rotate.calls.at(-1)!.body, ActionId.Rotate);
    const dialog = await openDialog(h, { ...rotateData, msteams: { type: 'task/fetch' } });
    expect(cardText(dialog.body)).toContain('Rotate client secret');
    expect(JSON.stringify(dialog.body)).toContain(sandboxScenario('valid').clientId);

    const before = reportCards(h).length;
    await say(h, 'verify');
    expect(cardTitle(await finalReport(h))).toBe('Connected');
    expect(reportCards(h).length).toBe(before + 1);
    expect(statusPosts(h, CHANNEL).at(-1)).toContain('every check passed');

    const help = await say(h, 'help');
    expect(cardText(help.calls.at(-1)!.body)).toContain('**connect**');
  });
});

describe('commands in every kind of chat', () => {
  it.each([
    ['personal', 'status'],
    ['personal', 'halo status'],
    ['personal', '/halo Status'],
    ['groupChat', 'status'],
    ['channel', 'halo status'],
  ] as const)('in a %s chat, "%s" shows the status', async (conversation, text) => {
    const { calls } = await say(h, text, { conversation });
    const reply = calls.find((c) => c.kind === 'reply')!;
    expect(reply.conversationId).toBe(CONVERSATIONS[conversation].id);
    expect(['Connected', 'Not connected']).toContain(cardTitle(reply.body));
  });

  it('answers anything else with the command list', async () => {
    const { calls } = await say(h, 'hello there', { conversation: 'personal' });
    expect(cardTitle(calls.at(-1)!.body)).toBe('HaloPSA connection');
  });
});

describe('the dialog', () => {
  it('shows field problems, keeps the values but not the secret, calls nobody', async () => {
    const dialog = await openDialog(h);
    const requests = suite.sandbox.requests.length;
    const sent = () => h.connector.calls.filter((c) => c.kind !== 'member').length;
    const calls = sent();
    const typedSecret = 'short-secret-typed-here';
    const answer = await submitDialog(h, dialog, {
      authServer: 'not a url',
      clientId: 'abc',
      clientSecret: typedSecret,
    });
    expect(answer.ms).toBeLessThan(2_000);
    expect(answer.body).toMatchObject({
      task: { type: 'continue', value: { title: 'Connect HaloPSA' } },
    });
    const card = cardsIn(answer.body)[0] as { body: Array<Record<string, unknown>> };
    const red = card.body.filter((n) => n.color === 'Attention').map((n) => n.text);
    expect(red.length).toBeGreaterThanOrEqual(2);
    const inputs = Object.fromEntries(
      card.body.filter((n) => n.type === 'Input.Text').map((n) => [n.id, n]),
    );
    expect(inputs.authServer).toMatchObject({ value: 'not a url' });
    expect(inputs.clientId).toMatchObject({ value: 'abc' });
    expect(inputs.clientSecret).not.toHaveProperty('value');
    expect(answer.raw).not.toContain(typedSecret);
    await h.settle();
    expect(suite.sandbox.requests.length).toBe(requests);
    expect(sent()).toBe(calls);
  });

  it('Try again pre-fills all but the secret, and a second try connects', async () => {
    const fresh = await suite.harness();
    const wrong = sandboxScenario('wrong-secret');
    const first = await openDialog(fresh);
    await submitDialog(fresh, first, {
      ...scenarioForm(suite.sandbox.authServer, wrong),
      tenant: 'acme',
    });
    const report = await finalReport(fresh);
    const retry = buttonData(report, ActionId.RetryCredentials);
    const again = await openDialog(fresh, { ...retry, msteams: { type: 'task/fetch' } });
    const inputs = (cardsIn(again.body)[0] as { body: Array<Record<string, unknown>> }).body.filter(
      (n) => n.type === 'Input.Text',
    );
    expect(inputs.map((i) => i.value)).toEqual([
      suite.sandbox.authServer,
      'acme',
      wrong.clientId,
      undefined,
    ]);
    await submitDialog(
      fresh,
      again,
      scenarioForm(suite.sandbox.authServer, sandboxScenario('valid')),
    );
    expect(cardTitle(await finalReport(fresh))).toBe('Connected');
  });
});

describe('disconnect', () => {
  it('asks first, then replaces the question with the outcome and tells the channel', async () => {
    const ask = await say(h, 'disconnect');
    const question = ask.calls.find((c) => c.kind === 'reply')!;
    expect(cardTitle(question.body)).toBe('Disconnect HaloPSA?');
    const cancel = await click(
      h,
      question.createdId!,
      buttonData(question.body, ActionId.DisconnectCancel),
    );
    expect(cancel.calls.find((c) => c.kind === 'update')?.activityId).toBe(question.createdId);
    expect(await h.store.getConnection(CONNECTION_ID)).toBeDefined();
    const confirm = await click(
      h,
      question.createdId!,
      buttonData(question.body, ActionId.DisconnectConfirm),
    );
    const outcome = confirm.calls.find((c) => c.kind === 'update')!;
    expect(cardTitle(outcome.body)).toBe('Disconnected');
    expect(await h.store.getConnection(CONNECTION_ID)).toBeUndefined();
    expect(statusPosts(h, CHANNEL).at(-1)).toContain('disconnected HaloPSA');
  });
});
