import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ActionId } from '../../src/core/message.js';
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
import { ADMIN, appHomeOpened, buttonClick, CHANNEL, encodeCommand, MEMBER } from './payloads.js';

let sandbox: Sandbox;
let h: SlackHarness;
const valid = sandboxScenario('valid');
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
  if (!(await h.store.getConnection('slack:T0001'))) {
    const form = await openCredentialsForm(h);
    await submitForm(h, form, scenarioForm(sandbox.authServer, valid));
    expect((await finalView(h, form.viewId)).title.text).toBe('Connected');
    h.fake.reset();
    h.fake.users.set(ADMIN, { is_admin: true });
  }
});

const text = (value: unknown) => JSON.stringify(value);
const tokenRequests = () => sandbox.requests.filter((r) => r.path.startsWith('/auth/token')).length;

describe('a connected workspace', () => {
  it('shows the status privately, with manage buttons for an admin only', async () => {
    await h.command('status', 'sa').reply;
    await h.command('status', 'sm', MEMBER).reply;
    await h.settle();
    const admin = h.fake.responsesTo('sa')[0]!.params;
    expect(text(admin)).toContain('Halo instance');
    expect(text(admin)).toContain(new URL(sandbox.url).host);
    expect(text(admin)).toContain('Next rotation due');
    expect(buttons(admin).map((b) => b.action_id)).toEqual([
      ActionId.Verify,
      ActionId.Rotate,
      ActionId.DisconnectAsk,
    ]);
    expect(buttons(h.fake.responsesTo('sm')[0]!.params).map((b) => b.action_id)).toEqual([
      ActionId.Verify,
    ]);
  });

  it('re-runs every check with /halo verify, in a modal, once even when redelivered', async () => {
    const before = tokenRequests();
    const { command, reply } = h.command('verify', 'v');
    await reply;
    await h.send(encodeCommand(command), { headers: { 'x-slack-retry-num': '1' } });
    await h.settle();
    const open = h.fake.callsOf('views.open')[0]!;
    expect(open.params.trigger_id).toBe(command.trigger_id);
    expect(text(open.params.view)).toContain('Verifying…');
    const report = await finalView(h, h.fake.viewId(0));
    expect(report.title.text).toBe('Connected');
    expect(tokenRequests()).toBe(before + 1);
    expect(channelPosts(h, CHANNEL).filter((p) => p.includes('every check passed'))).toHaveLength(
      1,
    );
    const record = await h.store.getConnection('slack:T0001');
    expect(record?.lastVerifiedAt).toBeDefined();
  });

  it('reports a failing re-check (the client was revoked in Halo)', async () => {
    sandbox.revoke(valid.clientId);
    try {
      await h.interact(buttonClick(ActionId.Verify, undefined, { kind: 'home' }));
      await h.settle();
      const opened = h.fake.callsOf('views.open');
      expect(opened).toHaveLength(1);
      const report = await finalView(h, h.fake.viewId(0));
      expect(report.title.text).toBe('Check failed');
      expect(channelPosts(h, CHANNEL).join()).toContain('Token issued');
    } finally {
      sandbox.restore(valid.clientId);
    }
  });

  it('opens /halo rotate at once, then fills in everything but the secret', async () => {
    const { command, reply } = h.command('rotate', 'r');
    await reply;
    await h.settle();
    const [open] = h.fake.callsOf('views.open');
    expect(open!.params.trigger_id).toBe(command.trigger_id);
    expect(h.fake.calls[0]!.method).toBe('views.open');
    const filled = h.fake.callsOf('views.update').at(-1)!;
    const form = formOf(filled, h.fake.viewId(0));
    expect(form.view.title.text).toBe('Rotate client secret');
    const initial = Object.fromEntries(
      form.view.blocks
        .filter((b) => b.type === 'input')
        .map((b) => [b.block_id, b.element?.initial_value]),
    );
    expect(initial).toEqual({
      authServer: sandbox.authServer,
      tenant: undefined,
      clientId: valid.clientId,
      clientSecret: undefined,
    });
    await submitForm(h, form, scenarioForm(sandbox.authServer, valid));
    const report = await finalView(h, h.fake.viewId(0));
    expect(text(report)).toContain('now replace the old ones');
    expect(channelPosts(h, CHANNEL).join()).toContain('rotated the HaloPSA client secret');
  });

  it('refuses /halo rotate for a member, in the modal', async () => {
    await h.command('rotate', 'rm', MEMBER).reply;
    await h.settle();
    const view = await finalView(h, h.fake.viewId(0));
    expect(view.title.text).toBe('Not allowed');
  });

  it('asks before disconnecting; Cancel removes the question', async () => {
    await h.command('disconnect', 'dc').reply;
    await h.settle();
    const question = h.fake.responsesTo('dc')[0]!.params;
    expect(buttons(question).map((b) => b.action_id)).toEqual([
      ActionId.DisconnectConfirm,
      ActionId.DisconnectCancel,
    ]);
    await h.interact(
      buttonClick(ActionId.DisconnectCancel, undefined, {
        kind: 'message',
        responseUrl: h.fake.responseUrl('dc'),
      }),
    );
    await h.settle();
    expect(h.fake.responsesTo('dc').at(-1)!.params).toEqual({ delete_original: true });
    expect(await h.store.getConnection('slack:T0001')).toBeDefined();
  });

  it('disconnects on confirmation, once even when the click is redelivered', async () => {
    const click = buttonClick(ActionId.DisconnectConfirm, undefined, {
      kind: 'message',
      responseUrl: h.fake.responseUrl('dx'),
    });
    await h.interact(click);
    await h.interact(click, { 'x-slack-retry-num': '1' });
    await h.settle();
    expect(await h.store.getConnection('slack:T0001')).toBeUndefined();
    expect(h.fake.responsesTo('dx')).toHaveLength(1);
    expect(h.fake.responsesTo('dx')[0]!.params).toMatchObject({ replace_original: true });
    expect(text(h.fake.responsesTo('dx')[0]!.params)).toContain('Disconnected');
    expect(channelPosts(h, CHANNEL).filter((p) => p.includes('disconnected HaloPSA'))).toHaveLength(
      1,
    );
  });

  it('refuses a member who confirms a disconnect', async () => {
    await h.interact(
      buttonClick(
        ActionId.DisconnectConfirm,
        undefined,
        { kind: 'message', responseUrl: h.fake.responseUrl('dm') },
        MEMBER,
      ),
    );
    await h.settle();
    expect(text(h.fake.responsesTo('dm')[0]!.params)).toContain('Not allowed');
    expect(await h.store.getConnection('slack:T0001')).toBeDefined();
  });

  it('publishes App Home with the connection and Verify and Rotate', async () => {
    await h.event(appHomeOpened());
    await h.settle();
    const view = h.fake.callsOf('views.publish')[0]!.params.view as { type: string };
    expect(view.type).toBe('home');
    for (const words of ['Halo instance', 'Agent', 'Last verified', 'Next rotation due']) {
      expect(text(view)).toContain(words);
    }
    expect(buttons(view).map((b) => b.action_id)).toEqual(
      expect.arrayContaining([ActionId.Verify, ActionId.Rotate]),
    );
  });

  it('opens the rotate form from App Home with the stored values', async () => {
    const value = JSON.stringify({
      mode: 'rotate',
      prefill: { authServer: sandbox.authServer, clientId: valid.clientId },
    });
    await h.interact(buttonClick(ActionId.Rotate, value, { kind: 'home' }));
    await h.settle();
    const open = h.fake.callsOf('views.open')[0]!;
    const form = formOf(open, h.fake.viewId(0));
    expect(form.view.title.text).toBe('Rotate client secret');
    expect(JSON.parse(form.privateMetadata)).toMatchObject({ m: 'rotate' });
  });
});
