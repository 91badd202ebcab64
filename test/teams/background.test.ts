import { describe, expect, it } from 'vitest';
import { FollowUps, MAX_RUNNING_FOLLOW_UPS } from '../../src/core/follow-ups.js';
import { silentLogger } from '../../src/core/logger.js';
import { Background } from '../../src/bots/teams/background.js';

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

  it('logs a failed job instead of throwing', async () => {
    const background = new Background(silentLogger);
    background.after('report', Promise.reject(new Error('lost')), async () => undefined);
    background.run('post', () => Promise.reject(new Error('down')));
    await expect(background.idle()).resolves.toBeUndefined();
  });
});
