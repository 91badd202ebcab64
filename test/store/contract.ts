import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectionSecretAad, slackTokenAad } from '../../src/core/aad.js';
import { createAesVault } from '../../src/core/aes-vault.js';
import { ErrorCode, HaloConnectError } from '../../src/core/errors.js';
import type { ConnectionRecord, ReminderRecord, Store } from '../../src/core/store.js';
import {
  CANARY,
  T0,
  at,
  auditEvent,
  connection,
  conversationRef,
  opaqueEnvelope,
  reminder,
  slackInstallation,
  testRing,
} from './records.js';

/** One fresh, initialised store for one test, and what the suite needs around it. */
export interface StoreFixture {
  store: Store;
  /** A second store on the same data, where the implementation allows two at once. */
  openSecond?: () => Promise<Store>;
  /** Everything the store keeps, as text: the file's bytes or every row as JSON. */
  rawDump(): Promise<string>;
  /** Closes the store(s) and removes the data. */
  dispose(): Promise<void>;
}

export type StoreFactory = () => Promise<StoreFixture>;

const MINUTE = 60_000;

/**
 * The behaviour every Store must have, run against each implementation with its own
 * factory. Each test gets a fresh, empty store.
 */
export function runStoreContract(name: string, factory: StoreFactory): void {
  describe(`Store contract: ${name}`, () => {
    let fixture: StoreFixture;
    let store: Store;

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });

    afterEach(async () => {
      await fixture.dispose();
    });

    describe('connections', () => {
      it('puts, gets, lists, counts and deletes, bumping the version on every write', async () => {
        const first = await store.putConnection(connection('slack:T1'));
        expect(first.version).toBe(1);
        expect(await store.getConnection('slack:T1')).toEqual(first);
        const second = await store.putConnection({ ...first, agentName: 'api-agent' });
        expect(second).toMatchObject({ version: 2, agentName: 'api-agent' });
        await store.putConnection(connection('teams:tenant-9'));
        expect((await store.listConnections()).map((c) => c.id)).toEqual([
          'slack:T1',
          'teams:tenant-9',
        ]);
        expect(await store.countConnections()).toBe(2);
        expect(await store.deleteConnection('slack:T1')).toBe(true);
        expect(await store.deleteConnection('slack:T1')).toBe(false);
        expect(await store.getConnection('slack:T1')).toBeUndefined();
        expect(await store.countConnections()).toBe(1);
      });

      it('lists for re-verification only the stale, the never verified and the retiring', async () => {
        const retiring = { clientId: 'old-client', secret: opaqueEnvelope(), since: at(5) };
        await store.putConnection(connection('slack:T-stale', { lastVerifiedAt: at(10) }));
        await store.putConnection(connection('slack:T-fresh', { lastVerifiedAt: at(100) }));
        await store.putConnection(connection('slack:T-never'));
        await store.putConnection(
          connection('teams:retiring', { lastVerifiedAt: at(100), retiring }),
        );
        const due = await store.listConnectionsToReverify(new Date(at(50)));
        expect(due.map((c) => c.id)).toEqual(['slack:T-never', 'slack:T-stale', 'teams:retiring']);
        expect(due[2]!.retiring).toEqual(retiring);
        expect(await store.listConnectionsToReverify(new Date(at(0)))).toHaveLength(2);
      });

      it('keeps the re-verification list current as connections change', async () => {
        const stale = await store.putConnection(
          connection('slack:T-a', { lastVerifiedAt: at(10) }),
        );
        await store.putConnection(connection('slack:T-b', { lastVerifiedAt: at(10) }));
        await store.putConnection(connection('slack:T-odd', { lastVerifiedAt: 'yesterday' }));
        await store.putConnection({ ...stale, lastVerifiedAt: at(100) }, stale.version);
        await store.deleteConnection('slack:T-b');
        const due = await store.listConnectionsToReverify(new Date(at(50)));
        // A time that does not parse counts as never verified: better checked than forgotten.
        expect(due.map((c) => c.id)).toEqual(['slack:T-odd']);
        expect((await store.listConnectionsToReverify(new Date(at(100)))).map((c) => c.id)).toEqual(
          ['slack:T-a', 'slack:T-odd'],
        );
      });

      it('returns copies: changing a returned record changes nothing stored', async () => {
        const stored = await store.putConnection(connection());
        stored.clientId = 'changed';
        (await store.getConnection(stored.id))!.clientId = 'changed too';
        expect((await store.getConnection(stored.id))!.clientId).toBe(connection().clientId);
      });

      it('keeps optional fields and nested values as written', async () => {
        const record = connection('slack:T2', {
          tenant: undefined,
          lastVerifiedAt: at(5),
          health: 'failing',
          agentName: 'Cloud Depot API agent',
        });
        delete record.tenant;
        const stored = await store.putConnection(record);
        expect(await store.getConnection('slack:T2')).toEqual(stored);
        expect(stored).not.toHaveProperty('tenant');
      });

      it('refuses a write whose expected version is not the stored one', async () => {
        await expectConflict(store.putConnection(connection(), 1));
        const created = await store.putConnection(connection(), 0);
        expect(created.version).toBe(1);
        await expectConflict(store.putConnection(connection(), 0));
        const updated = await store.putConnection({ ...created, agentName: 'a' }, 1);
        expect(updated.version).toBe(2);
        await expectConflict(store.putConnection({ ...created, agentName: 'stale' }, 1));
        expect((await store.getConnection(created.id))!.agentName).toBe('a');
      });
    });

    describe('under concurrent writes', () => {
      it('loses none of 100 concurrent audit appends and 100 concurrent puts', async () => {
        const events = Array.from({ length: 100 }, () => auditEvent());
        const ids = Array.from({ length: 100 }, (_, i) => `slack:T${i}`);
        await Promise.all([
          ...events.map((event) => store.appendAudit(event)),
          ...ids.map((id) => store.putConnection(connection(id))),
        ]);
        const audit = await store.listAudit({});
        expect(new Set(audit.map((e) => e.id))).toEqual(new Set(events.map((e) => e.id)));
        expect(await store.countConnections()).toBe(100);
      });

      it('counts to 100 with 10 read-modify-write loops retrying on Conflict', async () => {
        await store.putConnection(connection('slack:T1', { agentName: '0' }));
        const increment = async () => {
          for (;;) {
            const current = (await store.getConnection('slack:T1'))!;
            const next = { ...current, agentName: String(Number(current.agentName) + 1) };
            try {
              return await store.putConnection(next, current.version);
            } catch (error) {
              if ((error as HaloConnectError).code !== ErrorCode.Conflict) throw error;
            }
          }
        };
        await Promise.all(
          Array.from({ length: 10 }, async () => {
            for (let i = 0; i < 10; i += 1) await increment();
          }),
        );
        const final = (await store.getConnection('slack:T1'))!;
        expect(final.agentName).toBe('100');
        expect(final.version).toBe(101);
      });
    });

    describe('audit', () => {
      it('lists newest first, filtered by workspace, limited', async () => {
        const old = auditEvent({ at: at(1) });
        const other = auditEvent({ at: at(2), platform: 'teams', workspaceId: 'tenant-1' });
        const newer = auditEvent({
          at: at(3),
          action: 'verify',
          outcome: 'failed',
          detail: 'token',
        });
        const sameTime = auditEvent({ at: at(3), action: 'rotate' });
        for (const event of [old, other, newer, sameTime]) await store.appendAudit(event);
        expect(await store.listAudit({})).toEqual([sameTime, newer, other, old]);
        expect(await store.listAudit({ platform: 'slack', workspaceId: 'T1' })).toEqual([
          sameTime,
          newer,
          old,
        ]);
        expect(await store.listAudit({ platform: 'teams' })).toEqual([other]);
        expect(await store.listAudit({ limit: 2 })).toEqual([sameTime, newer]);
      });

      it('records an event once even when it is appended twice', async () => {
        const event = auditEvent();
        await store.appendAudit(event);
        await store.appendAudit(event);
        expect(await store.listAudit({})).toEqual([event]);
      });
    });

    it('keeps guide progress per key, the last write winning', async () => {
      expect(await store.getGuideProgress('slack:T1:U1')).toBeUndefined();
      await store.setGuideProgress({ key: 'slack:T1:U1', step: 'agent', updatedAt: at(1) });
      await store.setGuideProgress({ key: 'slack:T1:U1', step: 'scopes', updatedAt: at(2) });
      await store.setGuideProgress({ key: 'slack:T1:U2', step: 'agent', updatedAt: at(3) });
      expect(await store.getGuideProgress('slack:T1:U1')).toEqual({
        key: 'slack:T1:U1',
        step: 'scopes',
        updatedAt: at(2),
      });
    });

    describe('reminders', () => {
      it('adds a stage of a cycle once, lists by due time and deletes per connection', async () => {
        expect(await store.addReminder(reminder({ stage: 'due', dueAt: at(20) }))).toBe(true);
        expect(await store.addReminder(reminder({ stage: 'lead:P7D', dueAt: at(10) }))).toBe(true);
        expect(await store.addReminder(reminder({ stage: 'due', dueAt: at(99) }))).toBe(false);
        const next = reminder({ cycle: at(500), stage: 'due', dueAt: at(600) });
        expect(await store.addReminder(next)).toBe(true);
        await store.addReminder(reminder({ connectionId: 'teams:x', stage: 'due' }));
        const listed = await store.listReminders('slack:T1');
        expect(listed.map((r) => [r.stage, r.dueAt])).toEqual([
          ['lead:P7D', at(10)],
          ['due', at(20)],
          ['due', at(600)],
        ]);
        expect(listed[0]).toEqual(reminder({ stage: 'lead:P7D', dueAt: at(10) }));
        await store.deleteReminders('slack:T1');
        expect(await store.listReminders('slack:T1')).toEqual([]);
        expect(await store.listReminders('teams:x')).toHaveLength(1);
      });

      it('claims due ones in due order, honours leases and takes expired ones back', async () => {
        const dueAts = [5, 1, 4, 2, 3];
        for (const [i, minute] of dueAts.entries()) {
          await store.addReminder(reminder({ stage: `s${i}`, dueAt: at(minute) }));
        }
        await store.addReminder(reminder({ stage: 'later', dueAt: at(60) }));
        await store.addReminder(reminder({ stage: 'done', dueAt: at(0), status: 'sent' }));
        const now = new Date(T0.getTime() + 10 * MINUTE);

        const first = await store.claimDueReminders(now, 'a', MINUTE, 3);
        expect(first.map((r) => r.dueAt)).toEqual([at(1), at(2), at(3)]);
        expect(first[0]).toMatchObject({
          status: 'claimed',
          claimedBy: 'a',
          leaseUntil: at(11),
        });
        const second = await store.claimDueReminders(now, 'b', MINUTE, 10);
        expect(second.map((r) => r.dueAt)).toEqual([at(4), at(5)]);
        expect(await store.claimDueReminders(now, 'c', MINUTE, 10)).toEqual([]);

        const afterLease = new Date(now.getTime() + 2 * MINUTE);
        const retaken = await store.claimDueReminders(afterLease, 'c', MINUTE, 10);
        expect(retaken.map((r) => r.dueAt)).toEqual([1, 2, 3, 4, 5].map(at));
        expect(retaken.every((r) => r.claimedBy === 'c')).toBe(true);
      });

      it('lets only the holder update a claimed reminder, and a sent one stays sent', async () => {
        const key = { connectionId: 'slack:T1', cycle: at(0), stage: 'due' };
        await store.addReminder(reminder({ ...key, dueAt: at(1) }));
        const now = new Date(T0.getTime() + 5 * MINUTE);
        await store.claimDueReminders(now, 'a', MINUTE, 10);
        const later = new Date(now.getTime() + 2 * MINUTE);
        await store.claimDueReminders(later, 'b', MINUTE, 10);

        expect(await store.updateReminder(key, 'a', { status: 'sent' })).toBe(false);
        const patch = { status: 'sent', sentAt: at(8), attempts: 1, messageRef: 'ts-1' } as const;
        expect(await store.updateReminder(key, 'b', patch)).toBe(true);
        expect(await store.updateReminder(key, 'b', { lastError: undefined })).toBe(true);
        const [stored] = await store.listReminders('slack:T1');
        expect(stored).toMatchObject({ ...key, ...patch, claimedBy: 'b' });
        const muchLater = new Date(T0.getTime() + 999 * MINUTE);
        expect(await store.claimDueReminders(muchLater, 'c', MINUTE, 10)).toEqual([]);
      });

      it('puts a failed claim back to pending for the next claimer', async () => {
        const key = { connectionId: 'slack:T1', cycle: at(0), stage: 'due' };
        await store.addReminder(reminder({ ...key, dueAt: at(1) }));
        const now = new Date(T0.getTime() + 5 * MINUTE);
        await store.claimDueReminders(now, 'a', MINUTE, 10);
        const patch = { status: 'pending', attempts: 1, lastError: 'Slack 500' } as const;
        expect(await store.updateReminder(key, 'a', patch)).toBe(true);
        const [again] = await store.claimDueReminders(now, 'b', MINUTE, 10);
        expect(again).toMatchObject({ claimedBy: 'b', attempts: 1, lastError: 'Slack 500' });
      });

      it('never hands the same reminder to two concurrent claimers', async () => {
        const total = 40;
        for (let i = 0; i < total; i += 1) {
          await store.addReminder(reminder({ stage: `s${i}`, dueAt: at(i % 7) }));
        }
        const other = fixture.openSecond ? await fixture.openSecond() : store;
        const now = new Date(T0.getTime() + 60 * MINUTE);
        const drain = async (claimer: Store, owner: string) => {
          const got: ReminderRecord[] = [];
          for (;;) {
            const batch = await claimer.claimDueReminders(now, owner, 10 * MINUTE, 3);
            if (batch.length === 0) return got;
            got.push(...batch);
          }
        };
        const results = await Promise.all([
          drain(store, 'a'),
          drain(other, 'b'),
          drain(store, 'c'),
          drain(other, 'd'),
        ]);
        const stages = results.flat().map((r) => r.stage);
        expect(stages).toHaveLength(total);
        expect(new Set(stages).size).toBe(total);
      });
    });

    it('claims an idempotency key once while it lives, and again after it expired', async () => {
      expect(await store.claimOnce('slack:retry:1', MINUTE, T0)).toBe(true);
      expect(await store.claimOnce('slack:retry:1', MINUTE, T0)).toBe(false);
      expect(await store.claimOnce('slack:retry:2', MINUTE, T0)).toBe(true);
      const almost = new Date(T0.getTime() + MINUTE - 1);
      expect(await store.claimOnce('slack:retry:1', MINUTE, almost)).toBe(false);
      const expired = new Date(T0.getTime() + MINUTE);
      expect(await store.claimOnce('slack:retry:1', MINUTE, expired)).toBe(true);
      expect(await store.claimOnce('slack:retry:1', MINUTE, expired)).toBe(false);
    });

    it('keeps Slack installations by id', async () => {
      const record = slackInstallation('T1');
      await store.putSlackInstallation(record);
      await store.putSlackInstallation(slackInstallation('E1'));
      expect(await store.getSlackInstallation('T1')).toEqual(record);
      const replaced = slackInstallation('T1', { updatedAt: at(5) });
      await store.putSlackInstallation(replaced);
      expect(await store.getSlackInstallation('T1')).toEqual(replaced);
      expect((await store.listSlackInstallations()).map((r) => r.id)).toEqual(['E1', 'T1']);
      await store.deleteSlackInstallation('T1');
      expect(await store.getSlackInstallation('T1')).toBeUndefined();
    });

    it('keeps conversation references, listed per tenant', async () => {
      const ref = conversationRef('tenant-1:19:a');
      await store.putConversationRef(ref);
      await store.putConversationRef(conversationRef('tenant-1:19:b', { disabled: true }));
      await store.putConversationRef(conversationRef('tenant-2:19:c'));
      expect(await store.getConversationRef('tenant-1:19:a')).toEqual(ref);
      const listed = await store.listConversationRefs('tenant-1');
      expect(listed.map((r) => [r.id, r.disabled])).toEqual([
        ['tenant-1:19:a', false],
        ['tenant-1:19:b', true],
      ]);
      expect(await store.getConversationRef('nope')).toBeUndefined();
    });

    it('answers ping while usable', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('stores a sealed canary that opens again but appears nowhere in plain text', async () => {
      const vault = createAesVault(testRing('k1'));
      const record: ConnectionRecord = {
        ...connection('slack:TCANARY'),
        secret: vault.seal(CANARY, connectionSecretAad('slack:TCANARY')),
      };
      await store.putConnection(record);
      await store.putSlackInstallation(
        slackInstallation('TCANARY', {
          tokens: { botToken: vault.seal(CANARY, slackTokenAad('TCANARY', 'botToken')) },
        }),
      );
      const stored = (await store.getConnection('slack:TCANARY'))!;
      expect(vault.open(stored.secret, connectionSecretAad(stored.id))).toBe(CANARY);
      const raw = await fixture.rawDump();
      expect(raw).toContain('slack:TCANARY');
      expect(raw).not.toContain(CANARY);
      expect(raw).not.toContain(Buffer.from(CANARY).toString('base64'));
      expect(raw).not.toContain(CANARY.slice(0, 18));
    });
  });
}

async function expectConflict(promise: Promise<unknown>): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HaloConnectError);
  expect((error as HaloConnectError).code).toBe(ErrorCode.Conflict);
}
