import '../teams/clean-env.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { sandboxScenario } from '../../src/sandbox/scenarios.js';
import type { SlackCall } from '../slack/fake-slack-api.js';
import { ADMIN, CHANNEL } from '../slack/payloads.js';
import type { ConnectorCall } from '../teams/fake-connector.js';
import {
  closeChatPeers,
  SHORT_CYCLE,
  startChatPeers,
  startInProcess,
  waitUntil,
  type ChatPeers,
  type InProcessBot,
} from './rotation-env.js';
import { errorsIn, parseLog, sentStages } from './rotation-log.js';
import { SLACK_CONNECTION, SlackUser, slackAttempts, slackPosts } from './rotation-slack.js';
import {
  TEAMS_CHANNEL,
  TEAMS_CONNECTION,
  TEAMS_PERSONAL,
  TeamsUser,
  teamsAttempts,
  teamsPosts,
} from './rotation-teams.js';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
});
afterEach(closeChatPeers);
afterAll(async () => {
  await sandbox.close();
});

const LOST = 'Reminder channel lost';

function disabledLogs(running: InProcessBot, connectionId: string) {
  return parseLog(running.lines).filter(
    (e) => e.msg === 'reminder channel disabled' && e.connectionId === connectionId,
  );
}

/** Waits until the reminder of `stage` went out to a connection as a direct message. */
async function waitForDirect(running: InProcessBot, connectionId: string, stage: string) {
  await waitUntil(`${stage} sent directly for ${connectionId}`, () =>
    sentStages(running.lines, connectionId).some((s) => s.stage === stage && s.direct),
  );
}

async function connectSlack(peers: ChatPeers, running: InProcessBot): Promise<number> {
  await new SlackUser(peers.slack, running.bot.url).connect(
    sandbox.authServer,
    sandboxScenario('valid'),
  );
  return slackAttempts(peers.slack, CHANNEL).length;
}

describe('a reminder channel the bot lost', () => {
  it('disables it, tells the connector once, DMs reminders until a connect there', async () => {
    const peers = await startChatPeers();
    const running = await startInProcess(peers, SHORT_CYCLE);
    const teamsUser = new TeamsUser(peers.teams, running.bot.url);
    let slackWhileLost: SlackCall[] = [];
    let teamsWhileLost: ConnectorCall[] = [];
    try {
      // The admin has a personal chat with the bot: a Teams direct message needs one.
      await teamsUser.say('help', 'personal');
      const [slackBefore] = await Promise.all([
        connectSlack(peers, running),
        teamsUser.connect(sandbox.authServer, sandboxScenario('valid')),
      ]);
      const teamsBefore = teamsAttempts(peers.teams, TEAMS_CHANNEL).length;
      // The next post to each platform is the first reminder: refused as a lost channel.
      peers.slack.queue('chat.postMessage', { error: 'channel_not_found' });
      peers.teams.fail('send', {
        status: 403,
        body: { error: { code: 'BotNotInConversationRoster', message: 'not in the roster' } },
      });
      await Promise.all([
        waitForDirect(running, SLACK_CONNECTION, 'due'),
        waitForDirect(running, TEAMS_CONNECTION, 'due'),
      ]);
      slackWhileLost = slackAttempts(peers.slack, CHANNEL).slice(slackBefore);
      teamsWhileLost = teamsAttempts(peers.teams, TEAMS_CHANNEL).slice(teamsBefore);
      // The bot is back in the channel and someone connects there: reminders return to it.
      await Promise.all([
        connectSlack(peers, running),
        teamsUser.connect(sandbox.authServer, sandboxScenario('valid')),
      ]);
      await waitUntil('the new cycle in both channels', () =>
        [SLACK_CONNECTION, TEAMS_CONNECTION].every(
          (id) => sentStages(running.lines, id).filter((s) => !s.direct).length > 0,
        ),
      );
    } finally {
      await running.close();
    }

    // One refused post per channel: neither retried nor tried again for a later stage.
    expect(slackWhileLost.map((c) => c.answer)).toEqual([
      { ok: false, error: 'channel_not_found' },
    ]);
    expect(teamsWhileLost.map((c) => c.status)).toEqual([403]);
    expect(disabledLogs(running, SLACK_CONNECTION)).toHaveLength(1);
    expect(disabledLogs(running, TEAMS_CONNECTION)).toHaveLength(1);

    const slackDirect = slackPosts(peers.slack, ADMIN).map((p) => p.title.replace(/^\W+/u, ''));
    expect(slackDirect).toEqual([LOST, 'Secret rotation soon', 'Secret rotation due']);
    expect(slackPosts(peers.slack, ADMIN, LOST)[0]!.json).toContain(
      'I am no longer a member of the channel',
    );
    const teamsDirect = teamsPosts(peers.teams, TEAMS_PERSONAL).filter(
      (p) => p.title === LOST || p.title.startsWith('Secret rotation'),
    );
    expect(teamsDirect.map((p) => p.title)).toEqual([
      LOST,
      'Secret rotation soon',
      'Secret rotation due',
    ]);
    expect(teamsDirect[0]!.text).toContain('the channel was archived or deleted');

    for (const id of [SLACK_CONNECTION, TEAMS_CONNECTION]) {
      expect(sentStages(running.lines, id)).toEqual([
        expect.objectContaining({ stage: 'lead:PT2S', direct: true }),
        expect.objectContaining({ stage: 'due', direct: true }),
        expect.objectContaining({ stage: 'lead:PT4S', direct: false }),
      ]);
    }
    expect(slackPosts(peers.slack, CHANNEL, 'Secret rotation')).toHaveLength(1);
    expect(teamsPosts(peers.teams, TEAMS_CHANNEL, 'Secret rotation')).toHaveLength(1);
    expect(errorsIn(running.lines)).toEqual([]);
  });

  it('treats an archived Slack channel the same way', async () => {
    const peers = await startChatPeers();
    const running = await startInProcess(peers, SHORT_CYCLE);
    let before = 0;
    try {
      before = await connectSlack(peers, running);
      peers.slack.queue('chat.postMessage', { error: 'is_archived' });
      await waitForDirect(running, SLACK_CONNECTION, 'lead:PT2S');
    } finally {
      await running.close();
    }
    expect(slackAttempts(peers.slack, CHANNEL).slice(before)).toHaveLength(1);
    const direct = slackPosts(peers.slack, ADMIN);
    expect(direct.map((p) => p.title.replace(/^\W+/u, ''))).toEqual([LOST, 'Secret rotation soon']);
    expect(direct[0]!.json).toContain('the channel was archived or deleted');
    expect(errorsIn(running.lines)).toEqual([]);
  });
});
