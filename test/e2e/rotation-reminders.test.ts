import '../teams/clean-env.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ActionId } from '../../src/core/message.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { sandboxScenario } from '../../src/sandbox/scenarios.js';
import { ADMIN, CHANNEL } from '../slack/payloads.js';
import { USERS } from '../teams/activities.js';
import {
  closeChatPeers,
  SHORT_CYCLE,
  SHORT_STAGES,
  startChatPeers,
  startInProcess,
  waitUntil,
} from './rotation-env.js';
import { errorsIn, expectStageRun, sentNames } from './rotation-log.js';
import { SLACK_CONNECTION, SlackUser, slackButton, slackPosts } from './rotation-slack.js';
import { TEAMS_CHANNEL, TEAMS_CONNECTION, TeamsUser, teamsPosts } from './rotation-teams.js';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
});
afterEach(closeChatPeers);
afterAll(async () => {
  await sandbox.close();
});

/** The headline a stage's reminder carries: lead times under 7 days are worded firmly. */
function titleOf(stage: string): string {
  if (stage === 'due') return 'Secret rotation due';
  return stage.startsWith('overdue:') ? 'Secret rotation overdue' : 'Secret rotation soon';
}

const OTHER_ADMIN = 'UADMIN02';

describe('rotation reminders through the composed bot (src/main.ts)', () => {
  it('posts each stage once, in order, with buttons and mentions, on Slack and Teams', async () => {
    const peers = await startChatPeers();
    const running = await startInProcess(peers, {
      ...SHORT_CYCLE,
      // A second admin to mention; the Teams admin is listed so Teams lets them connect.
      ADMIN_USER_IDS: `${OTHER_ADMIN},${USERS.admin.aadObjectId}`,
    });
    try {
      const valid = sandboxScenario('valid');
      await Promise.all([
        new SlackUser(peers.slack, running.bot.url).connect(sandbox.authServer, valid),
        new TeamsUser(peers.teams, running.bot.url).connect(sandbox.authServer, valid),
      ]);
      await waitUntil(
        'the second overdue reminder on both platforms',
        () =>
          [SLACK_CONNECTION, TEAMS_CONNECTION].every((id) =>
            sentNames(running.lines, id).includes('overdue:2'),
          ),
        20_000,
      );
    } finally {
      await running.close();
    }

    const slackStages = sentNames(running.lines, SLACK_CONNECTION);
    expectStageRun(slackStages, SHORT_STAGES, 2);
    const slack = slackPosts(peers.slack, CHANNEL, 'Secret rotation');
    expect(slack.map((p) => p.title.replace(/^\W+/u, ''))).toEqual(slackStages.map(titleOf));
    for (const post of slack) {
      const rotate = slackButton(post, ActionId.Rotate, 'Rotate now');
      expect(JSON.parse(rotate.value!)).toMatchObject({
        prefill: { authServer: sandbox.authServer, clientId: sandboxScenario('valid').clientId },
      });
      // A day's snooze would end after the due date of a 6-second cycle: none is offered.
      expect(post.buttons.map((b) => b.action_id)).toEqual([ActionId.Rotate]);
      expect(post.json).toContain(`<@${ADMIN}>`);
      expect(post.json).toContain(`<@${OTHER_ADMIN}>`);
    }

    const teamsStages = sentNames(running.lines, TEAMS_CONNECTION);
    expectStageRun(teamsStages, SHORT_STAGES, 2);
    const teams = teamsPosts(peers.teams, TEAMS_CHANNEL, 'Secret rotation');
    expect(teams.map((p) => p.title)).toEqual(teamsStages.map(titleOf));
    for (const post of teams) {
      expect(post.buttons.map((b) => [b.title, b.data?.action])).toEqual([
        ['Rotate now', ActionId.Rotate],
      ]);
      expect(post.text).toContain(`<at>${USERS.admin.name}</at>`);
    }

    const secret = sandboxScenario('valid').clientSecret;
    expect(peers.slack.transcript()).not.toContain(secret);
    expect(peers.teams.calls.map((c) => c.raw).join('\n')).not.toContain(secret);
    expect(errorsIn(running.lines)).toEqual([]);
  });
});
