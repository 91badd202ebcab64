import type { CloudAdapter } from '@microsoft/agents-hosting';
import express, {
  type ErrorRequestHandler,
  type RequestHandler,
  type Response,
  type Router,
} from 'express';
import type { Logger } from '../../core/logger.js';
import type { TeamsMode } from './auth-config.js';
import { safeError } from './safe-error.js';
import { isLoopbackUrl } from './service-url-policy.js';
import type { TeamsBot } from './teams-bot.js';

/** Bot Framework activities are small; a card submit is a few kilobytes. */
const BODY_LIMIT = '256kb';

/** What the route needs: the SDK adapter, the bot, the mode, the `teams` logger. */
export interface TeamsRouterOptions {
  adapter: CloudAdapter;
  bot: TeamsBot;
  mode: TeamsMode;
  logger: Logger;
}

/**
 * `POST /api/messages`. Every request goes through the SDK's JWT middleware first (with an
 * app id: a valid Bot Framework token or 401; in local mode, anonymous), then the body is
 * read and checked: a malformed activity is a 400, and in local mode so is one whose
 * `serviceUrl` is not a loopback address. Only then does the SDK process the turn.
 */
export function createTeamsRouter(options: TeamsRouterOptions): Router {
  const { adapter, bot, mode, logger } = options;
  const router = express.Router();

  const authorize: RequestHandler = (req, res, next) => adapter.authorizeRequest(req, res, next);

  const refuse = (res: Response, reason: string) => {
    logger.info({ reason }, 'Teams request refused');
    res.status(400).json({ error: reason });
  };

  /**
   * The fields the SDK needs to answer, checked before it runs: without one, replying would
   * throw mid-turn. The whole activity is validated once, by the SDK (its schema errors are
   * answered 400 below), instead of twice.
   */
  const checkActivity: RequestHandler = (req, res, next) => {
    const activity = req.body as IncomingActivity | undefined;
    if (
      !isObject(activity) ||
      !isObject(activity.conversation) ||
      !isNonEmptyString(activity.conversation.id) ||
      !isNonEmptyString(activity.serviceUrl) ||
      !isNonEmptyString(activity.channelId) ||
      !isObject(activity.recipient) ||
      ![activity.conversation.id, activity.id, activity.replyToId].every(isUrlSafe)
    ) {
      return refuse(res, 'invalid_activity');
    }
    if (mode === 'local' && !isLoopbackUrl(activity.serviceUrl)) {
      logger.warn(
        { reason: 'service_url_not_loopback' },
        'Teams request refused: local mode only replies to a loopback serviceUrl',
      );
      res.status(400).json({ error: 'service_url_refused' });
      return;
    }
    next();
  };

  const processTurn: RequestHandler = async (req, res) => {
    try {
      await adapter.process(req, res, (context) => bot.run(context));
    } catch (err) {
      if (!res.headersSent && isSchemaError(err)) return refuse(res, 'invalid_activity');
      logger.error(safeError(err), 'Teams request failed');
      if (!res.headersSent) res.status(500).json({ error: 'internal' });
    }
  };

  const unreadable: ErrorRequestHandler = (err: unknown, _req, res, next) => {
    const status = (err as { status?: unknown }).status;
    if (res.headersSent || typeof status !== 'number' || status >= 500) return next(err);
    res.status(status).json({ error: status === 413 ? 'body_too_large' : 'unreadable_body' });
  };

  router.post(
    '/api/messages',
    authorize,
    express.json({ limit: BODY_LIMIT }),
    checkActivity,
    processTurn,
  );
  router.use('/api/messages', unreadable);
  return router;
}

/** The fields of an incoming activity checked before the SDK sees it. */
interface IncomingActivity {
  conversation?: { id?: unknown };
  serviceUrl?: unknown;
  channelId?: unknown;
  recipient?: unknown;
  id?: unknown;
  replyToId?: unknown;
}

function isObject<T extends object>(value: T | unknown): value is T {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** The SDK validates an activity with zod before any turn starts; a failure is the sender's. */
function isSchemaError(err: unknown): boolean {
  return err instanceof Error && err.name === 'ZodError';
}

/**
 * Ids that go into the connector's URLs must be strings that encode: a lone surrogate makes
 * `encodeURIComponent` throw in the middle of a reply, and a well-formed string never does.
 */
function isUrlSafe(id: unknown): boolean {
  if (id === undefined) return true;
  return typeof id === 'string' && id.isWellFormed();
}
