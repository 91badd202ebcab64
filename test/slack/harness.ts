import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { createSlackAdapter, type SlackAdapter } from '../../src/bots/slack/index.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createAesVault } from '../../src/core/aes-vault.js';
import type { Clock } from '../../src/core/clock.js';
import { ConnectionService } from '../../src/core/connection-service.js';
import { KeyRing } from '../../src/core/key-ring.js';
import {
  createHaloDispatcher,
  type HaloDispatcher,
  type ResolveHost,
} from '../../src/core/net/index.js';
import type { Notifier } from '../../src/core/notifier.js';
import type { Platform } from '../../src/core/platform.js';
import type { RateLimit } from '../../src/core/rate-limiter.js';
import type { Vault } from '../../src/core/vault.js';
import { createVerifier } from '../../src/core/verifier.js';
import type { HaloVerifier } from '../../src/core/verifier-types.js';
import { createLogger } from '../../src/log.js';
import { FileStore } from '../../src/store/file-store.js';
import { FakeSlackApi } from './fake-slack-api.js';
import {
  encodeCommand,
  encodeEvent,
  encodeInteraction,
  signatureHeaders,
  slashCommand,
  type BinaryBody,
  type EncodedBody,
} from './payloads.js';

/** The fake signing secret every test request is signed with. */
export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';
export const BOT_TOKEN = 'xoxb-test-0000-bot-token';

export interface SlackHarnessOptions {
  /** Extra settings, as environment variables. */
  env?: Record<string, string>;
  perUserLimit?: RateLimit;
  perWorkspaceLimit?: RateLimit;
  /** Default: the real verifier with a dispatcher that allows private addresses (the sandbox). */
  verifier?: HaloVerifier;
  clock?: Clock;
  /** HALO_ALLOW_PRIVATE_NETWORK for the dispatcher and the form check; default true. */
  allowPrivateNetwork?: boolean;
  /** The dispatcher's name lookup; default DNS. */
  lookup?: ResolveHost;
  /** The dispatcher's connect timeout (DNS, TCP and TLS); default its own (10 s). */
  connectTimeoutMs?: number;
  /** Deadlines of the default verifier; default its own (25 s, 10 s per request). */
  deadlineMs?: number;
  requestTimeoutMs?: number;
}

export interface SlackReply {
  status: number;
  body: unknown;
  raw: string;
}

export interface SendOptions {
  /** Sign the request (default true). */
  sign?: boolean;
  timestampSeconds?: number;
  headers?: Record<string, string>;
}

/**
 * The Slack adapter composed as `src/main.ts` composes it, on an ephemeral 127.0.0.1 port:
 * the file store in a temp dir, the AES vault with a random key, the real verifier, the
 * connection service, a fake Slack Web API as `SLACK_API_URL`, and every log line captured.
 */
export class SlackHarness {
  readonly logLines: string[] = [];
  readonly fake: FakeSlackApi;
  readonly config: Config;
  readonly store: FileStore;
  readonly service: ConnectionService;
  readonly adapter: SlackAdapter;
  readonly sleeps: number[] = [];
  /** The raw body of every HTTP answer to `/slack/events`, in order. */
  readonly answers: string[] = [];
  /** The vault the service and the adapter seal with (random key per harness). */
  readonly vault: Vault;
  url = '';
  #server: Server | undefined;
  readonly #dataDir: string;
  readonly #dispatcher: HaloDispatcher;

  private constructor(options: SlackHarnessOptions, dataDir: string, fake: FakeSlackApi) {
    this.#dataDir = dataDir;
    this.fake = fake;
    this.config = loadConfig({
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_API_URL: fake.apiUrl,
      HALO_ALLOW_PRIVATE_NETWORK: 'true',
      ...options.env,
    });
    const destination = { write: (line: string) => void this.logLines.push(line) };
    const root = createLogger({ level: 'debug', format: 'json', destination });
    const clock = options.clock ?? { now: () => new Date() };
    this.store = new FileStore({ dataDir, logger: root.child({ subsystem: 'store' }) });
    const vault = createAesVault(new KeyRing([['test', randomBytes(32)]]));
    this.vault = vault;
    const allowPrivateNetwork = options.allowPrivateNetwork ?? true;
    this.#dispatcher = createHaloDispatcher({
      allowPrivateNetwork,
      lookup: options.lookup,
      connectTimeoutMs: options.connectTimeoutMs,
    });
    const notifiers: Partial<Record<Platform, Notifier>> = {};
    this.service = new ConnectionService({
      store: this.store,
      vault,
      verifier:
        options.verifier ??
        createVerifier({
          dispatcher: this.#dispatcher,
          logger: root,
          clock,
          deadlineMs: options.deadlineMs,
          requestTimeoutMs: options.requestTimeoutMs,
        }),
      clock,
      logger: root,
      notifiers,
      adminUserIds: this.config.adminUserIds,
      rotationPeriodMs: this.config.rotationPeriodMs,
      allowPrivateNetwork,
      perUserLimit: options.perUserLimit,
      perWorkspaceLimit: options.perWorkspaceLimit,
    });
    this.adapter = createSlackAdapter({
      config: this.config,
      service: this.service,
      store: this.store,
      vault,
      clock,
      logger: root.child({ subsystem: 'slack' }),
      retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 5_000 },
      sleep: async (ms) => {
        this.sleeps.push(ms);
      },
    });
    notifiers.slack = this.adapter.notifier;
  }

  static async start(options: SlackHarnessOptions = {}): Promise<SlackHarness> {
    const dataDir = await mkdtemp(join(tmpdir(), 'halo-slack-'));
    const harness = new SlackHarness(options, dataDir, await FakeSlackApi.start());
    await harness.store.init();
    await harness.adapter.start();
    const app = express();
    app.use(harness.adapter.router);
    harness.#server = await new Promise<Server>((resolve) => {
      const server = app.listen(0, '127.0.0.1', () => resolve(server));
    });
    harness.url = `http://127.0.0.1:${(harness.#server.address() as AddressInfo).port}`;
    return harness;
  }

  /** POSTs a body to `/slack/events`, signed with the fake secret unless told otherwise. */
  async send(encoded: EncodedBody | BinaryBody, options: SendOptions = {}): Promise<SlackReply> {
    const signed =
      options.sign === false
        ? {}
        : signatureHeaders(SIGNING_SECRET, encoded.body, options.timestampSeconds);
    const response = await fetch(`${this.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': encoded.contentType, ...signed, ...options.headers },
      body: encoded.body,
    });
    const raw = await response.text();
    this.answers.push(raw);
    let body: unknown = raw;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      // Plain text answers stay text.
    }
    return { status: response.status, body, raw };
  }

  /** `/halo <text>`; replies land on the fake API under `responseId`. */
  command(text: string, responseId: string, user?: string, headers?: Record<string, string>) {
    const command = slashCommand(
      text,
      this.fake.responseUrl(responseId),
      user ? { user_id: user } : {},
    );
    return { command, reply: this.send(encodeCommand(command), { headers }) };
  }

  interact(payload: unknown, headers?: Record<string, string>): Promise<SlackReply> {
    return this.send(encodeInteraction(payload), { headers });
  }

  event(payload: unknown): Promise<SlackReply> {
    return this.send(encodeEvent(payload));
  }

  /** Waits until every verification job and every follow-up after an ack has finished. */
  async settle(): Promise<void> {
    for (let i = 0; i < 3; i += 1) {
      await this.service.drain();
      await this.adapter.idle();
    }
  }

  async storeFile(): Promise<string> {
    return readFile(this.store.path, 'utf8');
  }

  async close(): Promise<void> {
    await this.settle();
    await new Promise<void>((resolve) => {
      this.#server?.closeAllConnections();
      this.#server?.close(() => resolve());
    });
    await this.adapter.stop();
    await this.#dispatcher.close();
    await this.fake.close();
    await this.store.close();
    await rm(this.#dataDir, { recursive: true, force: true });
  }
}
