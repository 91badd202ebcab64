import { describe, expect, it } from 'vitest';
import { FollowUps, MAX_RUNNING_FOLLOW_UPS } from '../../src/core/follow-ups.js';
import { silentLogger } from '../../src/core/logger.js';
import { simple } from '../../src/core/messages.js';
import type { Notifier } from '../../src/core/notifier.js';
import { Background } from '../../src/bots/teams/background.js';
import { LiveCard } from '../../src/bots/teams/live-card.js';

/** A notifier that answers every send at once and counts them. */
function quickNotifier() {
  const sends: string[] = [];
  const notifier: Notifier = {
    platform: 'teams',
    post: async (_address, message) => {
      sends.push(`post ${message.title}`);
      return { ok: true, ref: 'card' };
    },
    update: async (_address, _ref, message) => {
      sends.push(`update ${message.title}`);
      return { ok: true, ref: 'card' };
    },
    direct: async () => ({ ok: false, reason: 'failed', detail: 'unused' }),
  };
  return { notifier, sends };
}

describe('Background', () => {
  it('holds no follow-up place while waiting for a report', async () => {
    const gate = new FollowUps({ logger: silentLogger });
    const background = new Background(silentLogger, gate);
    let deliver: (report: string) => void = () => undefined;
    const report = new Promise<string>((resolve) => (deliver = resolve));
    const shown: string[] = [];
    // More waiting report cards than the gate lets run at once.
    for (let i = 0; i <= MAX_RUNNING_FOLLOW_UPS; i++) {
      background.after('live report card', report, async (text) => void shown.push(`${i} ${text}`));
    }
    let posted = false;
    background.run('announce connect', async () => void (posted = true));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(posted).toBe(true);
    expect(shown).toEqual([]);
    deliver('ok');
    await background.idle();
    expect(shown).toHaveLength(MAX_RUNNING_FOLLOW_UPS + 1);
  });

  it('holds no follow-up place while a live card waits between its updates', async () => {
    const gate = new FollowUps({ logger: silentLogger });
    const background = new Background(silentLogger, gate);
    const { notifier, sends } = quickNotifier();
    const address = { platform: 'teams', workspaceId: 't', channelId: 'c' } as const;
    // More cards than the gate lets run at once, each sent its first view and now waiting
    // a long progress interval before its next one.
    const cards = Array.from(
      { length: MAX_RUNNING_FOLLOW_UPS + 1 },
      () =>
        new LiveCard(notifier, address, {
          progressIntervalMs: 60_000,
          gate: background,
        }),
    );
    for (const card of cards) {
      background.track('live report card', card.start(simple('Verifying', 'info', 'x')));
    }
    await background.idle();
    for (const card of cards) card.progress(simple('2 of 5', 'info', 'x'));
    let posted = false;
    background.run('announce connect', async () => void (posted = true));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(posted).toBe(true);
    // The final view does not wait for the progress slot; waiting progress gives way to it.
    for (const card of cards)
      background.track('live report card', card.finish(simple('Connected', 'success', 'x')));
    await background.idle();
    expect(sends.filter((s) => s === 'update Connected')).toHaveLength(cards.length);
    expect(sends.filter((s) => s.includes('2 of 5'))).toEqual([]);
  });

  it('answers a gated step its outcome, failure included', async () => {
    const background = new Background(silentLogger);
    await expect(background.gated(async () => 7)).resolves.toBe(7);
    await expect(background.gated(() => Promise.reject(new Error('no')))).rejects.toThrow('no');
  });

  it('logs a failed job instead of throwing', async () => {
    const background = new Background(silentLogger);
    background.after('report', Promise.reject(new Error('lost')), async () => undefined);
    background.run('post', () => Promise.reject(new Error('down')));
    background.track('card', Promise.reject(new Error('gone')));
    await expect(background.idle()).resolves.toBeUndefined();
  });
});
