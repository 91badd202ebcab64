import '../teams/clean-env.js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectionSecretAad } from '../../src/core/aad.js';
import { Scheduler } from '../../src/core/scheduler.js';
import type { ConnectionRecord, ReminderRecord } from '../../src/core/store.js';
import { createLogger } from '../../src/log.js';
import type { ScriptedAnswer } from '../slack/fake-slack-api.js';
import { SlackHarness } from '../slack/harness.js';
import { CHANNEL, TEAM } from '../slack/payloads.js';
import { connection } from '../store/records.js';
import { CONVERSATIONS, TENANT_ID } from '../teams/activities.js';
import type { ScriptedFailure } from '../teams/fake-connector.js';
import { cardText, finalReport, openDialog, submitDialog } from '../teams/flow.js';
import type { TeamsHarness } from '../teams/harness.js';
import { useTeamsSuite } from '../teams/suite.js';
import { unusedVerifier } from '../teams/stub-verifier.js';
import { CANARY_SCENARIOS, CANARY_SECRET, canaryScenario, expectNoCanary } from './canary.js';

/**
 * Rotation reminders through the real Slack and Teams notifiers while the platform answers
 * 429 with Retry-After, or 5xx: each post is retried (honouring Retry-After), a reminder that
 * still fails is put back and reported (log, `lastError`, in the end the audit trail), and no
 * stage is ever posted twice, whatever the passes that follow.
 *
 * The same faults on the channel status post of a connect are in test/slack/connect.test.ts
 * ("retries a post Slack answers with 500 / 429") and on the notifiers themselves in
 * test/slack/notifier.test.ts and test/teams/notifier.test.ts.
 */

const DAY = 86_400_000;
const canary = canaryScenario('valid');

describe('Slack reminders', () => {
  const ID = `slack:${TEAM}`;
  let h: SlackHarness;
  let offsetMs = 0;
  const clock = { now: () => new Date(Date.now() + offsetMs) };
  let scheduler: Scheduler;
  let record: ConnectionRecord;

  afterEach(async () => {
    expectNoCanary({ 'Slack calls': h.fake.transcript(), logs: h.logLines.join('\n') });
    await h.close();
  });

  /** A fresh bot with one connection whose first reminder (14 days ahead) is due. */
  async function start(): Promise<void> {
    offsetMs = 0;
    h = await SlackHarness.start({ clock });
    const logger = createLogger({
      level: 'debug',
      format: 'json',
      destination: { write: (line: string) => void h.logLines.push(line) },
    });
    scheduler = new Scheduler({
      store: h.store,
      notifiers: { slack: h.adapter.notifier },
      verifier: unusedVerifier,
      vault: h.vault,
      clock,
      logger,
      rotationPeriodMs: 90 * DAY,
      leadTimesMs: [14 * DAY, 7 * DAY, DAY],
      overdueEveryMs: DAY,
      intervalMs: 60_000,
      reverifyEveryMs: DAY,
      adminUserIds: [],
    });
    const now = clock.now();
    record = await h.store.putConnection(
      connection(ID, {
        clientId: canary.clientId,
        secret: h.vault.seal(CANARY_SECRET, connectionSecretAad(ID)),
        channel: { platform: 'slack', workspaceId: TEAM, channelId: CHANNEL },
        rotatedAt: now.toISOString(),
        rotationDueAt: new Date(now.getTime() + 90 * DAY).toISOString(),
      }),
      0,
    );
    await scheduler.planCycle(record);
    offsetMs = 76.5 * DAY;
  }

  const posts = () => h.fake.callsOf('chat.postMessage');
  const delivered = () => posts().filter((c) => c.status === 200);
  const reminder = async (): Promise<ReminderRecord> =>
    (await h.store.listReminders(ID)).find((r) => r.stage === 'lead:P14D')!;

  /** Runs passes for `minutes`, a minute apart: the scheduler's own rhythm. */
  async function passes(minutes: number): Promise<void> {
    for (let i = 0; i < minutes; i++) {
      await scheduler.runOnce();
      offsetMs += 60_000;
    }
  }

  it('429 with Retry-After: waited out, then posted once', async () => {
    await start();
    h.fake.queue('chat.postMessage', { status: 429, headers: { 'retry-after': '2' } });
    expect(await scheduler.runOnce()).toMatchObject({ sent: 1 });
    expect(posts().map((p) => p.status)).toEqual([429, 200]);
    expect(h.sleeps).toContain(2_000);
    await passes(30);
    expect(delivered()).toHaveLength(1);
    expect(await reminder()).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it('429 asking for a long wait: put back until then, then posted once', async () => {
    await start();
    h.fake.queue('chat.postMessage', { status: 429, headers: { 'retry-after': '600' } });
    const passedAt = clock.now().getTime();
    expect(await scheduler.runOnce()).toMatchObject({ sent: 0, retried: 1 });
    const due = Date.parse((await reminder()).dueAt) - passedAt;
    expect(due).toBeGreaterThanOrEqual(600_000);
    await passes(9);
    expect(delivered()).toHaveLength(0);
    await passes(10);
    expect(delivered()).toHaveLength(1);
    await passes(30);
    expect(delivered()).toHaveLength(1);
  });

  it('5xx through a whole pass: reported, put back, posted once later', async () => {
    await start();
    const errors: ScriptedAnswer[] = [{ status: 500 }, { status: 502 }, { status: 503 }];
    h.fake.queue('chat.postMessage', ...errors);
    expect(await scheduler.runOnce()).toMatchObject({ sent: 0, retried: 1 });
    expect(await reminder()).toMatchObject({ status: 'pending', attempts: 1 });
    expect((await reminder()).lastError).toMatch(/failed/);
    expect(h.logLines.join('\n')).toContain('reminder not delivered');
    await passes(30);
    expect(delivered()).toHaveLength(1);
    expect(await reminder()).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('5xx that never ends: given up after five attempts, audited, never posted', async () => {
    await start();
    h.fake.queue('chat.postMessage', ...Array.from({ length: 15 }, () => ({ status: 500 })));
    await passes(60);
    expect(delivered()).toHaveLength(0);
    expect(await reminder()).toMatchObject({ status: 'failed', attempts: 5 });
    const audit = await h.store.listAudit({ workspaceId: TEAM, limit: 10 });
    expect(audit).toContainEqual(
      expect.objectContaining({ action: 'reminder', outcome: 'failed', detail: 'lead:P14D' }),
    );
  });
});

describe('Teams reminders', () => {
  const teams = useTeamsSuite({ extraScenarios: CANARY_SCENARIOS });
  let h: TeamsHarness;

  beforeAll(async () => {
    h = await teams.harness();
    const form = {
      authServer: teams.sandbox.authServer,
      clientId: canary.clientId,
      clientSecret: CANARY_SECRET,
    };
    await submitDialog(h, await openDialog(h), form);
    expect(cardText(await finalReport(h))).toContain('HaloPSA is connected');
  });

  const ID = `teams:${TENANT_ID}`;
  const sends = (stage: string) =>
    h.connector.calls.filter(
      (c) =>
        c.kind === 'send' && c.conversationId === CONVERSATIONS.channel.id && c.raw.includes(stage),
    );

  async function at(daysBeforeDue: number): Promise<void> {
    const record = await h.store.getConnection(ID);
    h.offsetMs = Date.parse(record!.rotationDueAt) - daysBeforeDue * DAY - Date.now();
  }

  async function passes(minutes: number): Promise<void> {
    for (let i = 0; i < minutes; i++) {
      await h.scheduler.runOnce();
      h.offsetMs += 60_000;
    }
  }

  const stageOf = async (stage: string) =>
    (await h.store.listReminders(ID)).find((r) => r.stage === stage);

  it('429 with Retry-After, then 5xx through a whole pass: posted once, in the end', async () => {
    await at(13.5);
    const throttled: ScriptedFailure = { status: 429, headers: { 'retry-after': '3' } };
    h.connector.fail('send', throttled, { status: 500 }, { status: 503 });
    expect(await h.scheduler.runOnce()).toMatchObject({ sent: 0, retried: 1 });
    expect(h.sleeps).toContain(3_000);
    expect(await stageOf('lead:P14D')).toMatchObject({ status: 'pending', attempts: 1 });
    await passes(30);
    const posted = h.connector.posted.filter((c) => c.conversationId === CONVERSATIONS.channel.id);
    const reminders = posted.filter((c) => /Secret rotation/.test(cardText(c.body)));
    expect(reminders).toHaveLength(1);
    expect(await stageOf('lead:P14D')).toMatchObject({ status: 'sent', attempts: 2 });
    expect(sends('Secret rotation').filter((c) => c.status === 201)).toHaveLength(1);
  });

  it('5xx that never ends: given up after five attempts and audited', async () => {
    await at(6.5);
    h.connector.fail('send', ...Array.from({ length: 15 }, () => ({ status: 502 })));
    await passes(60);
    expect(await stageOf('lead:P7D')).toMatchObject({ status: 'failed', attempts: 5 });
    const audit = await h.store.listAudit({ workspaceId: TENANT_ID, limit: 20 });
    expect(audit).toContainEqual(
      expect.objectContaining({ action: 'reminder', outcome: 'failed', detail: 'lead:P7D' }),
    );
  });

  it('leaks the canary nowhere', async () => {
    expectNoCanary({
      'Teams calls': h.connector.calls.map((c) => c.raw).join('\n'),
      logs: h.logLines.join('\n'),
      'data file': await h.storeFile(),
    });
  });
});
