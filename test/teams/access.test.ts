import './clean-env.js';
import { describe, expect, it } from 'vitest';
import { VERIFYING_ANSWER } from '../../src/bots/teams/dialog-handlers.js';
import { ActionId } from '../../src/core/message.js';
import { sandboxScenario } from '../../src/sandbox/scenarios.js';
import { CONVERSATIONS, messageActivity, TENANT_ID, USERS } from './activities.js';
import {
  buttonData,
  cardText,
  cardTitle,
  finalReport,
  openDialog,
  reportCards,
  say,
  scenarioForm,
  statusPosts,
  submitDialog,
} from './flow.js';
import { useTeamsSuite } from './suite.js';

const CHANNEL = CONVERSATIONS.channel.id;
const CONNECTION_ID = `teams:${TENANT_ID}`;

const suite = useTeamsSuite();

describe('who may connect', () => {
  it('refuses a guest everywhere, before anything reaches Halo', async () => {
    const fresh = await suite.harness();
    const guest = { user: 'guest' as const };
    const requests = suite.sandbox.requests.length;
    const connect = await say(fresh, 'connect', guest);
    expect(cardTitle(connect.calls.find((c) => c.kind === 'reply')!.body)).toBe('Not allowed');
    expect(connect.calls.filter((c) => c.kind === 'send')).toEqual([]);
    const dialog = await openDialog(fresh, undefined, guest);
    expect(cardText(dialog.body)).toContain('Guests cannot change the HaloPSA connection.');
    const valid = scenarioForm(suite.sandbox.authServer, sandboxScenario('valid'));
    const submitted = await submitDialog(fresh, await openDialog(fresh), valid, guest);
    expect(cardText(submitted.body)).toContain('Guests cannot change');
    await fresh.settle();
    expect(suite.sandbox.requests.length).toBe(requests);
    expect(await fresh.store.getConnection(CONNECTION_ID)).toBeUndefined();
  });

  it('with ADMIN_USER_IDS, only those people may connect', async () => {
    const fresh = await suite.harness({ ADMIN_USER_IDS: USERS.admin.aadObjectId });
    const member = await say(fresh, 'connect', { user: 'member' });
    expect(cardTitle(member.calls.find((c) => c.kind === 'reply')!.body)).toBe('Not allowed');
    const admin = await say(fresh, 'connect', { user: 'admin' });
    expect(cardTitle(admin.calls.find((c) => c.kind === 'reply')!.body)).toBe('Step 1 of 5');
  });

  it("asks Teams for a person's role once, not on every message", async () => {
    const fresh = await suite.harness();
    const lookups = () => fresh.connector.calls.filter((c) => c.kind === 'member').length;
    await say(fresh, 'status', { user: 'member' });
    await say(fresh, 'status', { user: 'member' });
    await say(fresh, 'help', { user: 'member' });
    expect(lookups()).toBe(1);
  });

  it('treats someone whose role cannot be looked up as a guest', async () => {
    const fresh = await suite.harness();
    fresh.connector.members.delete(USERS.member.id);
    const connect = await say(fresh, 'connect', { user: 'member' });
    expect(cardTitle(connect.calls.find((c) => c.kind === 'reply')!.body)).toBe('Not allowed');
  });
});

describe('limits and redelivery', () => {
  it('says "too many attempts" in the dialog once the limit is reached', async () => {
    const limited = await suite.harness({}, { limit: 1, windowMs: 60_000 });
    const values = scenarioForm(suite.sandbox.authServer, sandboxScenario('wrong-secret'));
    await submitDialog(limited, await openDialog(limited), values);
    await limited.settle();
    const second = await submitDialog(limited, await openDialog(limited), values);
    expect(second.body).toMatchObject({
      task: { type: 'continue', value: { title: 'Too many attempts' } },
    });
  });

  it('runs one verification and posts once when Teams delivers the same submit twice', async () => {
    const fresh = await suite.harness();
    const dialog = await openDialog(fresh);
    const values = scenarioForm(suite.sandbox.authServer, sandboxScenario('valid'));
    const tokenRequests = () =>
      suite.sandbox.requests.filter((r) => r.path.startsWith('/auth/token')).length;
    const before = tokenRequests();
    const [first, second] = await Promise.all([
      submitDialog(fresh, dialog, values, {}, 'same-delivery'),
      submitDialog(fresh, dialog, values, {}, 'same-delivery'),
    ]);
    expect(first.body).toEqual({ task: { type: 'message', value: VERIFYING_ANSWER } });
    expect(second.body).toEqual(first.body);
    await finalReport(fresh);
    expect(tokenRequests() - before).toBe(1);
    expect(reportCards(fresh)).toHaveLength(1);
    expect(statusPosts(fresh, CHANNEL).filter((p) => p.includes('connected HaloPSA'))).toHaveLength(
      1,
    );
  });

  it('answers a redelivered command once', async () => {
    const fresh = await suite.harness();
    const activity = messageActivity('help', { serviceUrl: fresh.connector.url });
    await fresh.post(activity);
    await fresh.post(activity);
    expect(fresh.connector.posted).toHaveLength(1);
  });
});

describe('a canary secret', () => {
  it('is in no connector call, log line, invoke answer or the store', async () => {
    const fresh = await suite.harness();
    const canary = `${crypto.randomUUID()}-${crypto.randomUUID()}`;
    const valid = sandboxScenario('valid');
    const first = await openDialog(fresh);
    await submitDialog(
      fresh,
      first,
      scenarioForm(suite.sandbox.authServer, sandboxScenario('wrong-secret'), canary),
    );
    const report = await finalReport(fresh);
    const retry = await openDialog(fresh, {
      ...buttonData(report, ActionId.RetryCredentials),
      msteams: { type: 'task/fetch' },
    });
    await submitDialog(fresh, retry, { authServer: 'bad', clientId: 'bad', clientSecret: canary });
    await submitDialog(fresh, retry, scenarioForm(suite.sandbox.authServer, valid));
    await finalReport(fresh);
    await say(fresh, 'status');
    await say(fresh, 'verify');
    await finalReport(fresh);
    const where = {
      connector: fresh.connector.calls.map((c) => c.raw).join('\n'),
      logs: fresh.logLines.join('\n'),
      answers: JSON.stringify(fresh.invokeAnswers),
      store: await fresh.storeFile(),
    };
    for (const [place, content] of Object.entries(where)) {
      expect(content.length, place).toBeGreaterThan(0);
      expect(content.includes(canary), `canary in ${place}`).toBe(false);
      expect(content.includes(valid.clientSecret), `secret in ${place}`).toBe(false);
    }
    expect(await fresh.store.getConnection(CONNECTION_ID)).toBeDefined();
  });
});
