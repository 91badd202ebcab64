import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { createTeamsAdapter, type TeamsAdapter } from '../../src/bots/teams/index.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createAesVault } from '../../src/core/aes-vault.js';
import type { Clock } from '../../src/core/clock.js';
import { ConnectionService } from '../../src/core/connection-service.js';
import { KeyRing } from '../../src/core/key-ring.js';
import { Scheduler } from '../../src/core/scheduler.js';
import type { Logger } from '../../src/core/logger.js';
import type { Notifier } from '../../src/core/notifier.js';
import type { Platform } from '../../src/core/platform.js';
import type { RateLimit } from '../../src/core/rate-limiter.js';
import {
  createHaloDispatcher,
  type HaloDispatcher,
  type ResolveHost,
} from '../../src/core/net/index.js';
import { createVerifier } from '../../src/core/verifier.js';
import type { HaloVerifier } from '../../src/core/verifier-types.js';
import { createLogger } from '../../src/log.js';
import { FileStore } from '../../src/store/file-store.js';
import type { ActivityJson } from './activities.js';
import { FakeConnector } from './fake-connector.js';

export interface HarnessOptions {
  /** Settings as environment variables, on top of a local-mode loopback default. */
  env?: Record<string, string>;
  /** Default: the real verifier, with a dispatcher that allows private addresses (the sandbox). */
  verifier?: HaloVerifier;
  perUserLimit?: RateLimit;
  perWorkspaceLimit?: RateLimit;
  /** HALO_ALLOW_PRIVATE_NETWORK for the dispatcher and the form check; default true. */
  allowPrivateNetwork?: boolean;
  /** The dispatcher's name lookup; default DNS. */
  lookup?: ResolveHost;
}

export interface PostResult {
  status: number;
  body: unknown;
  raw: string;
  ms: number;
}

/**
 * The Teams adapter composed as in production, on an ephemeral 127.0.0.1 port: the file
 * store in a temp dir, the AES vault with a random key, the connection service, a fake
 * connector for the activities' `serviceUrl`, and every log line captured.
 */
export class TeamsHarness {
  readonly logLines: string[] = [];
  /** The body of every invoke answer (`task/fetch`, `task/submit`), in order. */
  readonly invokeAnswers: unknown[] = [];
  /** The raw body of every HTTP answer to `/api/messages`, in order. */
  readonly answers: string[] = [];
  /** The waits the notifier asked for between retries; none is actually waited. */
  readonly sleeps: number[] = [];
  readonly config: Config;
  readonly store: FileStore;
  readonly service: ConnectionService;
  readonly adapter: TeamsAdapter;
  readonly connector: FakeConnector;
  readonly logger: Logger;
  /** The reminder scheduler, wired as in production but not started: tests run its passes. */
  readonly scheduler: Scheduler;
  /** How far the harness clock runs ahead of the real one. */
  offsetMs = 0;
  readonly clock: Clock = { now: () => new Date(Date.now() + this.offsetMs) };
  url = '';
  #server: Server | undefined;
  readonly #dataDir: string;
  readonly #dispatcher: HaloDispatcher;

  private constructor(options: HarnessOptions, dataDir: string, connector: FakeConnector) {
    this.#dataDir = dataDir;
    this.connector = connector;
    const allowPrivateNetwork = options.allowPrivateNetwork ?? true;
    this.#dispatcher = createHaloDispatcher({ allowPrivateNetwork, lookup: options.lookup });
    this.config = loadConfig({
      HOST: '127.0.0.1',
      TEAMS_LOCAL: 'true',
      DATA_DIR: dataDir,
      ...options.env,
    });
    const root = createLogger({
      level: 'debug',
      format: 'json',
      destination: { write: (line: string) => void this.logLines.push(line) },
    });
    this.logger = root;
    const clock = this.clock;
    this.store = new FileStore({ dataDir, logger: root.child({ subsystem: 'store' }) });
    const notifiers: Partial<Record<Platform, Notifier>> = {};
    const vault = createAesVault(new KeyRing([['test', randomBytes(32)]]));
    const verifier =
      options.verifier ?? createVerifier({ dispatcher: this.#dispatcher, logger: root, clock });
    this.scheduler = new Scheduler({
      store: this.store,
      notifiers,
      verifier,
      vault,
      clock,
      logger: root,
      rotationPeriodMs: this.config.rotationPeriodMs,
      leadTimesMs: this.config.reminderLeadTimesMs,
      overdueEveryMs: this.config.reminderOverdueEveryMs,
      intervalMs: this.config.schedulerIntervalMs,
      reverifyEveryMs: this.config.reverifyEveryMs,
      adminUserIds: this.config.adminUserIds,
    });
    this.service = new ConnectionService({
      store: this.store,
      vault,
      verifier,
      clock,
      logger: root,
      notifiers,
      adminUserIds: this.config.adminUserIds,
      rotationPeriodMs: this.config.rotationPeriodMs,
      allowPrivateNetwork,
      perUserLimit: options.perUserLimit,
      perWorkspaceLimit: options.perWorkspaceLimit,
      reminders: this.scheduler,
    });
    this.adapter = createTeamsAdapter({
      config: this.config,
      service: this.service,
      store: this.store,
      clock,
      logger: root.child({ subsystem: 'teams' }),
      retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 10_000 },
      sleep: async (ms) => void this.sleeps.push(ms),
    });
    notifiers.teams = this.adapter.notifier;
  }

  static async start(options: HarnessOptions): Promise<TeamsHarness> {
    const dataDir = await mkdtemp(join(tmpdir(), 'halo-teams-'));
    const harness = new TeamsHarness(options, dataDir, await FakeConnector.start());
    await harness.store.init();
    const app = express();
    app.use(harness.adapter.router);
    harness.#server = await new Promise<Server>((resolve) => {
      const server = app.listen(0, '127.0.0.1', () => resolve(server));
    });
    harness.url = `http://127.0.0.1:${(harness.#server.address() as AddressInfo).port}`;
    return harness;
  }

  /**
   * POSTs an activity to `/api/messages` as Teams would, optionally with headers. A string or
   * bytes are sent as they are.
   */
  async post(
    activity: ActivityJson | unknown,
    headers: Record<string, string> = {},
  ): Promise<PostResult> {
    const started = performance.now();
    const response = await fetch(`${this.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body:
        typeof activity === 'string' || activity instanceof Uint8Array
          ? activity
          : JSON.stringify(activity),
    });
    const raw = await response.text();
    this.answers.push(raw);
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    if ((activity as { type?: unknown } | undefined)?.type === 'invoke')
      this.invokeAnswers.push(body);
    return { status: response.status, body, raw, ms: performance.now() - started };
  }

  /** Waits for background card updates and running verifications to finish. */
  async settle(): Promise<void> {
    await this.service.drain();
    await this.adapter.idle();
  }

  /** The store's file as written on disk. */
  async storeFile(): Promise<string> {
    return readFile(this.store.path, 'utf8');
  }

  async close(): Promise<void> {
    await this.settle();
    await new Promise<void>((resolve) => {
      this.#server?.closeAllConnections();
      this.#server?.close(() => resolve());
    });
    await this.connector.close();
    await this.#dispatcher.close();
    await this.store.close();
    await rm(this.#dataDir, { recursive: true, force: true });
  }
}
