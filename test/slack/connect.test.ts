import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHECK_LABELS } from '../../src/core/check-labels.js';
import { guideStep } from '../../src/core/guide.js';
import { ActionId } from '../../src/core/message.js';
import { Secret } from '../../src/core/secret.js';
import { createVerifier } from '../../src/core/verifier.js';
import { createHaloDispatcher } from '../../src/core/net/index.js';
import { silentLogger } from '../../src/core/logger.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { sandboxScenario } from '../../src/sandbox/scenarios.js';
import {
  buttons,
  channelPosts,
  finalView,
  formOf,
  openCredentialsForm,
  scenarioForm,
  submitForm,
} from './flow.js';
import { SlackHarness } from './harness.js';
import { ADMIN, buttonClick, CHANNEL, MEMBER } from './payloads.js';

let sandbox: Sandbox;
let h: SlackHarness;
const generous = { limit: 1000, windowMs: 60_000 };

beforeAll(async () => {
  sandbox = await startSandbox();
  h = await SlackHarness.start({ perUserLimit: generous, perWorkspaceLimit: generous });
});
afterAll(async () => {
  await h.close();
  await sandbox.close();
});
beforeEach(async () => {
  await h.settle();
  h.fake.reset();
  h.fake.users.set(ADMIN, { is_admin: true });
  await h.store.deleteConnection('slack:T0001');
});

const tokenRequests = () => sandbox.requests.filter((r) => r.path.startsWith('/auth/token')).length;
const text = (value: unknown) => JSON.stringify(value);

describe('connecting HaloPSA from Slack', () => {
  it('goes from /halo connect to a stored connection and a channel post', async () => {
    await h.command('connect', 'start').reply;
    await h.fake.waitFor('guide', () => h.fake.responsesTo('start')[0]);
    const form = await openCredentialsForm(h);
    const ack = await submitForm(
      h,
      form,
      scenarioForm(sandbox.authServer, sandboxScenario('valid')),
    );
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({
      response_action: 'update',
      view: { title: { text: 'Verifying…' } },
    });
    const report = await finalView(h, form.viewId);
    expect(report.title.text).toBe('Connected');
    expect(text(report)).toContain('Next rotation due');
    const posts = channelPosts(h, CHANNEL);
    expect(posts).toHaveLength(2);
    expect(posts[0]).toContain('started connecting HaloPSA');
    expect(posts[1]).toContain('connected HaloPSA and every required check passed');
    const record = await h.store.getConnection('slack:T0001');
    expect(record).toMatchObject({
      authServer: sandbox.authServer,
      clientId: sandboxScenario('valid').clientId,
      connectedBy: ADMIN,
      channel: { platform: 'slack', workspaceId: 'T0001', channelId: CHANNEL },
      health: 'ok',
    });
  });

  const failures = [
    'wrong-secret',
    'unknown-client',
    'missing-tenant',
    'no-all-standard',
    'no-all-teams',
    'no-admin-webhooks',
    'scope-rejected',
    'agent-not-api-only',
    'agent-disabled',
    'no-login-agent',
    'no-customers',
    'no-purchase-orders',
    'no-invoices',
    'no-visibility',
    'rate-limited',
  ];

  it.each(failures)('shows what the verifier found for "%s" in the modal', async (name) => {
    const scenario = sandboxScenario(name);
    const values = scenarioForm(sandbox.authServer, scenario);
    const dispatcher = createHaloDispatcher({ allowPrivateNetwork: true });
    const expected = await createVerifier({
      dispatcher,
      logger: silentLogger,
      clock: { now: () => new Date() },
    }).verify({
      authServer: sandbox.authServer,
      tenant: values.tenant,
      clientId: scenario.clientId,
      clientSecret: new Secret(scenario.clientSecret),
    });
    await dispatcher.close();
    const form = await openCredentialsForm(h);
    await submitForm(h, form, values);
    const report = await finalView(h, form.viewId);
    const failing = expected.checks.find((c) => c.status === 'fail');
    const stored = await h.store.getConnection('slack:T0001');
    if (!failing) {
      // Warnings only: connected, and the warning is shown.
      expect(report.title.text).toBe('Connected');
      expect(stored).toBeDefined();
      const warned = expected.checks.find((c) => c.status === 'warn');
      if (warned) expect(text(report)).toContain(`⚠️ ${CHECK_LABELS[warned.id]}`);
      return;
    }
    expect(report.title.text).toBe('Check failed');
    expect(text(report)).toContain(`❌ ${CHECK_LABELS[failing.id]}`);
    expect(stored).toBeUndefined();
    const ids = buttons(report).map((b) => b.action_id);
    expect(ids).toContain(ActionId.RetryCredentials);
    if (failing.step) {
      const goto = buttons(report).find((b) => b.action_id === ActionId.GuideGoto)!;
      expect(goto.value).toBe(failing.step);
      expect(text(goto.text)).toContain(`step ${guideStep(failing.step).number}`);
    }
    expect(channelPosts(h, CHANNEL).join()).toContain('attempt failed');
  });

  it('acks at once even when Halo is slow, and shows the report when it comes', async () => {
    const form = await openCredentialsForm(h);
    const started = performance.now();
    const ack = await submitForm(
      h,
      form,
      scenarioForm(sandbox.authServer, sandboxScenario('slow')),
    );
    expect(performance.now() - started).toBeLessThan(1000);
    expect(ack.body).toMatchObject({ response_action: 'update' });
    const report = await finalView(h, form.viewId);
    expect(performance.now() - started).toBeGreaterThan(2500);
    expect(report.title.text).toBe('Connected');
  });

  it('puts field errors under their inputs, without calling Halo or the channel', async () => {
    const form = await openCredentialsForm(h);
    const before = sandbox.requests.length;
    const ack = await submitForm(h, form, {
      authServer: 'not a url',
      clientId: 'abc',
      clientSecret: 'short',
    });
    expect(ack.body).toMatchObject({ response_action: 'errors' });
    const errors = (ack.body as { errors: Record<string, string> }).errors;
    expect(Object.keys(errors)).toEqual(
      expect.arrayContaining(['authServer', 'clientId', 'clientSecret']),
    );
    for (const key of Object.keys(errors))
      expect(['authServer', 'tenant', 'clientId', 'clientSecret']).toContain(key);
    await h.settle();
    expect(sandbox.requests.length).toBe(before);
    expect(h.fake.callsOf('chat.postMessage')).toEqual([]);
  });

  it('"Try again" reopens the form filled in, except the secret', async () => {
    const scenario = sandboxScenario('wrong-secret');
    const form = await openCredentialsForm(h);
    await submitForm(h, form, { ...scenarioForm(sandbox.authServer, scenario), tenant: 'acme' });
    const report = await finalView(h, form.viewId);
    const retry = buttons(report).find((b) => b.action_id === ActionId.RetryCredentials)!;
    expect(retry.value).not.toContain(scenario.clientSecret);
    await h.interact(
      buttonClick(ActionId.RetryCredentials, retry.value, {
        kind: 'modal',
        viewId: form.viewId,
        privateMetadata: form.privateMetadata,
      }),
    );
    const again = await finalView(h, form.viewId);
    const initial = Object.fromEntries(
      again.blocks
        .filter((b) => b.type === 'input')
        .map((b) => [b.block_id, b.element?.initial_value]),
    );
    expect(initial).toEqual({
      authServer: sandbox.authServer,
      tenant: 'acme',
      clientId: scenario.clientId,
      clientSecret: undefined,
    });
    expect(text(again)).not.toContain(scenario.clientSecret);
  });

  it('"Open guide at step N" shows that step in the modal', async () => {
    const form = await openCredentialsForm(h);
    await submitForm(h, form, scenarioForm(sandbox.authServer, sandboxScenario('no-customers')));
    const report = await finalView(h, form.viewId);
    const goto = buttons(report).find((b) => b.action_id === ActionId.GuideGoto)!;
    await h.interact(
      buttonClick(ActionId.GuideGoto, goto.value, {
        kind: 'modal',
        viewId: form.viewId,
        privateMetadata: form.privateMetadata,
      }),
    );
    const guide = await finalView(h, form.viewId);
    const step = guideStep(goto.value as 'permissions');
    expect(guide.title.text).toBe(`Step ${step.number} of 5`);
    expect(text(guide)).toContain(step.title);
    expect(guide.private_metadata).toBe(form.privateMetadata);
  });

  it('refuses a member who is not an admin, in the modal, without calling Halo', async () => {
    const form = await openCredentialsForm(h, MEMBER);
    const before = tokenRequests();
    const ack = await submitForm(
      h,
      form,
      scenarioForm(sandbox.authServer, sandboxScenario('valid')),
      MEMBER,
    );
    expect(ack.body).toMatchObject({
      response_action: 'update',
      view: { title: { text: 'Not allowed' } },
    });
    await h.settle();
    expect(tokenRequests()).toBe(before);
  });

  it('runs a redelivered submission once: one verification, one post', async () => {
    const form = await openCredentialsForm(h);
    const values = scenarioForm(sandbox.authServer, sandboxScenario('valid'));
    const before = tokenRequests();
    const first = await submitForm(h, form, values);
    const second = await submitForm(h, form, values, ADMIN, {
      'x-slack-retry-num': '1',
      'x-slack-retry-reason': 'http_timeout',
    });
    expect(first.body).toMatchObject({ response_action: 'update' });
    expect(second.body).toMatchObject({ response_action: 'update' });
    await h.settle();
    expect(tokenRequests()).toBe(before + 1);
    expect(channelPosts(h, CHANNEL).filter((p) => p.includes('connected HaloPSA'))).toHaveLength(1);
  });

  it('sends the report privately when the modal was closed before the end', async () => {
    const form = await openCredentialsForm(h);
    h.fake.closedViews.add(form.viewId);
    await submitForm(h, form, scenarioForm(sandbox.authServer, sandboxScenario('valid')));
    await h.settle();
    const ephemeral = h.fake.callsOf('chat.postEphemeral');
    expect(ephemeral).toHaveLength(1);
    expect(ephemeral[0]!.params).toMatchObject({ channel: CHANNEL, user: ADMIN });
    expect(text(ephemeral[0]!.params)).toContain('Connected');
  });

  it('tells the admin in a direct message when the bot cannot post in the channel', async () => {
    h.fake.notInChannel.add(CHANNEL);
    const form = await openCredentialsForm(h);
    await submitForm(h, form, scenarioForm(sandbox.authServer, sandboxScenario('valid')));
    await finalView(h, form.viewId);
    const direct = h.fake.callsOf('chat.postMessage').filter((c) => c.params.channel === ADMIN);
    expect(direct).toHaveLength(1);
    expect(text(direct[0]!.params)).toContain('/invite @halo-connect');
  });

  it('retries a post Slack answers with 500, then reports the failure in the log', async () => {
    h.fake.queue('chat.postMessage', { status: 500 }, { status: 500 }, { status: 500 });
    const form = await openCredentialsForm(h);
    await submitForm(h, form, scenarioForm(sandbox.authServer, sandboxScenario('valid')));
    const report = await finalView(h, form.viewId);
    expect(report.title.text).toBe('Connected');
    expect(h.fake.callsOf('chat.postMessage').filter((c) => c.status === 500)).toHaveLength(3);
    expect(h.logLines.join('')).toContain('channel status post failed');
  });

  it('retries a post Slack answers with 429 after its Retry-After', async () => {
    h.fake.queue('chat.postMessage', { status: 429, headers: { 'retry-after': '0' } });
    const form = await openCredentialsForm(h);
    await submitForm(h, form, scenarioForm(sandbox.authServer, sandboxScenario('valid')));
    await finalView(h, form.viewId);
    const posts = h.fake.callsOf('chat.postMessage');
    expect(posts.map((p) => p.status)).toEqual([429, 200]);
  });
});

describe('rate limit', () => {
  it('says "too many attempts" in the modal once the limit is reached', async () => {
    const limited = await SlackHarness.start({ perUserLimit: { limit: 1, windowMs: 60_000 } });
    try {
      limited.fake.users.set(ADMIN, { is_admin: true });
      const values = scenarioForm(sandbox.authServer, sandboxScenario('wrong-secret'));
      const first = await openCredentialsForm(limited);
      await submitForm(limited, first, values);
      await limited.settle();
      const second = await openCredentialsForm(limited);
      const ack = await submitForm(limited, second, values);
      expect(ack.body).toMatchObject({
        response_action: 'update',
        view: { title: { text: 'Too many attempts' } },
      });
    } finally {
      await limited.close();
    }
  });
});

describe('a canary secret', () => {
  it('appears in no Slack call, no log line and not in the store file', async () => {
    const canary = `${randomUUID()}-${randomUUID()}`;
    const wrong = sandboxScenario('wrong-secret');
    const valid = sandboxScenario('valid');
    let form = await openCredentialsForm(h);
    await submitForm(h, form, scenarioForm(sandbox.authServer, wrong, canary));
    const report = await finalView(h, form.viewId);
    await h.interact(
      buttonClick(ActionId.RetryCredentials, buttons(report)[0]!.value, {
        kind: 'modal',
        viewId: form.viewId,
      }),
    );
    await h.settle();
    form = formOf(h.fake.callsOf('views.update').at(-1)!, form.viewId);
    await submitForm(h, form, scenarioForm(sandbox.authServer, valid));
    await finalView(h, form.viewId);
    await h.command('status', 'canary-status').reply;
    await h.settle();
    const where = {
      slack: h.fake.transcript(),
      logs: h.logLines.join('\n'),
      store: await h.storeFile(),
    };
    for (const [place, content] of Object.entries(where)) {
      expect(content.length, place).toBeGreaterThan(0);
      expect(content.includes(canary), `canary in ${place}`).toBe(false);
      expect(content.includes(valid.clientSecret), `secret in ${place}`).toBe(false);
    }
    expect(await h.store.getConnection('slack:T0001')).toBeDefined();
  });
});
