import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkKeys } from '../../src/cli/keys.js';
import { ConnectionService } from '../../src/core/connection-service.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Message } from '../../src/core/message.js';
import type { Actor, Address } from '../../src/core/platform.js';
import { createHaloDispatcher, type HaloDispatcher } from '../../src/core/net/index.js';
import { Scheduler } from '../../src/core/scheduler.js';
import { createVerifier } from '../../src/core/verifier.js';
import { sandboxScenario } from '../../src/sandbox/scenarios.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import {
  DAY,
  FakeClock,
  openTestStore,
  RecordingNotifier,
  testVault,
  type TestStore,
} from './scheduler-fixtures.js';

const admin: Actor = {
  platform: 'slack',
  workspaceId: 'T2',
  userId: 'UADMIN',
  isWorkspaceAdmin: true,
  isGuest: false,
};
const channel: Address = { platform: 'slack', workspaceId: 'T2', channelId: 'C2' };
const oldApp = sandboxScenario('agent-not-api-only');
const newApp = sandboxScenario('valid');

function text(message: Message): string {
  return JSON.stringify(message);
}

describe('rotating to a second Halo application', () => {
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

  it('keeps the old client id until Halo refuses it, then says so once and drops it', async () => {
    const { store } = testStore;
    const clock = new FakeClock('2025-01-01T00:00:00.000Z');
    const vault = testVault();
    const notifier = new RecordingNotifier();
    const verifier = createVerifier({ dispatcher, logger: silentLogger, clock });
    const scheduler = new Scheduler({
      store,
      notifiers: { slack: notifier },
      verifier,
      vault,
      clock,
      logger: silentLogger,
      rotationPeriodMs: 90 * DAY,
      leadTimesMs: [14 * DAY],
      overdueEveryMs: DAY,
      intervalMs: 60_000,
      reverifyEveryMs: DAY,
      adminUserIds: [],
    });
    const service = new ConnectionService({
      store,
      vault,
      verifier,
      clock,
      logger: silentLogger,
      notifiers: { slack: notifier },
      adminUserIds: [],
      rotationPeriodMs: 90 * DAY,
      allowPrivateNetwork: true,
      reminders: scheduler,
    });
    const submit = async (mode: 'connect' | 'rotate', app: typeof oldApp, key: string) => {
      const result = await service.submitCredentials(
        admin,
        { authServer: sandbox.authServer, clientId: app.clientId, clientSecret: app.clientSecret },
        { idempotencyKey: key, mode, channel },
      );
      if (result.kind !== 'started') throw new Error(`not started: ${result.kind}`);
      return result.done;
    };

    await submit('connect', oldApp, 'k1');
    const rotated = await submit('rotate', newApp, 'k2');
    expect(text(rotated)).toContain(
      `Now delete the old application (Client ID \`${oldApp.clientId}\`)`,
    );
    const stored = await store.getConnection('slack:T2');
    expect(stored?.clientId).toBe(newApp.clientId);
    expect(stored?.retiring?.clientId).toBe(oldApp.clientId);
    expect(text(await service.status(admin))).toContain(`Client ID ${oldApp.clientId}`);
    const keys = await checkKeys(store, vault);
    expect(keys.usage.get(vault.activeKeyId)?.connections).toBe(2);
    expect(keys.unreadable).toEqual([]);

    // The old application still works: nothing is said, the old secret is kept.
    clock.advance(3_600_000);
    await scheduler.reverifyOnce();
    await scheduler.runOnce();
    expect(notifier.posts.map((p) => p.message.title)).not.toContain('Old credentials retired');
    expect((await store.getConnection('slack:T2'))?.retiring).toBeDefined();

    // The admin deletes the old application in Halo.
    sandbox.revoke(oldApp.clientId);
    clock.advance(3_600_000);
    await scheduler.reverifyOnce();
    await scheduler.runOnce();
    clock.advance(3_600_000);
    await scheduler.reverifyOnce();
    await scheduler.runOnce();
    const retired = notifier.posts.filter((p) => p.message.title === 'Old credentials retired');
    expect(retired).toHaveLength(1);
    expect(retired[0]!.message.summary).toContain(oldApp.clientId);
    expect((await store.getConnection('slack:T2'))?.retiring).toBeUndefined();

    const everything = JSON.stringify([notifier.deliveries, sandbox.requests, rotated]);
    for (const secret of [oldApp.clientSecret, newApp.clientSecret]) {
      expect(everything).not.toContain(secret);
    }
  });
});
