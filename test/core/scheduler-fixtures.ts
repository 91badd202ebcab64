import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { connectionSecretAad } from '../../src/core/aad.js';
import { createAesVault } from '../../src/core/aes-vault.js';
import type { Clock } from '../../src/core/clock.js';
import type { HaloCredentials } from '../../src/core/credentials.js';
import { KeyRing } from '../../src/core/key-ring.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Message } from '../../src/core/message.js';
import type { DeliveryResult, Notifier } from '../../src/core/notifier.js';
import type { Address, WorkspaceRef } from '../../src/core/platform.js';
import type { CheckResult, VerificationReport } from '../../src/core/report.js';
import type { ConnectionRecord, Store } from '../../src/core/store.js';
import type { Vault } from '../../src/core/vault.js';
import type { HaloVerifier, TokenOutcome } from '../../src/core/verifier-types.js';
import { FileStore } from '../../src/store/file-store.js';
import { PostgresStore } from '../../src/store/postgres-store.js';

export const DAY = 86_400_000;
export const DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A clock that moves only when told to. */
export class FakeClock implements Clock {
  #now: number;

  constructor(iso: string) {
    this.#now = Date.parse(iso);
  }

  now(): Date {
    return new Date(this.#now);
  }

  set(iso: string): void {
    this.#now = Date.parse(iso);
  }

  advance(ms: number): void {
    this.#now += ms;
  }
}

export interface Delivery {
  kind: 'post' | 'direct';
  target: string;
  message: Message;
  mentions?: string[];
}

/**
 * A Notifier that records what it was asked to send and answers with `ok`, unless a scripted
 * answer is queued for the next calls.
 */
export class RecordingNotifier implements Notifier {
  readonly platform = 'slack' as const;
  readonly deliveries: Delivery[] = [];
  readonly #script: DeliveryResult[] = [];
  #failAlways: DeliveryResult | undefined;
  #count = 0;

  /** Answers the next calls with these, in order. */
  answer(...results: DeliveryResult[]): void {
    this.#script.push(...results);
  }

  /** Answers every call with `result` until cleared with undefined. */
  failAlways(result: DeliveryResult | undefined): void {
    this.#failAlways = result;
  }

  get posts(): Delivery[] {
    return this.deliveries.filter((d) => d.kind === 'post');
  }

  get directs(): Delivery[] {
    return this.deliveries.filter((d) => d.kind === 'direct');
  }

  async post(address: Address, message: Message, options?: { mentions?: string[] }) {
    return this.#record({
      kind: 'post',
      target: address.channelId,
      message,
      mentions: options?.mentions,
    });
  }

  async update(): Promise<DeliveryResult> {
    return { ok: true, ref: 'updated' };
  }

  async direct(_workspace: WorkspaceRef, userId: string, message: Message) {
    return this.#record({ kind: 'direct', target: userId, message });
  }

  async #record(delivery: Delivery): Promise<DeliveryResult> {
    // A platform round trip: lets concurrent passes interleave.
    await new Promise((resolve) => setImmediate(resolve));
    const scripted = this.#failAlways ?? this.#script.shift();
    if (scripted) return scripted;
    this.deliveries.push(delivery);
    this.#count += 1;
    return { ok: true, ref: `m${this.#count}` };
  }
}

export const gone: DeliveryResult = { ok: false, reason: 'gone', detail: 'channel_not_found' };
export const rateLimited = (retryAfterMs: number): DeliveryResult => ({
  ok: false,
  reason: 'rate_limited',
  retryAfterMs,
  detail: 'ratelimited',
});

const passed = (id: CheckResult['id']): CheckResult => ({
  id,
  status: 'pass',
  message: 'ok',
  ms: 1,
});

/** A HaloVerifier whose answer the test sets: the stored secret works, or it was revoked. */
export class FakeVerifier implements HaloVerifier {
  revoked = false;
  calls = 0;
  readonly secretsSeen: string[] = [];

  constructor(private readonly clock: Clock) {}

  async verify(credentials: HaloCredentials): Promise<VerificationReport> {
    this.calls += 1;
    this.secretsSeen.push(credentials.clientSecret.reveal());
    await new Promise((resolve) => setImmediate(resolve));
    const checks: CheckResult[] = this.revoked
      ? [
          {
            id: 'token',
            status: 'fail',
            message: 'Halo refused the client id and secret (invalid_client).',
            step: 'application',
            fix: 'Check that the application is active, then enter its current secret with rotate.',
            ms: 3,
          },
        ]
      : [passed('token'), passed('scopes'), passed('customers.read')];
    return { ok: !this.revoked, checks, ms: 5, startedAt: this.clock.now().toISOString() };
  }

  async fetchToken(): Promise<TokenOutcome> {
    throw new Error('not used by the scheduler');
  }
}

export function testVault(): Vault {
  return createAesVault(new KeyRing([['test', randomBytes(32)]]));
}

/** The plain secret every test connection is sealed with: searched for in every message. */
export const CANARY_SECRET =
  '0f0e0d0c-0b0a-4909-8807-060504030201-a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';

export function connectionRecord(
  vault: Vault,
  workspaceId: string,
  rotatedAt: string,
  overrides: Partial<ConnectionRecord> = {},
): ConnectionRecord {
  const id = `slack:${workspaceId}`;
  return {
    id,
    platform: 'slack',
    workspaceId,
    authServer: 'https://acme.halopsa.com/auth',
    tenant: 'acme',
    resourceServer: 'https://acme.halopsa.com/api',
    clientId: '6d3f2a1b-9c8e-4f70-a1b2-c3d4e5f60718',
    secret: vault.seal(CANARY_SECRET, connectionSecretAad(id)),
    connectedBy: 'UCONNECTOR',
    connectedAt: rotatedAt,
    rotatedAt,
    rotatedBy: 'UROTATOR',
    rotationDueAt: new Date(Date.parse(rotatedAt) + 90 * DAY).toISOString(),
    channel: { platform: 'slack', workspaceId, channelId: `C-${workspaceId}` },
    lastVerifiedAt: rotatedAt,
    health: 'ok',
    version: 0,
    ...overrides,
  };
}

export interface TestStore {
  store: Store;
  /** A second Store on the same data, as a restarted process would open it. */
  reopen(): Promise<Store>;
  dispose(): Promise<void>;
}

export type StoreKind = 'file' | 'postgres';

export async function openTestStore(kind: StoreKind): Promise<TestStore> {
  return kind === 'file' ? openFileStore() : openPostgresStore();
}

async function openFileStore(): Promise<TestStore> {
  const dataDir = await mkdtemp(join(tmpdir(), 'halo-scheduler-'));
  const open = async () => {
    const store = new FileStore({ dataDir, logger: silentLogger });
    await store.init();
    return store;
  };
  let store = await open();
  return {
    store,
    async reopen() {
      await store.close();
      store = await open();
      return store;
    },
    async dispose() {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function openPostgresStore(): Promise<TestStore> {
  const schema = `scheduler_${randomBytes(6).toString('hex')}`;
  const opened: PostgresStore[] = [];
  const open = async () => {
    const store = new PostgresStore({
      connectionString: DATABASE_URL,
      schema,
      logger: silentLogger,
    });
    await store.init();
    opened.push(store);
    return store;
  };
  const store = await open();
  return {
    store,
    reopen: open,
    async dispose() {
      await Promise.all(opened.map((s) => s.close()));
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    },
  };
}
