import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Message } from '../../src/core/message.js';
import type { Address } from '../../src/core/platform.js';
import { SlackHarness } from './harness.js';
import { CHANNEL, TEAM } from './payloads.js';

let h: SlackHarness;
const address: Address = { platform: 'slack', workspaceId: TEAM, channelId: CHANNEL };
const message: Message = {
  title: 'Reminder',
  severity: 'warning',
  summary: 'The HaloPSA client secret is due for rotation.',
  sections: [{ text: 'Rotate it with **/halo rotate**.' }],
};

beforeAll(async () => {
  h = await SlackHarness.start();
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  h.fake.reset();
  h.sleeps.length = 0;
});

describe('the Slack notifier', () => {
  it('posts Block Kit with a plain-text summary and returns channel:ts as the ref', async () => {
    const result = await h.adapter.notifier.post(address, message, { mentions: ['U1'] });
    expect(result).toMatchObject({ ok: true, ref: expect.stringMatching(/^C0001:\d+\.\d+$/) });
    const [call] = h.fake.callsOf('chat.postMessage');
    expect(call!.params.text).toBe(message.summary);
    expect(JSON.stringify(call!.params.blocks)).toContain('Rotate it with */halo rotate*.');
    expect(JSON.stringify(call!.params.blocks)).toContain('<@U1>');
  });

  it('updates a posted message with chat.update', async () => {
    const result = await h.adapter.notifier.update(address, 'C0001:1700000001.000100', message);
    expect(result.ok).toBe(true);
    expect(h.fake.callsOf('chat.update')[0]!.params).toMatchObject({
      channel: CHANNEL,
      ts: '1700000001.000100',
    });
  });

  it('sends a direct message to the user id (the app Messages tab)', async () => {
    const result = await h.adapter.notifier.direct(
      { platform: 'slack', workspaceId: TEAM },
      'U9',
      message,
    );
    expect(result.ok).toBe(true);
    expect(h.fake.callsOf('chat.postMessage')[0]!.params.channel).toBe('U9');
  });

  it('waits out a 429 Retry-After and then succeeds', async () => {
    h.fake.queue(
      'chat.postMessage',
      { status: 429, headers: { 'retry-after': '1' } },
      { status: 429, headers: { 'retry-after': '2' } },
    );
    const result = await h.adapter.notifier.post(address, message);
    expect(result.ok).toBe(true);
    expect(h.sleeps).toEqual([1000, 2000]);
    expect(h.fake.callsOf('chat.postMessage')).toHaveLength(3);
  });

  it('reports rate_limited after the last attempt, with the wait Slack asked for', async () => {
    h.fake.queue(
      'chat.postMessage',
      ...Array(3).fill({ status: 429, headers: { 'retry-after': '1' } }),
    );
    const result = await h.adapter.notifier.post(address, message);
    expect(result).toMatchObject({ ok: false, reason: 'rate_limited', retryAfterMs: 1000 });
    expect(h.fake.callsOf('chat.postMessage')).toHaveLength(3);
  });

  it('does not wait out a Retry-After longer than its bound', async () => {
    h.fake.queue('chat.postMessage', { status: 429, headers: { 'retry-after': '600' } });
    const result = await h.adapter.notifier.post(address, message);
    expect(result).toMatchObject({ ok: false, reason: 'rate_limited', retryAfterMs: 600_000 });
    expect(h.sleeps).toEqual([]);
  });

  it('retries a 5xx with backoff, then reports failed', async () => {
    h.fake.queue('chat.postMessage', { status: 503 }, { status: 502 }, { status: 500 });
    const result = await h.adapter.notifier.post(address, message);
    expect(result).toMatchObject({ ok: false, reason: 'failed', detail: 'http_500' });
    expect(h.sleeps).toEqual([1, 2]);
  });

  it('recovers when a 5xx is followed by success', async () => {
    h.fake.queue('chat.postMessage', { status: 500 });
    expect((await h.adapter.notifier.post(address, message)).ok).toBe(true);
  });

  it.each([
    ['not_in_channel', 'not_in_channel'],
    ['channel_not_found', 'not_in_channel'],
    ['is_archived', 'gone'],
    ['account_inactive', 'gone'],
    ['token_revoked', 'gone'],
    ['invalid_blocks', 'failed'],
    ['invalid_auth', 'failed'],
  ])('maps the Slack error %s to %s without retrying', async (error, reason) => {
    h.fake.queue('chat.postMessage', { error });
    const result = await h.adapter.notifier.post(address, message);
    expect(result).toEqual({ ok: false, reason, detail: error });
    expect(h.fake.callsOf('chat.postMessage')).toHaveLength(1);
  });
});
