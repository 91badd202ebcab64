import type { CredentialsForm } from '../../src/core/credentials.js';
import { ActionId } from '../../src/core/message.js';
import { encodeFormState } from '../../src/core/messages.js';
import {
  buttonClick,
  credentialsSubmission,
  encodeCommand,
  encodeInteraction,
  signatureHeaders,
  slashCommand,
  type EncodedBody,
} from '../../test/slack/payloads.js';
import { SIGNING_SECRET } from './constants.js';
import type { FakeSlack, SlackCall } from './fake-slack.js';

/** Who connects: a workspace and a person in it. */
export interface Who {
  teamId: string;
  userId: string;
}

interface ViewJson {
  private_metadata?: string;
  title?: { text?: string };
}

/**
 * Drives complete `/halo connect` flows through the bot's HTTP endpoint, as Slack would:
 * the command, the "Enter credentials" click, the form's submission, and then waits for the
 * modal to show the final report. Listens to the fake Web API to learn the modal's id.
 */
export class SlackFlows {
  readonly #fake: FakeSlack;
  readonly #url: string;
  readonly #opened = new Map<string, (call: SlackCall) => void>();
  readonly #finished = new Map<string, (title: string) => void>();
  #hashes = 0;

  constructor(fake: FakeSlack, botUrl: string) {
    this.#fake = fake;
    this.#url = botUrl;
    fake.onCall = (call) => this.#observe(call);
  }

  /** One whole flow; resolves with the final modal's title (`Connected` when all went well). */
  async connect(who: Who, form: CredentialsForm, n: number): Promise<string> {
    const responseUrl = this.#fake.responseUrl(`flow-${n}`);
    const command = slashCommand('connect', responseUrl, {
      team_id: who.teamId,
      user_id: who.userId,
    });
    await this.#send(encodeCommand(command));
    const click = buttonClick(
      ActionId.OpenCredentials,
      encodeFormState({ mode: 'connect', prefill: {} }),
      { kind: 'message', responseUrl },
      who.userId,
    );
    click.team = { id: who.teamId, domain: 'bench' };
    click.user.team_id = who.teamId;
    const opened = this.#await(this.#opened, click.trigger_id);
    await this.#send(encodeInteraction(click));
    const call = await opened;
    const viewId = (call.answer.view as { id: string }).id;
    const view = call.params.view as ViewJson;
    const finished = this.#await(this.#finished, viewId);
    const submission = credentialsSubmission(
      { id: viewId, hash: `bench-${++this.#hashes}`, privateMetadata: view.private_metadata ?? '' },
      form,
      who.userId,
    );
    submission.team = { id: who.teamId, domain: 'bench' };
    submission.user.team_id = who.teamId;
    await this.#send(encodeInteraction(submission));
    return finished;
  }

  async #send(encoded: EncodedBody): Promise<void> {
    const response = await fetch(`${this.#url}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': encoded.contentType,
        ...signatureHeaders(SIGNING_SECRET, encoded.body),
      },
      body: encoded.body,
    });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`the bot answered ${response.status}`);
  }

  #await<T>(waiters: Map<string, (value: T) => void>, key: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(key);
        reject(new Error(`no answer for ${key} within 30 s`));
      }, 30_000);
      waiters.set(key, (value) => {
        clearTimeout(timer);
        waiters.delete(key);
        resolve(value);
      });
    });
  }

  #observe(call: SlackCall): void {
    if (call.method === 'views.open') {
      this.#opened.get(String(call.params.trigger_id))?.(call);
    } else if (call.method === 'views.update') {
      const title = (call.params.view as ViewJson | undefined)?.title?.text ?? '';
      if (title !== 'Verifying…') this.#finished.get(String(call.params.view_id))?.(title);
    }
  }
}
