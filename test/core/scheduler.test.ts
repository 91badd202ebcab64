import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectionSecretAad } from '../../src/core/aad.js';
import { silentLogger as silent } from '../../src/core/logger.js';
import { ActionId } from '../../src/core/message.js';
import { createHaloDispatcher, type HaloDispatcher } from '../../src/core/net/index.js';
import { Scheduler, type SchedulerOptions } from '../../src/core/scheduler.js';
import type { ConnectionRecord, Store } from '../../src/core/store.js';
import type { Vault } from '../../src/core/vault.js';
import { createVerifier } from '../../src/core/verifier.js';
import { sandboxScenario } from '../../src/sandbox/scenarios.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import {
  CANARY_SECRET,
  connectionRecord,
  DAY,
  FakeClock,
  FakeVerifier,
  gone,
  openTestStore,
  rateLimited,
  RecordingNotifier,
  testVault,
  type StoreKind,
  type TestStore,
} from './scheduler-fixtures.js';

// Cycle of every test: rotated 2025-01-01, due 2025-04-01; reminders 14, 7 and 1 day before.
const ROTATED = '2025-01-01T00:00:00.000Z';
const P14D = '2025-03-18T00:00:00.000Z';
const P7D = '2025-03-25T00:00:00.000Z';
const P1D = '2025-03-31T00:00:00.000Z';
const DUE = '2025-04-01T00:00:00.000Z';

const settings = {
  rotationPeriodMs: 90 * DAY,
  leadTimesMs: [14 * DAY, 7 * DAY, DAY],
  overdueEveryMs: DAY,
  intervalMs: 60_000,
  reverifyEveryMs: DAY,
  adminUserIds: ['UADMIN'],
  leaseMs: 60_000,
};

describe.each<StoreKind>(['file', 'postgres'])('Scheduler on the %s store', (kind) => {
  let testStore: TestStore;
  let store: Store;
  let clock: FakeClock;
  let notifier: RecordingNotifier;
  let verifier: FakeVerifier;
  let vault: Vault;

  beforeEach(async () => {
    testStore = await openTestStore(kind);
    store = testStore.store;
    clock = new FakeClock(ROTATED);
    notifier = new RecordingNotifier();
    verifier = new FakeVerifier(clock);
    vault = testVault();
  });

  afterEach(async () => {
    await testStore.dispose();
  });

  function scheduler(overrides: Partial<SchedulerOptions> = {}): Scheduler {
    return new Scheduler({
      store,
      notifiers: { slack: notifier },
      verifier,
      vault,
      clock,
      logger: silent,
      ...settings,
      ...overrides,
    });
  }

  async function connect(workspaceId = 'T1', at = ROTATED): Promise<ConnectionRecord> {
    const stored = await store.putConnection(connectionRecord(vault, workspaceId, at), 0);
    return stored;
  }

  /** Moves the clock and runs one pass; returns the titles posted or sent in it. */
  async function passAt(s: Scheduler, iso: string): Promise<string[]> {
    clock.set(iso);
    const before = notifier.deliveries.length;
    await s.runOnce();
    return notifier.deliveries.slice(before).map((d) => d.message.title);
  }

  it('sends each stage once, escalating, with overdue repeats', async () => {
    const s = scheduler();
    await s.planCycle(await connect());
    expect(await passAt(s, '2025-03-17T23:59:00.000Z')).toEqual([]);
    expect(await passAt(s, P14D)).toEqual(['Secret rotation ahead']);
    expect(await passAt(s, P14D)).toEqual([]);
    expect(await passAt(s, P7D)).toEqual(['Secret rotation ahead']);
    expect(await passAt(s, P1D)).toEqual(['Secret rotation soon']);
    expect(await passAt(s, DUE)).toEqual(['Secret rotation due']);
    expect(await passAt(s, '2025-04-01T12:00:00.000Z')).toEqual([]);
    expect(await passAt(s, '2025-04-02T00:00:00.000Z')).toEqual(['Secret rotation overdue']);
    expect(await passAt(s, '2025-04-03T00:00:00.000Z')).toEqual(['Secret rotation overdue']);

    const [first, , lastLead, due, overdue] = notifier.posts;
    expect(first!.target).toBe('C-T1');
    expect(first!.mentions).toEqual(['UCONNECTOR', 'UADMIN']);
    expect(first!.message.summary).toContain('in 14 days, on 2025-04-01');
    expect(first!.message.sections.map((x) => x.text ?? '').join(' ')).toContain('<@UCONNECTOR>');
    const snoozes = (i: number) =>
      notifier.posts[i]!.message.actions?.filter((a) => a.id === ActionId.Snooze).length;
    expect([snoozes(0), snoozes(1), snoozes(2), snoozes(3)]).toEqual([2, 2, 0, 0]);
    expect(first!.message.actions?.[0]).toMatchObject({ id: ActionId.Rotate, label: 'Rotate now' });
    expect(JSON.parse(first!.message.actions![1]!.value!)).toEqual({ days: 1, cycle: ROTATED });
    expect(lastLead!.message.severity).toBe('warning');
    expect(due!.message.summary).toContain('due for rotation today');
    expect(overdue!.message.summary).toContain('1 day past its rotation date');

    const reminders = await store.listReminders('slack:T1');
    expect(reminders.filter((r) => r.status === 'sent').map((r) => r.stage)).toEqual([
      'lead:P14D',
      'lead:P7D',
      'lead:P1D',
      'due',
      'overdue:1',
      'overdue:2',
    ]);
    expect(reminders.find((r) => r.stage === 'due')?.messageRef).toMatch(/^m\d+$/);
    expect(reminders.filter((r) => r.status === 'pending').map((r) => r.stage)).toEqual([
      'overdue:3',
    ]);
    const audit = await store.listAudit({ workspaceId: 'T1', limit: 50 });
    expect(audit.filter((a) => a.action === 'reminder' && a.outcome === 'ok')).toHaveLength(6);
    const everything = JSON.stringify([notifier.deliveries, reminders, audit]);
    expect(everything).not.toContain(CANARY_SECRET);
  });

  it('starts over when the secret is rotated', async () => {
    const s = scheduler();
    const record = await connect();
    await s.planCycle(record);
    expect(await passAt(s, P14D)).toHaveLength(1);

    clock.set('2025-03-20T00:00:00.000Z');
    const rotated = await store.putConnection(
      {
        ...record,
        rotatedAt: clock.now().toISOString(),
        rotatedBy: 'UNEW',
        rotationDueAt: new Date(clock.now().getTime() + 90 * DAY).toISOString(),
        version: record.version,
      },
      record.version,
    );
    await s.planCycle(rotated);
    expect(await passAt(s, P7D)).toEqual([]);
    expect(await passAt(s, DUE)).toEqual([]);
    // The new cycle is due 2025-06-18; its first reminder is 14 days earlier.
    expect(await passAt(s, '2025-06-04T00:00:00.000Z')).toEqual(['Secret rotation ahead']);
    expect(notifier.posts.at(-1)!.message.sections.flatMap((x) => x.fields ?? [])).toContainEqual({
      label: 'Last rotated',
      value: '2025-03-20 by <@UNEW>',
    });
    const old = (await store.listReminders('slack:T1')).filter((r) => r.cycle === ROTATED);
    expect(old.filter((r) => r.status === 'sent').map((r) => r.stage)).toEqual(['lead:P14D']);
    expect(old.filter((r) => r.status === 'pending' || r.status === 'claimed')).toEqual([]);
  });

  it('snoozes 1 or 3 days, never past the due date, and not once due', async () => {
    const s = scheduler();
    const record = await connect();
    await s.planCycle(record);
    await passAt(s, P14D);

    clock.set('2025-03-18T09:00:00.000Z');
    const three = await s.snooze(record, 'UADMIN', 3, ROTATED);
    expect(three).toMatchObject({ ok: true, until: new Date('2025-03-21T09:00:00.000Z') });
    // A double click snoozes once: only the snooze ending later is sent.
    clock.set('2025-03-18T09:00:02.000Z');
    await s.snooze(record, 'UADMIN', 3, ROTATED);
    expect(await passAt(s, '2025-03-21T09:00:00.000Z')).toEqual([]);
    expect(await passAt(s, '2025-03-21T09:00:02.000Z')).toEqual(['Secret rotation ahead']);
    expect(await passAt(s, P7D)).toEqual(['Secret rotation ahead']);

    // Snoozed past the 1-day reminder: that one is skipped, the snooze ends at the due date
    // and the due reminder alone goes out.
    clock.set('2025-03-29T00:00:00.000Z');
    const clamped = await s.snooze(record, 'UADMIN', 3, ROTATED);
    expect(clamped).toMatchObject({ ok: true, until: new Date(DUE) });
    expect(clamped.message.summary).toContain('never goes past the due date');
    expect(await passAt(s, P1D)).toEqual([]);
    expect(await passAt(s, DUE)).toEqual(['Secret rotation due']);

    const late = await s.snooze(record, 'UADMIN', 1, ROTATED);
    expect(late.ok).toBe(false);
    expect(late.message.summary).toContain('can no longer be snoozed');
    const stale = await s.snooze(record, 'UADMIN', 1, '2024-10-01T00:00:00.000Z');
    expect(stale.ok).toBe(false);
    expect(await passAt(s, '2025-04-02T00:00:00.000Z')).toEqual(['Secret rotation overdue']);

    const audit = await store.listAudit({ workspaceId: 'T1', limit: 50 });
    expect(
      audit
        .filter((a) => a.action === 'snooze')
        .map((a) => a.outcome)
        .sort(),
    ).toEqual(['denied', 'ok', 'ok', 'ok']);
  });

  it('sends nothing twice after a restart in the middle of a cycle', async () => {
    const first = scheduler({ owner: 'before-restart' });
    await first.planCycle(await connect());
    expect(await passAt(first, P14D)).toHaveLength(1);

    store = await testStore.reopen();
    const second = scheduler({ owner: 'after-restart' });
    expect(await passAt(second, P14D)).toEqual([]);
    expect(await passAt(second, '2025-03-20T00:00:00.000Z')).toEqual([]);
    expect(await passAt(second, P7D)).toHaveLength(1);
    expect(notifier.posts).toHaveLength(2);
  });

  it('takes over the reminder of an owner that died, once the lease expires', async () => {
    await scheduler().planCycle(await connect());
    clock.set(P14D);
    expect(await store.claimDueReminders(clock.now(), 'died', settings.leaseMs, 10)).toHaveLength(
      1,
    );
    const survivor = scheduler({ owner: 'survivor' });
    expect(await passAt(survivor, P14D)).toEqual([]);
    expect(await passAt(survivor, '2025-03-18T00:01:00.001Z')).toHaveLength(1);
    expect(await passAt(survivor, '2025-03-18T00:05:00.000Z')).toEqual([]);
  });

  it('sends one catch-up reminder after a long downtime', async () => {
    const s = scheduler();
    await s.planCycle(await connect());
    const result = await (async () => {
      clock.set('2025-04-10T08:00:00.000Z');
      return s.runOnce();
    })();
    expect(result).toMatchObject({ sent: 1, failed: 0 });
    expect(notifier.posts).toHaveLength(1);
    expect(notifier.posts[0]!.message.summary).toContain('9 days past its rotation date');
    expect(await passAt(s, '2025-04-10T09:00:00.000Z')).toEqual([]);
    expect(await passAt(s, '2025-04-11T00:00:00.000Z')).toEqual(['Secret rotation overdue']);
    const stages = (await store.listReminders('slack:T1')).map((r) => `${r.stage}=${r.status}`);
    expect(stages).toEqual([
      'lead:P14D=skipped',
      'overdue:9=sent',
      'overdue:10=sent',
      'overdue:11=pending',
    ]);
  });

  it('with two schedulers running passes together, sends every stage exactly once', async () => {
    const a = scheduler({ owner: 'replica-a', batchSize: 2 });
    const b = scheduler({ owner: 'replica-b', batchSize: 2 });
    const workspaces = ['T1', 'T2', 'T3', 'T4', 'T5'];
    for (const id of workspaces) await a.planCycle(await connect(id));
    const times = [P14D, P7D, P1D, DUE, '2025-04-02T00:00:00.000Z', '2025-04-03T00:00:00.000Z'];
    for (const iso of times) {
      clock.set(iso);
      await Promise.all([a.runOnce(), b.runOnce(), a.runOnce(), b.runOnce()]);
    }
    expect(notifier.posts).toHaveLength(workspaces.length * times.length);
    const sent = new Set<string>();
    for (const id of workspaces) {
      for (const r of await store.listReminders(`slack:${id}`)) {
        if (r.status === 'sent') sent.add(`${id}:${r.stage}`);
      }
    }
    expect(sent.size).toBe(workspaces.length * times.length);
  });

  it('disables a channel it was removed from and stops posting there', async () => {
    const s = scheduler();
    await s.planCycle(await connect());
    notifier.failAlways(gone);
    clock.set(P14D);
    expect(await s.runOnce()).toMatchObject({ sent: 0, failed: 1, retried: 0 });
    notifier.failAlways(undefined);
    expect((await store.getConnection('slack:T1'))?.channel?.disabled).toBe(true);
    expect(await passAt(s, P14D)).toEqual([]);
    expect(await passAt(s, '2025-03-19T00:00:00.000Z')).toEqual([]);

    const reminder = (await store.listReminders('slack:T1')).find((r) => r.stage === 'lead:P14D');
    expect(reminder).toMatchObject({ status: 'failed', lastError: 'gone: channel_not_found' });
    // Later stages reach the person who connected directly.
    expect(await passAt(s, P7D)).toEqual(['Secret rotation ahead']);
    expect(notifier.directs.map((d) => d.target)).toEqual(['UCONNECTOR']);
    expect(notifier.posts).toEqual([]);
  });

  it('sends the lost-channel notice to the person who connected exactly once', async () => {
    const s = scheduler();
    await s.planCycle(await connect());
    notifier.answer(gone);
    expect(await passAt(s, P14D)).toEqual(['Reminder channel lost']);
    expect(notifier.directs[0]!.target).toBe('UCONNECTOR');
    expect(notifier.directs[0]!.message.sections[0]!.text).toContain('in 14 days, on 2025-04-01');
    expect(await passAt(s, '2025-03-18T06:00:00.000Z')).toEqual([]);
  });

  it('retries a rate-limited post after the wait asked, and gives up in the end', async () => {
    const s = scheduler({ maxAttempts: 3 });
    await s.planCycle(await connect());
    notifier.answer(rateLimited(120_000));
    clock.set(P14D);
    expect(await s.runOnce()).toMatchObject({ sent: 0, retried: 1 });
    expect(await passAt(s, '2025-03-18T00:01:59.000Z')).toEqual([]);
    expect(await passAt(s, '2025-03-18T00:02:00.000Z')).toEqual(['Secret rotation ahead']);

    notifier.failAlways({ ok: false, reason: 'failed', detail: 'internal_error' });
    clock.set(P7D);
    let passes = 0;
    for (let minute = 0; minute < 30; minute++) {
      const result = await s.runOnce();
      passes += result.retried + result.failed;
      clock.advance(60_000);
    }
    expect(passes).toBe(3);
    const reminder = (await store.listReminders('slack:T1')).find((r) => r.stage === 'lead:P7D');
    expect(reminder).toMatchObject({ status: 'failed', attempts: 3 });
    notifier.failAlways(undefined);
    expect(await passAt(s, P1D)).toEqual(['Secret rotation soon']);
  });

  it('alerts once when re-verification starts failing and once when it recovers', async () => {
    const s = scheduler();
    await s.planCycle(await connect());
    clock.set('2025-01-02T00:00:00.000Z');
    expect(await s.reverifyOnce()).toEqual({ checked: 1, failing: 0, recovered: 0 });
    expect(await passAt(s, '2025-01-02T00:00:00.000Z')).toEqual([]);
    expect(verifier.secretsSeen).toEqual([CANARY_SECRET]);

    verifier.revoked = true;
    clock.set('2025-01-03T00:00:00.000Z');
    expect(await s.reverifyOnce()).toEqual({ checked: 1, failing: 1, recovered: 0 });
    expect(await passAt(s, '2025-01-03T00:00:00.000Z')).toEqual(['HaloPSA check failing']);
    const alert = notifier.posts[0]!;
    expect(alert.mentions).toEqual(['UCONNECTOR', 'UADMIN']);
    expect(alert.message.summary).toContain('"Token issued"');
    expect(JSON.stringify(alert.message)).toContain(
      '**Fix:** Check that the application is active',
    );
    expect((await store.getConnection('slack:T1'))?.health).toBe('failing');

    clock.set('2025-01-04T00:00:00.000Z');
    expect(await s.reverifyOnce()).toEqual({ checked: 1, failing: 0, recovered: 0 });
    expect(await passAt(s, '2025-01-04T00:00:00.000Z')).toEqual([]);

    verifier.revoked = false;
    clock.set('2025-01-05T00:00:00.000Z');
    expect(await s.reverifyOnce()).toEqual({ checked: 1, failing: 0, recovered: 1 });
    expect(await passAt(s, '2025-01-05T00:00:00.000Z')).toEqual(['HaloPSA check passing']);
    const audit = await store.listAudit({ workspaceId: 'T1', limit: 50 });
    expect(audit.filter((a) => a.action === 'reverify').map((a) => a.outcome)).toHaveLength(4);
    expect(JSON.stringify([notifier.deliveries, audit])).not.toContain(CANARY_SECRET);
  });

  it('verifies a connection once per window even with two replicas', async () => {
    await connect();
    const a = scheduler({ owner: 'replica-a' });
    const b = scheduler({ owner: 'replica-b' });
    clock.set('2025-01-02T00:00:00.000Z');
    await Promise.all([a.reverifyOnce(), b.reverifyOnce()]);
    expect(verifier.calls).toBe(1);
    clock.set('2025-01-02T06:00:00.000Z');
    await Promise.all([a.reverifyOnce(), b.reverifyOnce()]);
    expect(verifier.calls).toBe(1);
  });

  it('plans a missing cycle during the re-verification pass', async () => {
    await connect();
    clock.set(P7D);
    await scheduler().reverifyOnce();
    expect(await passAt(scheduler(), P7D)).toEqual(['Secret rotation ahead']);
    expect(await passAt(scheduler(), P1D)).toEqual(['Secret rotation soon']);
  });

  it('skips the reminders of a removed connection', async () => {
    const s = scheduler();
    await s.planCycle(await connect());
    await store.deleteConnection('slack:T1');
    expect(await passAt(s, P14D)).toEqual([]);
  });

  it('runs passes on its timer and stops cleanly', async () => {
    const s = scheduler();
    await s.planCycle(await connect());
    clock.set(P14D);
    s.start();
    await s.stop();
    expect(notifier.posts).toHaveLength(1);
  });
});

describe('Scheduler re-verifying against the Halo sandbox', () => {
  let testStore: TestStore;
  let sandbox: Sandbox;
  let dispatcher: HaloDispatcher;

  beforeEach(async () => {
    testStore = await openTestStore('file');
    sandbox = await startSandbox();
    dispatcher = createHaloDispatcher({ allowPrivateNetwork: true });
  });

  afterEach(async () => {
    await testStore.dispose();
    await sandbox.close();
    await dispatcher.close();
  });

  it('alerts once on a revoked application and once when it is restored', async () => {
    const { store } = testStore;
    const clock = new FakeClock(ROTATED);
    const vault = testVault();
    const notifier = new RecordingNotifier();
    const valid = sandboxScenario('valid');
    const record = connectionRecord(vault, 'T1', ROTATED, {
      authServer: sandbox.authServer,
      tenant: undefined,
      resourceServer: `${sandbox.url}/api`,
      clientId: valid.clientId,
      secret: vault.seal(valid.clientSecret, connectionSecretAad('slack:T1')),
    });
    await store.putConnection(record, 0);
    const s = new Scheduler({
      store,
      notifiers: { slack: notifier },
      verifier: createVerifier({ dispatcher, logger: silent, clock }),
      vault,
      clock,
      logger: silent,
      ...settings,
    });
    const day = async (iso: string) => {
      clock.set(iso);
      const result = await s.reverifyOnce();
      await s.runOnce();
      return result;
    };

    expect(await day('2025-01-02T00:00:00.000Z')).toMatchObject({ checked: 1, failing: 0 });
    sandbox.revoke(valid.clientId);
    expect(await day('2025-01-03T00:00:00.000Z')).toMatchObject({ checked: 1, failing: 1 });
    expect(await day('2025-01-04T00:00:00.000Z')).toMatchObject({ checked: 1, failing: 0 });
    sandbox.restore(valid.clientId);
    expect(await day('2025-01-05T00:00:00.000Z')).toMatchObject({ checked: 1, recovered: 1 });
    expect(await day('2025-01-06T00:00:00.000Z')).toMatchObject({ checked: 1, recovered: 0 });

    expect(notifier.posts.map((p) => p.message.title)).toEqual([
      'HaloPSA check failing',
      'HaloPSA check passing',
    ]);
    expect(notifier.posts[0]!.message.summary).toContain('"Token issued"');
    const logged = JSON.stringify([notifier.deliveries, sandbox.requests]);
    expect(logged).not.toContain(valid.clientSecret);
  });
});
