import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import express, { type ErrorRequestHandler } from 'express';
import type { DestinationStream } from 'pino';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createAesVault } from './core/aes-vault.js';
import type { ChatAdapter } from './core/chat-adapter.js';
import { systemClock, type Clock } from './core/clock.js';
import { ConnectionService } from './core/connection-service.js';
import { FollowUps } from './core/follow-ups.js';
import { createHaloDispatcher } from './core/net/index.js';
import type { Logger } from './core/logger.js';
import type { Notifier } from './core/notifier.js';
import type { Platform } from './core/platform.js';
import { createVerifier } from './core/verifier.js';
import { Scheduler } from './core/scheduler.js';
import { createCloudDepotRouter } from './http/cloud-depot-router.js';
import { followUpGate } from './http/follow-up-gate.js';
import { createHealthRouter } from './http/health-router.js';
import { createLogger } from './log.js';
import { createStore } from './store/create-store.js';
import { resolveKeyRing } from './store/key-file.js';

export interface StartOptions {
  clock?: Clock;
  /** Where log lines go (tests pass a buffer). */
  logDestination?: DestinationStream;
}

export interface RunningBot {
  url: string;
  port: number;
  /** Stops accepting, lets running verifications finish (bounded), closes the store. */
  close(): Promise<void>;
  /**
   * Resolves once no work that followed an answer is queued or running: follow-ups,
   * verifications, report cards, and the store maintenance they started. For tests and
   * benchmarks that wait between rounds.
   */
  idle(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 8_000;
/** After the grace period, how long the verifications get to record their failure. */
const SHUTDOWN_DRAIN_MS = 1_000;

function slackEnabled(config: Config): boolean {
  const s = config.slack;
  const auth = Boolean(s.botToken) || Boolean(s.clientId && s.clientSecret && s.stateSecret);
  return auth && (Boolean(s.signingSecret) || Boolean(s.appToken));
}

function teamsEnabled(config: Config): boolean {
  return Boolean(config.teams.appId) || config.teams.local;
}

/** Builds every part from the settings and starts the one HTTP server. */
export async function startBot(config: Config, options: StartOptions = {}): Promise<RunningBot> {
  const clock = options.clock ?? systemClock;
  const root = createLogger({
    level: config.logLevel,
    format: config.logFormat,
    destination: options.logDestination,
  });
  const log = root.child({ subsystem: 'main' });

  const followUps = new FollowUps({ logger: root.child({ subsystem: 'follow-ups' }) });
  const store = createStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    logger: root.child({ subsystem: 'store' }),
    // A compaction waits for a burst of Slack or Teams requests to pass, like a follow-up.
    file: { runWhenQuiet: (work) => followUps.start('background', work) },
  });
  // The key first: generating a key file next to an existing data file is worth a warning,
  // and the store's first start creates that file.
  const keys = await resolveKeyRing({ masterKey: config.masterKey, dataDir: config.dataDir });
  await store.init();
  const vault = createAesVault(keys.ring);
  const dispatcher = createHaloDispatcher({ allowPrivateNetwork: config.haloAllowPrivateNetwork });
  const verifier = createVerifier({ dispatcher, logger: root, clock });

  const notifiers: Partial<Record<Platform, Notifier>> = {};
  const scheduler = new Scheduler({
    store,
    notifiers,
    verifier,
    vault,
    clock,
    logger: root,
    rotationPeriodMs: config.rotationPeriodMs,
    leadTimesMs: config.reminderLeadTimesMs,
    overdueEveryMs: config.reminderOverdueEveryMs,
    intervalMs: config.schedulerIntervalMs,
    reverifyEveryMs: config.reverifyEveryMs,
    adminUserIds: config.adminUserIds,
  });
  const service = new ConnectionService({
    store,
    vault,
    verifier,
    clock,
    logger: root,
    notifiers,
    adminUserIds: config.adminUserIds,
    rotationPeriodMs: config.rotationPeriodMs,
    allowPrivateNetwork: config.haloAllowPrivateNetwork,
    reminders: scheduler,
    followUps,
  });

  const app = express();
  app.disable('x-powered-by');
  // Every answer is to a POST or a probe: an ETag (a hash of each body) serves no cache.
  app.disable('etag');
  app.use(createHealthRouter(store, log));
  app.use(followUpGate(followUps));
  const adapters: ChatAdapter[] = [];
  const adapterOptions = { config, service, store, vault, clock, followUps };
  if (slackEnabled(config)) {
    // Each SDK is loaded only when its platform is on: it is most of the start-up time.
    const { createSlackAdapter } = await import('./bots/slack/index.js');
    const slack = createSlackAdapter({
      ...adapterOptions,
      logger: root.child({ subsystem: 'slack' }),
    });
    app.use(slack.router);
    adapters.push(slack);
  }
  if (teamsEnabled(config)) {
    const { createTeamsAdapter } = await import('./bots/teams/index.js');
    const teams = createTeamsAdapter({
      ...adapterOptions,
      logger: root.child({ subsystem: 'teams' }),
    });
    app.use(teams.router);
    adapters.push(teams);
  }
  for (const adapter of adapters) notifiers[adapter.platform] = adapter.notifier;
  if (config.cloudDepotApiToken) {
    app.use(
      createCloudDepotRouter(service, config.cloudDepotApiToken, root.child({ subsystem: 'http' })),
    );
  }
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  app.use(errorHandler(root.child({ subsystem: 'http' })));

  for (const adapter of adapters) await adapter.start();
  scheduler.start();
  const server = await listen(app, config.port, config.host);
  const port = (server.address() as AddressInfo).port;

  logStartup(log, config, {
    store: store.kind,
    keySource: keys.source,
    keyPath: keys.path,
    keyWarnings: keys.warnings,
    platforms: adapters.map((a) => a.platform),
    port,
  });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      log.info('shutting down: no new requests, waiting for running verifications');
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const drained = await Promise.race([
        service.drain().then(() => true),
        delay(SHUTDOWN_GRACE_MS).then(() => false),
      ]);
      if (!drained) {
        // Halo is still not answering: fail its requests now, so each verification ends as
        // a failed check (nothing stored) instead of being cut off by the exit.
        log.warn('verifications still running at the end of the grace period; stopping them');
        await dispatcher.destroy().catch(() => undefined);
        await Promise.race([service.drain(), delay(SHUTDOWN_DRAIN_MS)]);
      }
      server.closeAllConnections();
      await stopped;
      await scheduler.stop();
      for (const adapter of adapters) await adapter.stop().catch(() => undefined);
      if (drained) await dispatcher.close().catch(() => undefined);
      await store.close();
      log.info('stopped');
    })());

  const idle = async () => {
    await followUps.idle();
    await service.drain();
    for (const adapter of adapters) await adapter.idle();
    await store.idle?.();
  };
  return { url: `http://${displayHost(config.host)}:${port}`, port, close, idle };
}

function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    const status = (err as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res
        .status(status)
        .json({ error: 'bad_request', message: 'The request body could not be read.' });
      return;
    }
    const id = randomUUID();
    logger.error({ err, errorId: id }, 'request failed');
    res.status(500).json({ error: 'internal', id });
  };
}

function listen(app: express.Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(server)));
    server.keepAliveTimeout = 5_000;
  });
}

function logStartup(
  log: Logger,
  config: Config,
  facts: {
    store: string;
    keySource: string;
    keyPath?: string;
    keyWarnings: string[];
    platforms: string[];
    port: number;
  },
): void {
  log.info(
    {
      port: facts.port,
      host: config.host,
      store: facts.store,
      keySource: facts.keySource,
      platforms: facts.platforms,
      haloAllowPrivateNetwork: config.haloAllowPrivateNetwork,
      cloudDepotEndpoint: Boolean(config.cloudDepotApiToken),
    },
    `halo-connect listening on ${config.host}:${facts.port}`,
  );
  for (const warning of facts.keyWarnings) log.warn({ keyPath: facts.keyPath }, warning);
  if (facts.keySource !== 'env') {
    log.warn(
      { keyPath: facts.keyPath },
      'MASTER_KEY is not set: the encryption key lives in a file in DATA_DIR. Back it up, and in production keep it apart from the data (set MASTER_KEY).',
    );
  }
  if (!facts.platforms.includes('slack')) {
    log.info(
      'Slack is off. To enable it set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN (one workspace), or SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET (OAuth), or SLACK_APP_TOKEN for Socket Mode. See docs/slack.md.',
    );
  }
  if (!facts.platforms.includes('teams')) {
    log.info(
      'Teams is off. To enable it set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD (and MICROSOFT_APP_TENANT_ID for a single-tenant bot), or TEAMS_LOCAL=true with HOST=127.0.0.1 for local testing. See docs/teams.md.',
    );
  }
  if (config.teams.local && !config.teams.appId) {
    log.warn(
      'TEAMS LOCAL MODE: /api/messages accepts UNAUTHENTICATED traffic on this loopback address and replies only to loopback service URLs. Never use this in production.',
    );
  }
}

function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`halo-connect: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  let bot: RunningBot;
  try {
    bot = await startBot(config);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`halo-connect: could not start: ${message}\n`);
    process.exit(1);
  }
  const stop = (signal: string) => {
    const force = setTimeout(() => process.exit(0), 10_000);
    force.unref();
    process.stderr.write(`halo-connect: ${signal} received, stopping\n`);
    bot.close().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  void main();
}
