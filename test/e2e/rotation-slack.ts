import { expect } from 'vitest';
import { systemClock, type Clock } from '../../src/core/clock.js';
import { ActionId } from '../../src/core/message.js';
import { encodeFormState } from '../../src/core/messages.js';
import type { SandboxScenario } from '../../src/sandbox/scenarios.js';
import type { FakeSlackApi, SlackCall } from '../slack/fake-slack-api.js';
import { scenarioForm } from '../slack/flow.js';
import { SIGNING_SECRET } from '../slack/harness.js';
import {
  buttonClick,
  CHANNEL,
  credentialsSubmission,
  encodeCommand,
  encodeInteraction,
  signatureHeaders,
  slashCommand,
  type EncodedBody,
} from '../slack/payloads.js';

/** The Slack connection id of the test workspace. */
export const SLACK_CONNECTION = 'slack:T0001';

/** A Block Kit button as the fake Web API received it. */
export interface SlackButton {
  action_id: string;
  value?: string;
  text: { text: string };
}

/** A message the bot posted with chat.postMessage, read back from its blocks. */
export interface SlackPost {
  call: SlackCall;
  channel: string;
  /** The header block, severity emoji included. */
  title: string;
  /** Every block as JSON, for `toContain` checks. */
  json: string;
  buttons: SlackButton[];
}

interface BlockJson {
  type: string;
  text?: { text?: string };
  elements?: SlackButton[];
}

function readPost(call: SlackCall): SlackPost {
  const blocks = (call.params.blocks ?? []) as BlockJson[];
  return {
    call,
    channel: String(call.params.channel),
    title: blocks.find((b) => b.type === 'header')?.text?.text ?? '',
    json: JSON.stringify(call.params),
    buttons: blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []),
  };
}

/** Posts Slack accepted in `channel` (a channel id, or a user id for a direct message). */
export function slackPosts(fake: FakeSlackApi, channel: string, title?: string): SlackPost[] {
  return slackAttempts(fake, channel)
    .filter((c) => (c.answer as { ok?: boolean } | undefined)?.ok === true)
    .map(readPost)
    .filter((p) => title === undefined || p.title.includes(title));
}

/** Every chat.postMessage aimed at `channel`, answered or refused. */
export function slackAttempts(fake: FakeSlackApi, channel: string): SlackCall[] {
  return fake.callsOf('chat.postMessage').filter((c) => c.params.channel === channel);
}

/** The button of a post for a core action id, by label when there are several. */
export function slackButton(post: SlackPost, actionId: string, label?: string): SlackButton {
  const button = post.buttons.find(
    (b) => b.action_id.split('#')[0] === actionId && (label === undefined || b.text.text === label),
  );
  expect(button, `a ${label ?? actionId} button`).toBeDefined();
  return button!;
}

/**
 * A Slack workspace admin in front of a real bot: signed slash commands and clicks sent to its
 * `/slack/events`, answers read from the fake Web API. Signatures are dated by `clock`, the
 * bot's own, so a test that moves the bot's clock stays inside the 5-minute window.
 */
export class SlackUser {
  #responses = 0;

  constructor(
    readonly fake: FakeSlackApi,
    readonly botUrl: string,
    readonly clock: Clock = systemClock,
  ) {}

  /** POSTs a signed body; answers the HTTP status. */
  async send(encoded: EncodedBody): Promise<number> {
    const timestamp = Math.floor(this.clock.now().getTime() / 1000);
    const response = await fetch(`${this.botUrl}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': encoded.contentType,
        ...signatureHeaders(SIGNING_SECRET, encoded.body, timestamp),
      },
      body: encoded.body,
    });
    await response.arrayBuffer();
    return response.status;
  }

  /** A fresh `response_url` id, so each answer can be found. */
  responseId(prefix: string): string {
    this.#responses += 1;
    return `${prefix}-${this.#responses}`;
  }

  /** Clicks a button of a message in the channel; the answer lands under `responseId`. */
  async click(actionId: string, value: string | undefined, responseId: string): Promise<void> {
    const surface = { kind: 'message', responseUrl: this.fake.responseUrl(responseId) } as const;
    const status = await this.send(
      encodeInteraction(buttonClick(actionId, value, { ...surface, inChannel: true })),
    );
    expect(status).toBe(200);
  }

  /** Waits for the answer to a click or a command posted to its `response_url`. */
  async answerTo(responseId: string): Promise<string> {
    const call = await this.fake.waitFor(`an answer to ${responseId}`, () => {
      return this.fake.responsesTo(responseId)[0];
    });
    return call.raw;
  }

  /**
   * `/halo connect` in CHANNEL, "enter credentials" in the guide, the modal submitted with
   * the scenario's values; resolves once the channel was told HaloPSA is connected.
   */
  async connect(authServer: string, scenario: SandboxScenario): Promise<void> {
    const id = this.responseId('connect');
    const command = slashCommand('connect', this.fake.responseUrl(id));
    expect(await this.send(encodeCommand(command))).toBe(200);
    await this.answerTo(id);
    const opened = this.fake.callsOf('views.open').length;
    await this.click(
      ActionId.OpenCredentials,
      encodeFormState({ mode: 'connect', prefill: {} }),
      id,
    );
    const call = await this.fake.waitFor('the credentials modal', () => {
      return this.fake.callsOf('views.open')[opened];
    });
    const view = call.params.view as { private_metadata?: string };
    const submission = credentialsSubmission(
      {
        id: this.fake.openedViewId(call),
        hash: `hash-${id}`,
        privateMetadata: view.private_metadata ?? '',
      },
      scenarioForm(authServer, scenario),
    );
    const connected = () =>
      slackPosts(this.fake, CHANNEL).filter((p) => p.json.includes('connected HaloPSA'));
    const before = connected().length;
    expect(await this.send(encodeInteraction(submission))).toBe(200);
    await this.fake.waitFor(
      'the channel post saying HaloPSA is connected',
      () => connected().length > before,
      10_000,
    );
  }
}
