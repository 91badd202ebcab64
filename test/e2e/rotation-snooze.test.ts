import '../teams/clean-env.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ActionId } from '../../src/core/message.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { sandboxScenario } from '../../src/sandbox/scenarios.js';
import { CHANNEL } from '../slack/payloads.js';
import {
  closeChatPeers,
  OffsetClock,
  startChatPeers,
  startInProcess,
  waitUntil,
  type ChatPeers,
  type InProcessBot,
} from './rotation-env.js';
import { errorsIn, plannedCycle, sentNames, skipped } from './rotation-log.js';
import {
  SLACK_CONNECTION,
  SlackUser,
  slackButton,
  slackPosts,
  type SlackPost,
} from './rotation-slack.js';
import {
  TEAMS_CHANNEL,
  TEAMS_CONNECTION,
  TeamsUser,
  teamsPosts,
  type TeamsPost,
} from './rotation-teams.js';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
});
afterEach(closeChatPeers);
afterAll(async () => {
  await sandbox.close();
});

const DAY = 86_400_000;
const PERIOD = 90 * DAY;

/**
 * Both platforms of one bot: a Slack admin and a Teams admin connected at the same moment,
 * and the bot's clock, which the test moves through the default 90-day cycle.
 */
class Bots {
  slack!: SlackUser;
  teams!: TeamsUser;
  due = 0;

  constructor(
    readonly peers: ChatPeers,
    readonly running: InProcessBot,
    readonly clock: OffsetClock,
  ) {}

  async connect(): Promise<void> {
    this.slack = new SlackUser(this.peers.slack, this.running.bot.url, this.clock);
    this.teams = new TeamsUser(this.peers.teams, this.running.bot.url);
    const valid = sandboxScenario('valid');
    await Promise.all([
      this.slack.connect(sandbox.authServer, valid),
      this.teams.connect(sandbox.authServer, valid),
    ]);
    const cycle = plannedCycle(this.running.lines, SLACK_CONNECTION);
    expect(cycle).toBeDefined();
    this.due = cycle!.getTime() + PERIOD;
  }

  reminders(): { slack: SlackPost[]; teams: TeamsPost[] } {
    return {
      slack: slackPosts(this.peers.slack, CHANNEL, 'Secret rotation'),
      teams: teamsPosts(this.peers.teams, TEAMS_CHANNEL, 'Secret rotation'),
    };
  }

  /** Moves the clock to `fromDueMs` around the due date and waits for `count` reminders. */
  async at(fromDueMs: number, count: number): Promise<void> {
    this.clock.set(new Date(this.due + fromDueMs));
    await waitUntil(`${count} reminders on each platform`, () => {
      const { slack, teams } = this.reminders();
      return slack.length >= count && teams.length >= count;
    });
  }

  /** Clicks a Snooze button of the n-th reminder on both platforms; answers both replies. */
  async snooze(index: number, label: string): Promise<{ slack: string; teams: string }> {
    const { slack, teams } = this.reminders();
    const responseId = this.slack.responseId('snooze');
    const button = slackButton(slack[index]!, ActionId.Snooze, label);
    await this.slack.click(ActionId.Snooze, button.value, responseId);
    const card = teams[index]!;
    const teamsButton = card.buttons.find((b) => b.title === label);
    expect(teamsButton, `a ${label} button on Teams`).toBeDefined();
    return {
      slack: await this.slack.answerTo(responseId),
      teams: await this.teams.click(card, teamsButton!.data!),
    };
  }

  /** Waits until the scheduler skipped a stage on both platforms for this reason. */
  async skippedBoth(stage: (name: string) => boolean, why: string): Promise<void> {
    await waitUntil(`a ${why} skip on both platforms`, () =>
      [SLACK_CONNECTION, TEAMS_CONNECTION].every((id) =>
        skipped(this.running.lines, id).some((s) => stage(s.stage) && s.why === why),
      ),
    );
  }
}

describe('snoozing a rotation reminder through the composed bot (src/main.ts)', () => {
  it('moves the next reminder, cuts a snooze at the due date, refuses one once due', async () => {
    const peers = await startChatPeers();
    const clock = new OffsetClock();
    const running = await startInProcess(peers, { SCHEDULER_INTERVAL: 'PT0.2S' }, clock);
    const bots = new Bots(peers, running, clock);
    try {
      await bots.connect();

      // lead:P14D offers both snoozes; one day moves the next reminder a day on.
      await bots.at(-13.5 * DAY, 1);
      const first = bots.reminders();
      expect(first.slack[0]!.buttons.map((b) => b.text.text)).toEqual([
        'Rotate now',
        'Snooze 1 day',
        'Snooze 3 days',
      ]);
      expect(first.teams[0]!.buttons.map((b) => b.title)).toEqual([
        'Rotate now',
        'Snooze 1 day',
        'Snooze 3 days',
      ]);
      const oneDay = await bots.snooze(0, 'Snooze 1 day');
      expect(oneDay.slack).toContain('Snoozed: the next reminder comes on');
      expect(oneDay.teams).toContain('Snoozed: the next reminder comes on');

      // The snooze ends: one reminder then, calm, then lead:P7D on its own date.
      await bots.at(-12.4 * DAY, 2);
      await bots.at(-6.9 * DAY, 3);

      // Three days asked two days before the due date: cut at the due date.
      clock.set(new Date(bots.due - 2 * DAY));
      const cut = await bots.snooze(2, 'Snooze 3 days');
      expect(cut.slack).toContain('Snoozed until the due date');
      expect(cut.slack).toContain('A snooze never goes past the due date.');
      expect(cut.teams).toContain('Snoozed until the due date');

      // lead:P1D falls inside the snooze: skipped. The due reminder goes out, once.
      clock.set(new Date(bots.due - 0.5 * DAY));
      await bots.skippedBoth((stage) => stage === 'lead:P1D', 'snoozed');
      await bots.at(60_000, 4);
      await bots.skippedBoth((stage) => stage.startsWith('snooze:'), 'the due reminder covers it');

      // Once due, a snooze is refused, even from an early reminder's button.
      const late = await bots.snooze(0, 'Snooze 1 day');
      expect(late.slack).toContain('The rotation is due: the reminder can no longer be snoozed.');
      expect(late.teams).toContain('The rotation is due: the reminder can no longer be snoozed.');
    } finally {
      await running.close();
    }

    for (const id of [SLACK_CONNECTION, TEAMS_CONNECTION]) {
      const names = sentNames(running.lines, id);
      expect(names).toEqual(['lead:P14D', expect.stringMatching(/^snooze:/), 'lead:P7D', 'due']);
    }
    const { slack, teams } = bots.reminders();
    const titles = ['Secret rotation ahead', 'Secret rotation ahead', 'Secret rotation ahead'];
    expect(slack.map((p) => p.title.replace(/^\W+/u, ''))).toEqual([
      ...titles,
      'Secret rotation due',
    ]);
    expect(teams.map((p) => p.title)).toEqual([...titles, 'Secret rotation due']);
    expect(errorsIn(running.lines)).toEqual([]);
  });
});
