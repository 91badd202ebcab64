import './clean-env.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../src/bots/teams/deliver.js';
import { simple } from '../../src/core/messages.js';
import type { Address } from '../../src/core/platform.js';
import {
  CONVERSATIONS,
  installationUpdate,
  messageActivity,
  TENANT_ID,
  USERS,
} from './activities.js';
import { TeamsHarness } from './harness.js';
import { unusedVerifier } from './stub-verifier.js';

const message = simple(
  'Rotation due',
  'warning',
  'The client secret is due for rotation in 7 days.',
);
const channel: Address = {
  platform: 'teams',
  workspaceId: TENANT_ID,
  channelId: CONVERSATIONS.channel.id,
};

describe('the Teams notifier, through stored conversation references', () => {
  let h: TeamsHarness;

  beforeAll(async () => {
    h = await TeamsHarness.start({ verifier: unusedVerifier });
    h.connector.members.set(USERS.admin.id, USERS.admin);
  });
  afterAll(() => h.close());

  beforeEach(async () => {
    // Any activity in the channel stores (and re-enables) its reference.
    await h.post(messageActivity('help', { serviceUrl: h.connector.url, conversation: 'channel' }));
    h.connector.calls.length = 0;
    h.sleeps.length = 0;
  });

  it('posts a card as a new message and updates it in place', async () => {
    const posted = await h.adapter.notifier.post(channel, message);
    expect(posted).toMatchObject({ ok: true });
    const ref = posted.ok ? posted.ref : '';
    expect(h.connector.calls.map((c) => c.kind)).toEqual(['send']);
    expect(h.connector.calls[0]?.conversationId).toBe(CONVERSATIONS.channel.id);
    const updated = await h.adapter.notifier.update(
      channel,
      ref,
      simple('Rotated', 'success', 'Done.'),
    );
    expect(updated).toEqual({ ok: true, ref });
    expect(h.connector.updates[0]?.activityId).toBe(ref);
  });

  it('retries a 429 after Retry-After, then answers rate_limited', async () => {
    h.connector.fail(
      'send',
      ...Array.from({ length: 3 }, () => ({ status: 429, headers: { 'retry-after': '7' } })),
    );
    const result = await h.adapter.notifier.post(channel, message);
    expect(result).toMatchObject({ ok: false, reason: 'rate_limited', retryAfterMs: 7000 });
    expect(h.sleeps).toEqual([7000, 7000]);
    expect(h.connector.calls).toHaveLength(3);
  });

  it('caps the wait a Retry-After asks for', async () => {
    h.connector.fail('send', { status: 429, headers: { 'retry-after': '3600' } });
    const result = await h.adapter.notifier.post(channel, message);
    expect(result).toMatchObject({ ok: true });
    expect(h.sleeps).toEqual([10_000]);
  });

  it('retries 5xx with back-off, then answers failed', async () => {
    h.connector.fail('send', { status: 500 }, { status: 502 }, { status: 503 });
    const result = await h.adapter.notifier.post(channel, message);
    expect(result).toMatchObject({ ok: false, reason: 'failed', detail: 'http_503:Scripted' });
    expect(h.sleeps).toEqual([100, 200]);
  });

  it('recovers when a retry succeeds', async () => {
    h.connector.fail('send', { status: 500 });
    expect(await h.adapter.notifier.post(channel, message)).toMatchObject({ ok: true });
    expect(h.connector.calls).toHaveLength(2);
  });

  it('treats 403 (bot removed) as gone, disables the conversation and stops calling', async () => {
    h.connector.fail('send', {
      status: 403,
      body: {
        error: {
          code: 'ConversationBlockedByUser',
          message: 'User blocked the conversation with the bot.',
        },
      },
    });
    const first = await h.adapter.notifier.post(channel, message);
    expect(first).toMatchObject({
      ok: false,
      reason: 'gone',
      detail: 'http_403:ConversationBlockedByUser',
    });
    const stored = await h.store.getConversationRef(`${TENANT_ID}:${CONVERSATIONS.channel.id}`);
    expect(stored?.disabled).toBe(true);
    const second = await h.adapter.notifier.post(channel, message);
    expect(second).toMatchObject({ ok: false, reason: 'gone' });
    expect(h.connector.calls).toHaveLength(1);
  });

  it('is usable again once the bot hears from the conversation', async () => {
    expect(await h.adapter.notifier.post(channel, message)).toMatchObject({ ok: true });
  });

  it('disables the conversation when the app is removed from it', async () => {
    const removed = await h.post(
      installationUpdate('remove', { serviceUrl: h.connector.url, conversation: 'channel' }),
    );
    expect(removed.status).toBe(200);
    expect(await h.adapter.notifier.post(channel, message)).toMatchObject({
      ok: false,
      reason: 'gone',
    });
    expect(h.connector.calls).toEqual([]);
  });

  it('refuses a stored reference whose serviceUrl is not loopback in local mode', async () => {
    const evil: Address = {
      platform: 'teams',
      workspaceId: 'other-tenant',
      channelId: 'conv',
      reference: {
        serviceUrl: 'http://169.254.169.254/',
        conversation: { id: 'conv' },
        channelId: 'msteams',
      },
    };
    const result = await h.adapter.notifier.post(evil, message);
    expect(result).toMatchObject({ ok: false, reason: 'failed' });
    expect(h.connector.calls).toEqual([]);
  });

  it('sends a direct message through the person’s personal chat, once it is known', async () => {
    const workspace = { platform: 'teams' as const, workspaceId: TENANT_ID };
    expect(
      await h.adapter.notifier.direct(workspace, USERS.admin.aadObjectId, message),
    ).toMatchObject({
      ok: false,
      detail: 'no_personal_chat',
    });
    await h.post(
      messageActivity('help', { serviceUrl: h.connector.url, conversation: 'personal' }),
    );
    h.connector.calls.length = 0;
    expect(
      await h.adapter.notifier.direct(workspace, USERS.admin.aadObjectId, message),
    ).toMatchObject({ ok: true });
    expect(h.connector.calls[0]?.conversationId).toBe(CONVERSATIONS.personal.id);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(
      parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', Date.parse('2026-01-01T00:00:00Z')),
    ).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
