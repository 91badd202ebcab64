import '../teams/clean-env.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CHECK_LABELS } from '../../src/core/check-labels.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { sandboxScenario } from '../../src/sandbox/scenarios.js';
import { ADMIN, CHANNEL } from '../slack/payloads.js';
import { USERS } from '../teams/activities.js';
import {
  closeChatPeers,
  startChatPeers,
  startInProcess,
  waitUntil,
  type ChatPeers,
} from './rotation-env.js';
import { errorsIn } from './rotation-log.js';
import { SlackUser, slackPosts } from './rotation-slack.js';
import { TEAMS_CHANNEL, TeamsUser, teamsPosts } from './rotation-teams.js';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
});
afterEach(closeChatPeers);
afterAll(async () => {
  await sandbox.close();
});

const valid = sandboxScenario('valid');
const FAILING = 'HaloPSA check failing';
const PASSING = 'HaloPSA check passing';

/** Token requests the sandbox saw for the valid scenario: one per verification. */
function tokenRequests(): number {
  return sandbox.requests.filter(
    (r) => r.path.startsWith('/auth/token') && r.clientId === valid.clientId,
  ).length;
}

/**
 * Waits until both connections were verified at least twice more than now, and the last
 * verification has finished: a revocation between its token request and its probes would
 * fail a later check than the token one.
 */
async function twoMorePasses(): Promise<void> {
  const mark = tokenRequests();
  await waitUntil('two more re-verification passes', () => tokenRequests() >= mark + 4);
  await waitUntil('a quiet sandbox', () => {
    const ends = sandbox.requests.map((r) => r.endedAt);
    const last = Math.max(...ends.map((end) => end ?? Infinity));
    return performance.now() - last > 100;
  });
}

/** The health notices in each channel so far, by title. */
function notices(peers: ChatPeers, title: string) {
  return {
    slack: slackPosts(peers.slack, CHANNEL, title),
    teams: teamsPosts(peers.teams, TEAMS_CHANNEL, title),
  };
}

describe('re-verification through the composed bot (src/main.ts)', () => {
  it('posts one alert naming the failing check, stays quiet, then one recovery', async () => {
    const peers = await startChatPeers();
    // The default rotation period keeps reminders out of the way; Halo is checked twice a second.
    const running = await startInProcess(peers, {
      REVERIFY_EVERY: 'PT0.5S',
      SCHEDULER_INTERVAL: 'PT0.2S',
    });
    try {
      await Promise.all([
        new SlackUser(peers.slack, running.bot.url).connect(sandbox.authServer, valid),
        new TeamsUser(peers.teams, running.bot.url).connect(sandbox.authServer, valid),
      ]);
      await twoMorePasses();
      expect(notices(peers, 'HaloPSA check')).toEqual({ slack: [], teams: [] });

      sandbox.revoke(valid.clientId);
      await waitUntil('an alert in both channels', () => {
        const { slack, teams } = notices(peers, FAILING);
        return slack.length > 0 && teams.length > 0;
      });
      await twoMorePasses();
      const failing = notices(peers, FAILING);
      expect([failing.slack.length, failing.teams.length]).toEqual([1, 1]);
      const headline = `failed at "${CHECK_LABELS.token}"`;
      expect(String(failing.slack[0]!.call.params.text)).toContain(headline);
      expect(failing.slack[0]!.json).toContain(`<@${ADMIN}>`);
      expect(failing.teams[0]!.text).toContain(headline);
      expect(failing.teams[0]!.text).toContain(`<at>${USERS.admin.name}</at>`);

      sandbox.restore(valid.clientId);
      await waitUntil('a recovery notice in both channels', () => {
        const { slack, teams } = notices(peers, PASSING);
        return slack.length > 0 && teams.length > 0;
      });
      await twoMorePasses();
    } finally {
      sandbox.restore(valid.clientId);
      await running.close();
    }
    const recovered = notices(peers, PASSING);
    expect([recovered.slack.length, recovered.teams.length]).toEqual([1, 1]);
    const failing = notices(peers, FAILING);
    expect([failing.slack.length, failing.teams.length]).toEqual([1, 1]);
    expect(notices(peers, 'Secret rotation')).toEqual({ slack: [], teams: [] });
    expect(errorsIn(running.lines)).toEqual([]);
  });
});
