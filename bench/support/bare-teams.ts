import {
  ActivityHandler,
  CloudAdapter,
  type InvokeResponse,
  type TurnContext,
} from '@microsoft/agents-hosting';
import express from 'express';
import { createTeamsAuth } from '../../src/bots/teams/auth-config.js';
import { createServiceUrlPolicy } from '../../src/bots/teams/service-url-policy.js';
import { listen, type BareServer } from './listen.js';

/** The least a bot answers: a one-line reply to a message, a short answer to a dialog. */
class BareBot extends ActivityHandler {
  constructor() {
    super();
    this.onMessage(async (context, next) => {
      await context.sendActivity('ok');
      await next();
    });
  }

  protected override async onInvokeActivity(_context: TurnContext): Promise<InvokeResponse> {
    return { status: 200, body: { task: { type: 'message', value: 'ok' } } };
  }
}

/**
 * The Teams baseline: the same SDK (`CloudAdapter`, local mode, the bot's service-URL
 * policy) and the same middleware order on `/api/messages` (authorize, JSON body, process),
 * with a handler that does only the least each activity needs.
 */
export async function startBareTeams(): Promise<BareServer> {
  const { mode, authConfig } = createTeamsAuth({
    host: '127.0.0.1',
    teams: { local: true },
  });
  const adapter = new CloudAdapter(
    authConfig,
    undefined,
    undefined,
    { emitStackTrace: false, validateServiceUrl: true },
    createServiceUrlPolicy(mode),
  );
  const bot = new BareBot();
  const web = express();
  web.disable('x-powered-by');
  web.post(
    '/api/messages',
    (req, res, next) => adapter.authorizeRequest(req, res, next),
    express.json({ limit: '256kb' }),
    (req, res) => void adapter.process(req, res, (context) => bot.run(context)),
  );
  return listen(web);
}
