import { App } from '@slack/bolt';
import express from 'express';
import { toBoltLogger } from '../../src/bots/slack/bolt-logger.js';
import { RouterReceiver } from '../../src/bots/slack/router-receiver.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { listen, type BareServer } from './listen.js';

/**
 * The Slack baseline: a Bolt app on the bot's own receiver (signature check, parsing,
 * `processEvent`) whose only listeners acknowledge `/halo` and every button. What the bot
 * costs beyond this is its own work before the ack.
 */
export async function startBareSlack(signingSecret: string, botToken: string): Promise<BareServer> {
  const receiver = new RouterReceiver({ signingSecret, log: silentLogger, clock: systemClock });
  const app = new App({
    receiver,
    authorize: async () => ({ botToken }),
    logger: toBoltLogger(silentLogger),
    ignoreSelf: false,
    convoStore: false,
  });
  app.command('/halo', async ({ ack }) => ack());
  app.action(/.*/, async ({ ack }) => ack());
  const web = express();
  web.disable('x-powered-by');
  web.post('/slack/events', ...receiver.handlers);
  return listen(web);
}
