import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCode, HaloConnectError } from '../../src/core/errors.js';
import { runStoreContract } from './contract.js';
import { startProxy } from './pg-proxy.js';
import {
  adminQuery,
  DATABASE_URL,
  dropSchemas,
  dumpSchema,
  newSchema,
  openPostgresStore,
  postgresSuite,
} from './pg-env.js';
import type { StoreSnapshot } from '../../src/store/store-snapshot.js';
import { T0, auditEvent } from './records.js';

const suite = await postgresSuite();

describe.skipIf(suite.skip)(suite.label, () => {
  afterAll(async () => {
    await dropSchemas();
  });

  runStoreContract('PostgresStore', async () => {
    const schema = newSchema();
    const store = await openPostgresStore(schema);
    const others: Array<{ close(): Promise<void> }> = [];
    return {
      store,
      openSecond: async () => {
        const second = await openPostgresStore(schema);
        others.push(second);
        return second;
      },
      rawDump: () => dumpSchema(schema),
      dispose: async () => {
        await Promise.all([store, ...others].map((s) => s.close()));
        await dropSchemas(schema);
      },
    };
  });

  describe('PostgresStore', () => {
    it('migrates once when several replicas start together, recording each version', async () => {
      const schema = newSchema();
      const stores = await Promise.all([1, 2, 3].map(() => openPostgresStore(schema)));
      const applied = await adminQuery(`select version, name from ${schema}.schema_migrations`);
      expect(applied).toEqual([
        { version: 1, name: 'initial' },
        { version: 2, name: 'reverify_index' },
      ]);
      const indexes = await adminQuery<{ indexdef: string }>(
        'select indexdef from pg_indexes where schemaname = $1 and indexname = $2',
        [schema, 'reminders_status_due'],
      );
      expect(indexes[0]?.indexdef).toContain('(status, due_at)');
      await Promise.all(stores.map((s) => s.close()));
      await dropSchemas(schema);
    });

    it('reads the connections to re-verify through their index', async () => {
      const schema = newSchema();
      const store = await openPostgresStore(schema);
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      try {
        // With sequential scans priced out, the plan shows whether the index matches the query.
        await client.query(`set search_path = ${schema}`);
        await client.query('set enable_seqscan = off');
        const plan = await client.query<{ 'QUERY PLAN': string }>(
          `explain select id from connections
           where connection_reverify_key(data) collate "C" <= $1`,
          [T0.toISOString()],
        );
        expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('connections_reverify');
      } finally {
        await client.end();
        await store.close();
        await dropSchemas(schema);
      }
    });

    it('keeps the audit append-only', async () => {
      const schema = newSchema();
      const store = await openPostgresStore(schema);
      await store.appendAudit(auditEvent());
      await expect(adminQuery(`update ${schema}.audit set actor = 'someone else'`)).rejects.toThrow(
        /append-only/,
      );
      await expect(adminQuery(`delete from ${schema}.audit`)).rejects.toThrow(/append-only/);
      await store.close();
      await dropSchemas(schema);
    });

    it('prunes expired idempotency keys', async () => {
      const schema = newSchema();
      const store = await openPostgresStore(schema);
      await store.claimOnce('old', 60_000, T0);
      await store.claimOnce('fresh', 60 * 60_000, new Date(T0.getTime() + 10 * 60_000));
      await store.claimOnce('new', 60_000, new Date(T0.getTime() + 20 * 60_000));
      const keys = await adminQuery<{ key: string }>(
        `select key from ${schema}.idempotency_keys order by key`,
      );
      expect(keys.map((k) => k.key)).toEqual(['fresh', 'new']);
      await store.close();
      await dropSchemas(schema);
    });

    it('survives its connections being killed: no crash, the next query reconnects', async () => {
      const schema = newSchema();
      const applicationName = `${schema}_app`;
      const store = await openPostgresStore(schema, { applicationName });
      await Promise.all([store.ping(), store.ping(), store.countConnections()]);
      const killed = await adminQuery(
        'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1',
        [applicationName],
      );
      expect(killed.length).toBeGreaterThan(0);
      await expect
        .poll(() =>
          store.ping().then(
            () => 'up',
            () => 'down',
          ),
        )
        .toBe('up');
      expect(await store.countConnections()).toBe(0);
      await store.close();
      await dropSchemas(schema);
    });

    it('survives a connection killed in the middle of a transaction', async () => {
      const schema = newSchema();
      const applicationName = `${schema}_tx`;
      const store = await openPostgresStore(schema, { applicationName });
      const snapshot: StoreSnapshot = {
        connections: [],
        audit: Array.from({ length: 3_000 }, () => auditEvent()),
        guideProgress: [],
        reminders: [],
        slackInstallations: [],
        conversationRefs: [],
      };
      const importing = store.importSnapshot(snapshot).then(
        () => 'finished',
        (e: HaloConnectError) => e.code,
      );
      // Kill the backend between two statements: the client is checked out, no query runs.
      let killed = 0;
      while (killed === 0) {
        const rows = await adminQuery(
          `select pg_terminate_backend(pid) from pg_stat_activity
           where application_name = $1 and state = 'idle in transaction'`,
          [applicationName],
        );
        killed = rows.length;
      }
      expect(await importing).toBe(ErrorCode.Store);
      expect(await store.listAudit({ limit: 1 })).toEqual([]);
      await store.close();
      await dropSchemas(schema);
    });

    it('fails ping while the database is unreachable and recovers by itself', async () => {
      const schema = newSchema();
      await (await openPostgresStore(schema)).close();
      const proxy = await startProxy(new URL(DATABASE_URL));
      const url = new URL(DATABASE_URL);
      url.host = `127.0.0.1:${proxy.port}`;
      const store = await openPostgresStore(schema, {
        connectionString: url.toString(),
        pingTimeoutMs: 500,
      });
      await store.ping();
      await proxy.stop();
      const error = await store.ping().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HaloConnectError);
      expect((error as HaloConnectError).code).toBe(ErrorCode.Store);
      await proxy.start();
      await expect
        .poll(() =>
          store.ping().then(
            () => 'up',
            () => 'down',
          ),
        )
        .toBe('up');
      await store.close();
      await proxy.stop();
      await dropSchemas(schema);
    });
  });
});
