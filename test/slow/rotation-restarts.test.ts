import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { sandboxScenario } from '../../src/sandbox/scenarios.js';
import { FakeSlackApi } from '../slack/fake-slack-api.js';
import { ADMIN, CHANNEL } from '../slack/payloads.js';
import {
  adminQuery,
  DATABASE_URL,
  dropSchemas,
  newSchema,
  postgresSuite,
} from '../store/pg-env.js';
import { SHORT_CYCLE, SHORT_STAGES, waitUntil } from '../e2e/rotation-env.js';
import {
  expectStageRun,
  overdueNumber,
  plannedCycle,
  sentNames,
  sentStages,
  skipped,
} from '../e2e/rotation-log.js';
import { killSpawnedBots, spawnBotOn, type SpawnedBot } from '../e2e/rotation-process.js';
import { SLACK_CONNECTION, SlackUser, slackPosts } from '../e2e/rotation-slack.js';

const postgres = await postgresSuite();

let sandbox: Sandbox;
let slack: FakeSlackApi;
const fakes: FakeSlackApi[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox.close();
});
afterEach(async () => {
  await killSpawnedBots();
  for (const fake of fakes.splice(0)) await fake.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function freshPeers(): Promise<string> {
  slack = await FakeSlackApi.start();
  fakes.push(slack);
  slack.users.set(ADMIN, { is_admin: true });
  const dir = await mkdtemp(join(tmpdir(), 'halo-rotation-restart-'));
  dirs.push(dir);
  return dir;
}

async function connect(bot: SpawnedBot): Promise<void> {
  await new SlackUser(slack, bot.url).connect(sandbox.authServer, sandboxScenario('valid'));
}

/** The rotation reminders the fake Slack API accepted in the channel. */
function reminderPosts(): number {
  return slackPosts(slack, CHANNEL, 'Secret rotation').length;
}

function waitForStage(bots: SpawnedBot[], stage: string): Promise<unknown> {
  return waitUntil(
    `${stage} to be sent`,
    () => bots.some((bot) => sentNames(bot.lines, SLACK_CONNECTION).includes(stage)),
    20_000,
  );
}

/** A cycle with three seconds between stages: a restarted process is up before the next. */
const ROOMY_CYCLE = {
  ROTATION_PERIOD: 'PT9S',
  REMINDER_LEAD_TIMES: 'PT6S,PT3S',
  REMINDER_OVERDUE_EVERY: 'PT3S',
  SCHEDULER_INTERVAL: 'PT0.2S',
};

describe('rotation reminders across bot processes', () => {
  it('sends nothing twice when the bot restarts in the middle of a cycle', async () => {
    const dir = await freshPeers();
    const first = await spawnBotOn(slack, dir, ROOMY_CYCLE);
    await connect(first);
    await waitForStage([first], 'lead:PT6S');
    await first.stop();

    // The new process's first pass would resend lead:PT6S if it were going to.
    const second = await spawnBotOn(slack, dir, ROOMY_CYCLE);
    await waitForStage([second], 'lead:PT3S');
    await second.stop();

    expect(sentNames(first.lines, SLACK_CONNECTION)).toEqual(['lead:PT6S']);
    expect(sentNames(second.lines, SLACK_CONNECTION)).toEqual(['lead:PT3S']);
    expect(reminderPosts()).toBe(2);
  });

  it('sends one catch-up reminder, the latest stage, after a long downtime', async () => {
    const dir = await freshPeers();
    const first = await spawnBotOn(slack, dir, SHORT_CYCLE);
    await connect(first);
    await first.stop();
    expect(sentNames(first.lines, SLACK_CONNECTION)).toEqual([]);
    const due = plannedCycle(first.lines, SLACK_CONNECTION)!.getTime() + 6_000;

    // Down across four stages: both lead times, the due date and overdue:1.
    await waitUntil('the downtime to pass overdue:1', () => Date.now() > due + 2_300, 20_000);
    const second = await spawnBotOn(slack, dir, SHORT_CYCLE);
    await waitUntil('the catch-up and the next reminder', () => {
      return sentNames(second.lines, SLACK_CONNECTION).length >= 2;
    });
    await second.stop();

    const sent = sentStages(second.lines, SLACK_CONNECTION);
    const k = overdueNumber(sent[0]!.stage)!;
    expect(k).toBeGreaterThanOrEqual(1);
    expectStageRun(
      sent.map((s) => s.stage),
      [],
      2,
      k,
    );
    // The catch-up is the latest stage when it went out (the log line follows the post by a
    // few milliseconds); the next one waited for its own time.
    const every = 2_000;
    expect(sent[0]!.time - due).toBeGreaterThanOrEqual(k * every);
    expect(sent[0]!.time - due).toBeLessThan((k + 1) * every + 250);
    expect(sent[1]!.time - due).toBeGreaterThanOrEqual((k + 1) * every);
    expect(skipped(second.lines, SLACK_CONNECTION)).toContainEqual({
      stage: 'lead:PT4S',
      why: `superseded by overdue:${k}`,
    });
    expect(reminderPosts()).toBe(sent.length);
  });

  describe.skipIf(postgres.skip)(`two processes on one ${postgres.label} schema`, () => {
    let schema = '';

    afterEach(async () => {
      if (schema) await dropSchemas(schema);
    });

    it('sends every stage, and one health alert, exactly once in total', async () => {
      const dir = await freshPeers();
      schema = newSchema();
      await adminQuery(`create schema ${schema}`);
      const separator = DATABASE_URL.includes('?') ? '&' : '?';
      const options = encodeURIComponent(`-c search_path=${schema}`);
      const env = {
        ...SHORT_CYCLE,
        REVERIFY_EVERY: 'PT1S',
        DATABASE_URL: `${DATABASE_URL}${separator}options=${options}`,
      };
      const bots = await Promise.all([spawnBotOn(slack, dir, env), spawnBotOn(slack, dir, env)]);
      expect(bots[0].url).not.toBe(bots[1].url);
      const valid = sandboxScenario('valid');
      try {
        await connect(bots[0]);
        // Both processes re-verify every second from here on: the failure is told once.
        sandbox.revoke(valid.clientId);
        await waitForStage(bots, 'overdue:1');
      } finally {
        sandbox.restore(valid.clientId);
      }
      await Promise.all(bots.map((bot) => bot.stop()));

      const merged = bots
        .flatMap((bot) => sentStages(bot.lines, SLACK_CONNECTION))
        .sort((a, b) => a.time - b.time)
        .map((s) => s.stage);
      expectStageRun(merged, SHORT_STAGES, 1);
      expect(reminderPosts()).toBe(merged.length);
      const rows = await adminQuery<{ stage: string }>(
        `select stage from ${schema}.reminders where status = 'sent' order by sent_at`,
      );
      const health = rows.filter((r) => r.stage.startsWith('health:'));
      expect(rows.filter((r) => !health.includes(r)).map((r) => r.stage)).toEqual(merged);
      expect(health.map((r) => r.stage)).toEqual([expect.stringMatching(/^health:failing:/)]);
      expect(slackPosts(slack, CHANNEL, 'HaloPSA check failing')).toHaveLength(1);
    });
  });
});
