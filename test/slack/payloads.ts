import { createHmac } from 'node:crypto';
import type {
  BlockAction,
  ButtonAction,
  EnvelopedEvent,
  SlashCommand,
  ViewOutput,
  ViewSubmitAction,
  types,
} from '@slack/bolt';
import type { CredentialsForm } from '../../src/core/credentials.js';

/** Ids used across the Slack tests. */
export const TEAM = 'T0001';
export const CHANNEL = 'C0001';
export const ADMIN = 'UADMIN01';
export const MEMBER = 'UMEMBER1';
export const GUEST = 'UGUEST01';

let counter = 0;
const next = () => (counter += 1);

/** A body as Slack sends it over HTTP, with its content type. */
export interface EncodedBody {
  body: string;
  contentType: string;
}

/** A body that is not text (not UTF-8, say), with its content type. */
export interface BinaryBody {
  body: Uint8Array;
  contentType: string;
}

/** `/halo <text>` from `user` in `CHANNEL`; `responseUrl` should point at the fake API. */
export function slashCommand(
  text: string,
  responseUrl: string,
  overrides: Partial<SlashCommand> = {},
): SlashCommand {
  const n = next();
  return {
    token: 'verification-token-unused',
    command: '/halo',
    text,
    response_url: responseUrl,
    trigger_id: `trigger-command-${n}`,
    user_id: ADMIN,
    user_name: 'admin',
    team_id: TEAM,
    team_domain: 'acme',
    channel_id: CHANNEL,
    channel_name: 'halo',
    api_app_id: 'A0001',
    ...overrides,
  };
}

/**
 * Where a click happens: a message (ephemeral unless `inChannel`, like a reminder), an open
 * modal, or the App Home tab.
 */
export type ClickSurface =
  | { kind: 'message'; responseUrl: string; inChannel?: boolean }
  | { kind: 'modal'; viewId: string; privateMetadata?: string }
  | { kind: 'home' };

/** A button click with the core's action id and value. */
export function buttonClick(
  actionId: string,
  value: string | undefined,
  surface: ClickSurface,
  user = ADMIN,
): BlockAction<ButtonAction> {
  const n = next();
  const button: ButtonAction = {
    type: 'button',
    action_id: actionId,
    block_id: `b${n}`,
    action_ts: `${n}.0001`,
    text: { type: 'plain_text', text: 'Button' },
    ...(value !== undefined ? { value } : {}),
  };
  const base: BlockAction<ButtonAction> = {
    type: 'block_actions',
    actions: [button],
    team: { id: TEAM, domain: 'acme' },
    user: { id: user, username: 'someone', team_id: TEAM },
    token: 'verification-token-unused',
    response_url: '',
    trigger_id: `trigger-click-${n}`,
    api_app_id: 'A0001',
    container: {},
  };
  if (surface.kind === 'message') {
    return {
      ...base,
      response_url: surface.responseUrl,
      channel: { id: CHANNEL, name: 'halo' },
      container: { type: 'message', channel_id: CHANNEL, is_ephemeral: !surface.inChannel },
    };
  }
  const view = viewOutput(
    surface.kind === 'modal' ? surface.viewId : 'VHOME',
    surface.kind === 'modal' ? 'modal' : 'home',
    surface.kind === 'modal' ? (surface.privateMetadata ?? '') : '',
    {},
  );
  return { ...base, view, container: { type: 'view', view_id: view.id } };
}

/** The credentials form submitted with these values. */
export function credentialsSubmission(
  view: { id: string; hash: string; privateMetadata: string },
  form: CredentialsForm,
  user = ADMIN,
): ViewSubmitAction {
  const values: ViewOutput['state']['values'] = {};
  for (const [field, value] of Object.entries(form)) {
    values[field] = { [field]: { type: 'plain_text_input', value: value ?? null } };
  }
  return {
    type: 'view_submission',
    team: { id: TEAM, domain: 'acme' },
    user: { id: user, name: 'someone', team_id: TEAM },
    view: {
      ...viewOutput(view.id, 'modal', view.privateMetadata, values, 'halo.credentials'),
      hash: view.hash,
    },
    api_app_id: 'A0001',
    token: 'verification-token-unused',
    trigger_id: `trigger-submit-${next()}`,
  };
}

/** The `app_home_opened` event for `user`, as the Events API wraps it. */
export function appHomeOpened(user = ADMIN): EnvelopedEvent<types.AppHomeOpenedEvent> {
  const n = next();
  return {
    token: 'verification-token-unused',
    team_id: TEAM,
    api_app_id: 'A0001',
    type: 'event_callback',
    event_id: `Ev${n}`,
    event_time: 1_700_000_000 + n,
    event: { type: 'app_home_opened', user, channel: `D${n}`, tab: 'home', event_ts: `${n}.0001` },
    authorizations: [{ enterprise_id: null, team_id: TEAM, user_id: 'UBOT', is_bot: true }],
  };
}

function viewOutput(
  id: string,
  type: string,
  privateMetadata: string,
  values: ViewOutput['state']['values'],
  callbackId = '',
): ViewOutput {
  return {
    id,
    callback_id: callbackId,
    team_id: TEAM,
    app_id: 'A0001',
    bot_id: 'BBOT',
    title: { type: 'plain_text', text: 'Title' },
    type,
    blocks: [],
    close: null,
    submit: null,
    state: { values },
    hash: `hash-${id}`,
    private_metadata: privateMetadata,
    root_view_id: id,
    previous_view_id: null,
    clear_on_close: false,
    notify_on_close: false,
  };
}

/** A slash command as Slack sends it: form fields. */
export function encodeCommand(command: SlashCommand): EncodedBody {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(command))
    if (typeof value === 'string') form.set(key, value);
  return { body: form.toString(), contentType: 'application/x-www-form-urlencoded' };
}

/** An interaction as Slack sends it: a form with one `payload` field of JSON. */
export function encodeInteraction(payload: unknown): EncodedBody {
  return {
    body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
    contentType: 'application/x-www-form-urlencoded',
  };
}

/** An Events API request: JSON. */
export function encodeEvent(event: unknown): EncodedBody {
  return { body: JSON.stringify(event), contentType: 'application/json' };
}

/** The two signature headers for `body`, as Slack computes them: over the raw bytes. */
export function signatureHeaders(
  secret: string,
  body: string | Uint8Array,
  timestampSeconds = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const digest = createHmac('sha256', secret)
    .update(`v0:${timestampSeconds}:`)
    .update(body)
    .digest('hex');
  return {
    'x-slack-signature': `v0=${digest}`,
    'x-slack-request-timestamp': String(timestampSeconds),
  };
}
