import { expect } from 'vitest';
import type { CredentialsForm } from '../../src/core/credentials.js';
import { ActionId } from '../../src/core/message.js';
import type { SandboxScenario } from '../../src/sandbox/scenarios.js';
import type { SlackCall } from './fake-slack-api.js';
import type { SlackHarness, SlackReply } from './harness.js';
import { ADMIN, buttonClick, credentialsSubmission } from './payloads.js';

/** An open credentials modal, as the fake API saw it opened or updated. */
export interface OpenForm {
  viewId: string;
  hash: string;
  privateMetadata: string;
  view: ModalJson;
}

export interface ModalJson {
  type: string;
  title: { text: string };
  private_metadata?: string;
  blocks: BlockJson[];
}

export interface BlockJson {
  type: string;
  block_id?: string;
  element?: { action_id?: string; initial_value?: string };
  elements?: { action_id?: string; value?: string; text?: unknown }[];
}

let hashes = 0;

/** Clicks "enter credentials" in the guide and returns the modal Slack opened. */
export async function openCredentialsForm(h: SlackHarness, user = ADMIN): Promise<OpenForm> {
  const before = h.fake.callsOf('views.open').length;
  const value = JSON.stringify({ mode: 'connect', prefill: {} });
  await h.interact(
    buttonClick(
      ActionId.OpenCredentials,
      value,
      { kind: 'message', responseUrl: h.fake.responseUrl('guide') },
      user,
    ),
  );
  const call = await h.fake.waitFor('views.open', () => h.fake.callsOf('views.open')[before]);
  await h.settle();
  return formOf(call, h.fake.openedViewId(call));
}

/** The form as a view id plus the view JSON, from a views.open or views.update call. */
export function formOf(call: SlackCall, viewId: string): OpenForm {
  const view = call.params.view as ModalJson;
  hashes += 1;
  return { viewId, hash: `hash-${hashes}`, privateMetadata: view.private_metadata ?? '', view };
}

/** The form values for a sandbox scenario. */
export function scenarioForm(
  authServer: string,
  scenario: SandboxScenario,
  secret = scenario.clientSecret,
): CredentialsForm {
  return {
    authServer,
    ...(scenario.tenant ? { tenant: scenario.tenant } : {}),
    clientId: scenario.clientId,
    clientSecret: secret,
  };
}

/** Submits the form; the ack is the HTTP answer. */
export function submitForm(
  h: SlackHarness,
  form: OpenForm,
  values: CredentialsForm,
  user = ADMIN,
  headers?: Record<string, string>,
): Promise<SlackReply> {
  const payload = credentialsSubmission(
    { id: form.viewId, hash: form.hash, privateMetadata: form.privateMetadata },
    values,
    user,
  );
  return h.interact(payload, headers);
}

/** The last view pushed to `viewId` with views.update, after everything settled. */
export async function finalView(h: SlackHarness, viewId: string): Promise<ModalJson> {
  await h.settle();
  const updates = h.fake.callsOf('views.update').filter((c) => c.params.view_id === viewId);
  expect(updates.length).toBeGreaterThan(0);
  return updates.at(-1)!.params.view as ModalJson;
}

/** Every button of a view or message, by action id. */
export function buttons(view: { blocks?: BlockJson[] } | unknown) {
  const blocks = ((view as { blocks?: BlockJson[] }).blocks ?? []).filter(
    (b) => b.type === 'actions',
  );
  return blocks.flatMap((b) => b.elements ?? []);
}

/** Channel posts (chat.postMessage to a channel id) as text. */
export function channelPosts(h: SlackHarness, channel: string): string[] {
  return h.fake
    .callsOf('chat.postMessage')
    .filter((c) => c.params.channel === channel)
    .map((c) => JSON.stringify(c.params));
}
