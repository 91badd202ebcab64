import { CloudAdapter } from '@microsoft/agents-hosting';
import type { Router } from 'express';
import type { Config } from '../../config.js';
import type { ChatAdapter } from '../../core/chat-adapter.js';
import type { Clock } from '../../core/clock.js';
import type { ConnectionService } from '../../core/connection-service.js';
import type { FollowUps } from '../../core/follow-ups.js';
import type { Logger } from '../../core/logger.js';
import type { Store } from '../../core/store.js';
import { createTeamsAuth } from './auth-config.js';
import { Background } from './background.js';
import { Connector } from './connector.js';
import { ConversationRefs } from './conversation-refs.js';
import { DEFAULT_RETRY, realSleep, type RetryPolicy, type Sleep } from './deliver.js';
import { MemberNames } from './mentions.js';
import { createServiceUrlPolicy } from './service-url-policy.js';
import { TeamsBot } from './teams-bot.js';
import type { TeamsDeps } from './teams-deps.js';
import { createTeamsNotifier } from './teams-notifier.js';
import { createTeamsRouter } from './teams-router.js';
import { MemberRoles } from './turn-actor.js';

/** Everything the Teams adapter needs; `retry` and `sleep` exist for tests. */
export interface TeamsAdapterOptions {
  config: Config;
  service: ConnectionService;
  store: Store;
  /** The `teams` child logger (`logger.child({ subsystem: 'teams' })`). */
  logger: Logger;
  clock: Clock;
  /** The process's follow-up gate; without it follow-ups start at once. */
  followUps?: FollowUps;
  /** Retries of connector calls; tests shorten the waits. */
  retry?: RetryPolicy;
  /** How a retry waits; tests record the waits instead. */
  sleep?: Sleep;
}

/** The Teams adapter: the core's notifier on Teams plus the `/api/messages` route. */
export interface TeamsAdapter extends ChatAdapter {
  readonly platform: 'teams';
  readonly router: Router;
  /** `authenticated` with an app id; `local` (no tokens, loopback only) otherwise. */
  readonly mode: 'authenticated' | 'local';
  /** Resolves when the live report cards being updated in the background are done. */
  idle(): Promise<void>;
}

/**
 * Builds the Teams adapter on the Microsoft 365 Agents SDK. The SDK's configuration comes
 * from `config.teams` only, never from the SDK's own environment variables.
 *
 * @throws HaloConnectError(Config) without an app id unless TEAMS_LOCAL=true on a loopback
 * HOST, or when the app id lacks its password or tenant.
 * @example
 * const logger = root.child({ subsystem: 'teams' });
 * const teams = createTeamsAdapter({ config, service, store, clock, logger });
 * app.use(teams.router);
 * notifiers.teams = teams.notifier;
 */
export function createTeamsAdapter(options: TeamsAdapterOptions): TeamsAdapter {
  const { config, logger } = options;
  const { mode, authConfig } = createTeamsAuth(config);
  const adapter = new CloudAdapter(
    authConfig,
    undefined,
    undefined,
    { emitStackTrace: false, validateServiceUrl: true },
    createServiceUrlPolicy(mode),
  );
  // The SDK's default posts "The agent encountered an error" into the chat; errors are the
  // caller's to log instead.
  adapter.onTurnError = async (_context, error) => {
    throw error;
  };
  if (/agents/i.test(process.env.DEBUG ?? '')) {
    // The SDK's debug logging writes whole activities, dialog inputs included, to stderr.
    logger.warn(
      'DEBUG enables the Agents SDK’s own debug logging, which writes whole activities ' +
        '(typed secrets included) to stderr. Unset DEBUG outside a throw-away test.',
    );
  }
  if (mode === 'local') {
    logger.warn(
      'Teams LOCAL MODE: no Bot Framework authentication; replies go to loopback service ' +
        'URLs only. Never expose this.',
    );
  }
  const names = new MemberNames();
  const refs = new ConversationRefs(options.store, options.clock, logger);
  const connector = new Connector(adapter, config.teams.appId, names.lookup);
  const notifier = createTeamsNotifier({
    connector,
    refs,
    logger,
    retry: options.retry ?? DEFAULT_RETRY,
    sleep: options.sleep ?? realSleep,
  });
  const background = new Background(logger, options.followUps);
  const roles = new MemberRoles(options.clock);
  const deps: TeamsDeps = { ...options, refs, names, roles, notifier, connector, background };
  const bot = new TeamsBot(deps);
  return {
    platform: 'teams',
    mode,
    notifier,
    router: createTeamsRouter({ adapter, bot, mode, logger }),
    start: async () => undefined,
    stop: () => background.idle(),
    idle: () => background.idle(),
  };
}
