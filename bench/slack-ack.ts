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
import { atMost, row } from './row.js';
import {
  alternate,
  assertAnswered,
  loadRows,
  PLATFORM_DEADLINE_MS,
  settled,
  type Side,
} from './support/compare.js';
import { FakeSlack } from './support/fake-slack.js';
import type { LoadRequest } from './support/load.js';
import { launch } from './support/servers.js';
import type { BenchOptions, BenchRow } from './types.js';

const NAME = 'slack-ack';

/**
 * A click's modal must reach Slack within the trigger id's 3 s, network both ways included:
 * half of it is the bot's share.
 */
const MODAL_SHARE = 0.5;

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

/**
 * When each click was sent, by trigger id, and how long each took to reach Slack as
 * `views.open`: the price of answering acks first, held against the trigger's 3 s.
 */
class ModalTimes {
  readonly #sent = new Map<string, number>();
  delays: number[] = [];

  constructor(fake: FakeSlack) {
    fake.onCall = (call) => {
      if (call.method !== 'views.open') return;
      const sent = this.#sent.get(String(call.params.trigger_id));
      if (sent !== undefined) this.delays.push(performance.now() - sent);
    };
  }

  sent(triggerId: string): void {
    this.#sent.set(triggerId, performance.now());
  }

  reset(): void {
    this.#sent.clear();
    this.delays = [];
  }
}

function build(fake: FakeSlack, modals: ModalTimes, kind: Kind, i: number): LoadRequest {
  const responseUrl = fake.responseUrl(`r${i}`);
  if (kind === 'command') return signed(encodeCommand(slashCommand('connect', responseUrl)));
  const value = encodeFormState({ mode: 'connect', prefill: {} });
  const click = buttonClick(ActionId.OpenCredentials, value, { kind: 'message', responseUrl });
  modals.sent(click.trigger_id);
  return signed(encodeInteraction(click));
}

/**
 * 1. Slack acknowledgement: signed `/halo connect` commands and "Enter credentials" clicks
 * through the bot's real HTTP server (a fake Slack Web API behind it), at rising
 * concurrency, against a bare Bolt app on the same receiver that only acknowledges.
 */
export async function slackAck(options: BenchOptions): Promise<BenchRow[]> {
  const levels = options.smoke ? [1, 4] : [1, 10, 50];
  // Enough requests, over enough alternating rounds, that a moment's noise on a shared
  // machine does not decide a p99 (a round at one at a time lasts well under a second).
  const requestsAt = (c: number) => (options.smoke ? 8 : Math.max(1_500, c * 60));
  const rounds = options.smoke ? 1 : 5;
  const fake = await FakeSlack.start();
  const modals = new ModalTimes(fake);
  const bot = await launch('bot', slackEnv(fake.apiUrl), !options.smoke);
  const bare = await launch('bare-slack', {}, !options.smoke);
  const sides: { bot: Side; bare: Side } = {
    bot: { origin: bot.url, settle: () => settled(bot, fake.quiet) },
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
        build: (i) => build(fake, modals, kind, i),
      });
      for (const c of levels) {
        options.progress(`${NAME}: ${kind} at concurrency ${c}`);
        modals.reset();
        const result = await alternate(sides, {
          rounds,
          concurrency: c,
          requests: requestsAt(c),
          build: (i) => build(fake, modals, kind, i),
        });
        assertAnswered(`${NAME} ${kind} bot`, result.bot);
        assertAnswered(`${NAME} ${kind} bare`, result.bare);
        rows.push(...loadRows(NAME, kind, c, result, c === levels.at(-1)));
        if (kind === 'button') {
          if (modals.delays.length === 0) throw new Error(`${NAME}: no click opened a modal`);
          const slowest = Math.max(...modals.delays);
          const metric = `button c=${c} slowest click to views.open (ms)`;
          rows.push(row(NAME, metric, slowest, PLATFORM_DEADLINE_MS, atMost(MODAL_SHARE)));
        }
      }
    }
  } finally {
    await bare.close();
    await bot.close();
    await fake.close();
  }
  return rows;
}
