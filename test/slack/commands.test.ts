import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ActionId } from '../../src/core/message.js';
import { SlackHarness } from './harness.js';
import { ADMIN, buttonClick, CHANNEL, encodeCommand, GUEST, MEMBER } from './payloads.js';

let h: SlackHarness;

beforeAll(async () => {
  h = await SlackHarness.start();
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await h.settle();
  h.fake.reset();
  h.fake.users.set(ADMIN, { is_admin: true });
  h.fake.users.set(GUEST, { is_restricted: true });
});

const text = (value: unknown) => JSON.stringify(value);

describe('/halo without a connection', () => {
  it.each(['', 'help', 'frobnicate', '  HELP  '])(
    'answers "%s" with the help, in the ack',
    async (input) => {
      const { reply } = h.command(input, 'help');
      const answer = await reply;
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ response_type: 'ephemeral' });
      for (const command of ['connect', 'status', 'verify', 'rotate', 'disconnect', 'help']) {
        expect(text(answer.body)).toContain(`\`${command}\``);
      }
      await h.settle();
      expect(h.fake.calls).toEqual([]);
    },
  );

  it('answers status privately: not connected, with a way to start for an admin', async () => {
    await (
      await h.command('status', 'st')
    ).reply;
    const reply = await h.fake.waitFor('status reply', () => h.fake.responsesTo('st')[0]);
    expect(reply.params).toMatchObject({ response_type: 'ephemeral' });
    expect(text(reply.params)).toContain('Not connected');
    expect(text(reply.params)).toContain(ActionId.GuideGoto);
  });

  it('shows step 1 of the guide to an admin, privately, and tells the channel', async () => {
    const { reply } = h.command('connect', 'c1');
    expect((await reply).status).toBe(200);
    const guide = await h.fake.waitFor('guide', () => h.fake.responsesTo('c1')[0]);
    expect(guide.params).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(text(guide.params)).toContain('Step 1 of 5');
    expect(text(guide.params)).toContain(ActionId.OpenCredentials);
    const post = await h.fake.waitFor('channel post', () => h.fake.callsOf('chat.postMessage')[0]);
    expect(post.params.channel).toBe(CHANNEL);
    expect(text(post.params)).toContain(`<@${ADMIN}> started connecting HaloPSA`);
    expect(post.token).toBe('xoxb-test-0000-bot-token');
  });

  it.each([
    ['a member', MEMBER, 'Only workspace admins'],
    ['a guest', GUEST, 'Guests cannot'],
  ])('refuses connect for %s, without a channel post', async (_who, user, words) => {
    await h.command('connect', 'deny', user).reply;
    const reply = await h.fake.waitFor('refusal', () => h.fake.responsesTo('deny')[0]);
    expect(text(reply.params)).toContain(words);
    await h.settle();
    expect(h.fake.callsOf('chat.postMessage')).toEqual([]);
  });

  it('lets an allow-listed member connect', async () => {
    const listed = await SlackHarness.start({ env: { ADMIN_USER_IDS: MEMBER } });
    try {
      await listed.command('connect', 'listed', MEMBER).reply;
      const guide = await listed.fake.waitFor('guide', () => listed.fake.responsesTo('listed')[0]);
      expect(text(guide.params)).toContain('Step 1 of 5');
    } finally {
      await listed.close();
    }
  });

  it('runs a redelivered /halo connect once: one guide, one channel post', async () => {
    const { command, reply } = h.command('connect', 'dup');
    await reply;
    const again = await h.send(encodeCommand(command), {
      headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
    });
    expect(again.status).toBe(200);
    await h.settle();
    expect(h.fake.callsOf('chat.postMessage')).toHaveLength(1);
    expect(h.fake.responsesTo('dup')).toHaveLength(1);
  });

  it('tells the admin privately how to invite the bot when it is not in the channel', async () => {
    h.fake.notInChannel.add(CHANNEL);
    await h.command('connect', 'nic').reply;
    const notes = await h.fake.waitFor('two replies', () => {
      const replies = h.fake.responsesTo('nic');
      return replies.length >= 2 && replies;
    });
    expect(text(notes[1]!.params)).toContain('/invite @halo-connect');
    expect(notes[1]!.params).toMatchObject({ response_type: 'ephemeral' });
  });

  it('moves through the guide in place with Next and Back, and remembers the step', async () => {
    const surface = { kind: 'message' as const, responseUrl: h.fake.responseUrl('g') };
    await h.interact(buttonClick(ActionId.GuideNext, 'agent', surface));
    let step = await h.fake.waitFor('step 2', () => h.fake.responsesTo('g')[0]);
    expect(step.params).toMatchObject({ replace_original: true });
    expect(text(step.params)).toContain('Step 2 of 5');
    await h.interact(buttonClick(ActionId.GuideNext, 'permissions', surface));
    await h.interact(buttonClick(ActionId.GuideBack, 'application', surface));
    await h.settle();
    step = h.fake.responsesTo('g').at(-1)!;
    expect(text(step.params)).toContain('Step 2 of 5');
    expect(await h.store.getGuideProgress(`slack:T0001:${ADMIN}`)).toMatchObject({
      step: 'permissions',
    });
    await h.command('connect', 'resume').reply;
    const resumed = await h.fake.waitFor('resumed guide', () => h.fake.responsesTo('resume')[0]);
    expect(text(resumed.params)).toContain('Step 2 of 5');
  });

  it('opens the credentials form at once from the guide, secret field empty', async () => {
    const click = buttonClick(
      ActionId.OpenCredentials,
      JSON.stringify({ mode: 'connect', prefill: {} }),
      { kind: 'message', responseUrl: h.fake.responseUrl('open') },
    );
    await h.interact(click);
    const open = await h.fake.waitFor('views.open', () => h.fake.callsOf('views.open')[0]);
    expect(open.params.trigger_id).toBe(click.trigger_id);
    const view = open.params.view as {
      blocks: { block_id?: string; element?: Record<string, unknown> }[];
      private_metadata: string;
    };
    const inputs = view.blocks.filter((b) => b.element);
    expect(inputs.map((b) => b.block_id)).toEqual([
      'authServer',
      'tenant',
      'clientId',
      'clientSecret',
    ]);
    expect(inputs.at(-1)!.element).not.toHaveProperty('initial_value');
    expect(text(view)).toContain('cannot hide what you type');
    expect(JSON.parse(view.private_metadata)).toEqual({ v: 1, c: CHANNEL, m: 'connect' });
    // Nothing (no users.info lookup) comes before the modal is open.
    await h.settle();
    expect(h.fake.calls[0]!.method).toBe('views.open');
  });

  it('opens the guide in a modal from App Home, which cannot show replies', async () => {
    const click = buttonClick(ActionId.GuideGoto, 'agent', { kind: 'home' });
    await h.interact(click);
    await h.settle();
    const open = h.fake.callsOf('views.open')[0]!;
    expect(open.params.trigger_id).toBe(click.trigger_id);
    expect(text(open.params.view)).toContain('Step 1 of 5');
  });

  it('answers Snooze on a channel reminder privately, leaving the reminder in place', async () => {
    const value = JSON.stringify({ days: 1, cycle: '2026-01-01T00:00:00.000Z' });
    const surface = {
      kind: 'message' as const,
      responseUrl: h.fake.responseUrl('z'),
      inChannel: true,
    };
    await h.interact(buttonClick(ActionId.Snooze, value, surface, MEMBER));
    await h.settle();
    const [reply] = h.fake.responsesTo('z');
    expect(reply!.params).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(text(reply!.params)).toContain('Not allowed');
  });

  it('says "not connected" for verify, rotate and disconnect', async () => {
    await h.command('verify', 'v').reply;
    await h.command('rotate', 'r').reply;
    await h.command('disconnect', 'd').reply;
    await h.settle();
    const updates = h.fake.callsOf('views.update').map((c) => text(c.params.view));
    expect(updates.filter((u) => u.includes('Not connected'))).toHaveLength(2);
    expect(text(h.fake.responsesTo('d')[0]!.params)).toContain('Disconnect HaloPSA?');
  });
});
