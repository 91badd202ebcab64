import { App, SocketModeReceiver, webApi, type Receiver } from '@slack/bolt';
import { Router } from 'express';
import type { Config } from '../../config.js';
import type { ChatAdapter } from '../../core/chat-adapter.js';
import type { Clock } from '../../core/clock.js';
import type { ConnectionService } from '../../core/connection-service.js';
import { ErrorCode, HaloConnectError } from '../../core/errors.js';
import type { FollowUps } from '../../core/follow-ups.js';
import type { Logger } from '../../core/logger.js';
import type { Store } from '../../core/store.js';
import type { Vault } from '../../core/vault.js';
import { SlackActors } from './actors.js';
import { BackgroundTasks } from './background-tasks.js';
import { toBoltLogger } from './bolt-logger.js';
import { slackClientOptions } from './client-options.js';
import type { HandlerDeps } from './handlers/context.js';
import { registerHandlers } from './handlers/register.js';
import { createInstallationStore } from './installation-store.js';
import { SlackNotifier, type RetryPolicy } from './notifier.js';
import { addOAuthRoutes } from './oauth-routes.js';
import { RouterReceiver } from './router-receiver.js';
import { describeError } from './slack-error.js';
import { createTokenSource, type TokenSource } from './token-source.js';

export interface SlackAdapterOptions {
  config: Config;
  service: ConnectionService;
  store: Store;
  vault: Vault;
  /** A child logger bound to `{ subsystem: 'slack' }`. */
  logger: Logger;
  /** The process's follow-up gate; without it follow-ups start at once. */
  followUps?: FollowUps;
  clock: Clock;
  /** How the notifier retries posts; the defaults suit production. */
  retry?: Partial<RetryPolicy>;
  /** The notifier's wait between attempts; tests pass a fast one. */
  sleep?: (ms: number) => Promise<void>;
}

/** The Slack adapter: the core's ChatAdapter plus the routes `src/main.ts` mounts. */
export interface SlackAdapter extends ChatAdapter {
  readonly platform: 'slack';
  readonly notifier: SlackNotifier;
  /**
   * `POST /slack/events` (HTTP mode), and `GET /slack/install`, `GET /slack/oauth_redirect`
   * when OAuth is configured. Mount it before any body parser: signatures need the raw body.
   */
  readonly router: Router;
  /** `http` (events on the router) or `socket` (Socket Mode, `SLACK_APP_TOKEN`). */
  readonly transport: 'http' | 'socket';
  /** Resolves when the follow-up work handlers started after their acks has finished. */
  idle(): Promise<void>;
}

/**
 * Builds the Slack adapter: a Bolt app with one listener per kind behind our own receiver
 * (HTTP, signature checked on the raw body) or Bolt's Socket Mode receiver, bot tokens from
 * `SLACK_BOT_TOKEN` or sealed OAuth installations, and a notifier for channel posts.
 *
 * Throws HaloConnectError(Config) when the configuration cannot serve Slack, e.g. HTTP mode
 * without a signing secret.
 */
export function createSlackAdapter(options: SlackAdapterOptions): SlackAdapter {
  const { config, service, store, vault, clock } = options;
  // The composition root passes a child logger bound to `{ subsystem: 'slack' }`.
  const log = options.logger;
  const clientOptions = slackClientOptions(config, log);
  const tokens = createTokenSource(
    config,
    createInstallationStore(store, vault, clock),
    clientOptions,
    log,
  );
  const notifier = new SlackNotifier({
    tokens,
    clientOptions,
    log,
    retry: options.retry,
    sleep: options.sleep,
  });
  const tasks = new BackgroundTasks(log, options.followUps);
  const socket = Boolean(config.slack.appToken);
  const http = socket ? undefined : httpReceiver(config, log, clock);
  const receiver: Receiver = http ?? socketReceiver(config.slack.appToken!, clientOptions, log);
  const app = new App({
    receiver,
    authorize: tokens.authorize,
    clientOptions,
    logger: toBoltLogger(log),
    socketMode: socket,
    ignoreSelf: false,
    convoStore: false,
  });
  app.error(async (error) => {
    log.error({ err: describeError(error) }, 'a Slack listener failed');
    throw error;
  });
  const deps: HandlerDeps = {
    service,
    store,
    actors: new SlackActors(clock, log),
    notifier,
    tasks,
    log,
    clock,
    updaters: new Map(),
  };
  registerHandlers(app, deps);
  const router = Router();
  if (http) router.post('/slack/events', ...http.handlers);
  if (tokens.installer) addOAuthRoutes(router, tokens.installer, log);
  return {
    platform: 'slack',
    notifier,
    router,
    transport: socket ? 'socket' : 'http',
    start: () => start(app, socket, tokens, clientOptions, log),
    idle: () => tasks.idle(),
    async stop() {
      if (socket) await app.stop();
      await tasks.idle();
    },
  };
}

function httpReceiver(config: Config, log: Logger, clock: Clock): RouterReceiver {
  const signingSecret = config.slack.signingSecret;
  if (!signingSecret) {
    throw new HaloConnectError(
      ErrorCode.Config,
      'SLACK_SIGNING_SECRET is required for Slack over HTTP ' +
        '(or set SLACK_APP_TOKEN for Socket Mode)',
    );
  }
  return new RouterReceiver({ signingSecret, log, clock });
}

function socketReceiver(appToken: string, clientOptions: object, log: Logger): SocketModeReceiver {
  return new SocketModeReceiver({
    appToken,
    logger: toBoltLogger(log),
    installerOptions: { clientOptions },
  });
}

async function start(
  app: App,
  socket: boolean,
  tokens: TokenSource,
  clientOptions: ReturnType<typeof slackClientOptions>,
  log: Logger,
): Promise<void> {
  if (tokens.mode === 'single') await checkBotToken(tokens, clientOptions, log);
  if (socket) {
    await app.start();
    log.info('Slack Socket Mode connected');
  }
}

/** One `auth.test` at start-up, so a wrong token shows in the log before the first command. */
async function checkBotToken(
  tokens: TokenSource,
  clientOptions: ReturnType<typeof slackClientOptions>,
  log: Logger,
): Promise<void> {
  const token = await tokens.botToken({ teamId: '' });
  try {
    const result = await new webApi.WebClient(token, clientOptions).auth.test();
    log.info({ teamId: result.team_id, botUserId: result.user_id }, 'Slack bot token works');
  } catch (err) {
    log.warn({ err: describeError(err) }, 'Slack bot token check failed; check SLACK_BOT_TOKEN');
  }
}
