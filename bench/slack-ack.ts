import { ActionId } from '../src/core/message.js';
import { encodeFormState } from '../src/core/messages.js';
import {
  buttonClick,
  encodeCommand,
  encodeInteraction,
  signatureHeaders,
  slashCommand,
  type EncodedBody,
} from '../test/slack/payloads.js';
import { SIGNING_SECRET, slackEnv } from './support/constants.js';
import { alternate, assertAnswered, loadRows, type Side } from './support/compare.js';
import { FakeSlack } from './support/fake-slack.js';
import type { LoadRequest } from './support/load.js';
import { launch } from './support/servers.js';
import type { BenchOptions, BenchRow } from './types.js';

const NAME = 'slack-ack';

type Kind = 'command' | 'button';

function signed(encoded: EncodedBody): LoadRequest {
  return {
    path: '/slack/events',
    headers: {
      'content-type': encoded.contentType,
      ...signatureHeaders(SIGNING_SECRET, encoded.body),
    },
    body: encoded.body,
  };
}

function build(fake: FakeSlack, kind: Kind, i: number): LoadRequest {
  const responseUrl = fake.responseUrl(`r${i}`);
  if (kind === 'command') return signed(encodeCommand(slashCommand('connect', responseUrl)));
  const value = encodeFormState({ mode: 'connect', prefill: {} });
  const click = buttonClick(ActionId.OpenCredentials, value, { kind: 'message', responseUrl });
  return signed(encodeInteraction(click));
}

/**
 * 1. Slack acknowledgement: signed `/halo connect` commands and "Enter credentials" clicks
 * through the bot's real HTTP server (a fake Slack Web API behind it), at rising
 * concurrency, against a bare Bolt app on the same receiver that only acknowledges.
 */
export async function slackAck(options: BenchOptions): Promise<BenchRow[]> {
  const levels = options.smoke ? [1, 4] : [1, 10, 50];
  const requestsAt = (c: number) => (options.smoke ? 8 : Math.max(300, c * 30));
  const rounds = options.smoke ? 1 : 3;
  const fake = await FakeSlack.start();
  const bot = await launch('bot', slackEnv(fake.apiUrl), !options.smoke);
  const bare = await launch('bare-slack', {}, !options.smoke);
  const sides: { bot: Side; bare: Side } = {
    bot: { origin: bot.url, settle: () => fake.quiet.settle() },
    bare: { origin: bare.url, settle: async () => undefined },
  };
  const rows: BenchRow[] = [];
  try {
    for (const kind of ['command', 'button'] as const) {
      // Warm-up: JIT, connection pools, the user cache; not measured.
      await alternate(sides, {
        rounds: 1,
        concurrency: 4,
        requests: options.smoke ? 4 : 100,
        build: (i) => build(fake, kind, i),
      });
      for (const c of levels) {
        options.progress(`${NAME}: ${kind} at concurrency ${c}`);
        const result = await alternate(sides, {
          rounds,
          concurrency: c,
          requests: requestsAt(c),
          build: (i) => build(fake, kind, i),
        });
        assertAnswered(`${NAME} ${kind} bot`, result.bot);
        assertAnswered(`${NAME} ${kind} bare`, result.bare);
        rows.push(...loadRows(NAME, kind, c, result, c === levels.at(-1)));
      }
    }
  } finally {
    await bare.close();
    await bot.close();
    await fake.close();
  }
  return rows;
}
