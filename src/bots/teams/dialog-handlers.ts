import type { CredentialsForm } from '../../core/credentials.js';
import { keepableValues } from '../../core/input.js';
import { ActionId, type Message } from '../../core/message.js';
import { decodeFormState, type FormState } from '../../core/messages.js';
import { toAttachment } from './adaptive-card.js';
import {
  renderCredentialsDialog,
  SUBMIT_CREDENTIALS,
  type DialogTaskInfo,
} from './credentials-dialog.js';
import { renderCard } from './render.js';
import type { TeamsDeps } from './teams-deps.js';
import type { Turn } from './turn.js';
import { runLiveJob } from './verify-flow.js';

/** The dialog's short answer after a submit; the report follows as a card in the chat. */
export const VERIFYING_ANSWER = 'Verifying… the report is posted in the chat.';

/** The answer to a `task/submit` that is not from the bot's dialog: nothing is done. */
export const UNKNOWN_DIALOG_ANSWER = 'This form is not one of mine: open it again from my card.';

/** A `task/fetch` or `task/submit` answer. Never holds the secret. */
export type TaskAnswer =
  | { task: { type: 'continue'; value: DialogTaskInfo | MessageTaskInfo } }
  | { task: { type: 'message'; value: string } };

interface MessageTaskInfo {
  title: string;
  width: 'medium';
  height: 'medium';
  card: ReturnType<typeof toAttachment>;
}

function dataOf(turn: Turn): Record<string, unknown> {
  const value = turn.activity.value as { data?: unknown } | undefined;
  const data = value?.data;
  return data && typeof data === 'object' ? (data as Record<string, unknown>) : {};
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value.slice(0, 2_000) : undefined;
}

function showMessage(message: Message, deps: TeamsDeps): TaskAnswer {
  const card = toAttachment(renderCard(message, { names: deps.names.lookup }));
  return {
    task: {
      type: 'continue',
      value: { title: message.title, width: 'medium', height: 'medium', card },
    },
  };
}

/**
 * `task/fetch`: opens the credentials dialog from Enter credentials, Try again or Rotate,
 * pre-filled with the non-secret values the button carries. Someone the core refuses gets
 * the reason instead.
 */
export async function fetchCredentialsDialog(turn: Turn, deps: TeamsDeps): Promise<TaskAnswer> {
  const actor = await turn.actor();
  const denied = deps.service.checkManage(actor);
  if (denied) return showMessage(denied, deps);
  const data = dataOf(turn);
  let state: FormState = decodeFormState(text(data.value));
  const prefilled = Object.values(state.prefill).some(Boolean);
  if (data.action === ActionId.Rotate && !prefilled) {
    state = await deps.service.formState(actor, 'rotate');
  }
  return { task: { type: 'continue', value: renderCredentialsDialog({ state }) } };
}

/**
 * `task/submit`: hands the four fields to the core and answers fast. Field problems come
 * back in the dialog with the values kept, except the secret. A started check answers with
 * a short message and posts the report as a card that is updated as the checks complete.
 */
export async function submitCredentials(turn: Turn, deps: TeamsDeps): Promise<TaskAnswer> {
  const data = dataOf(turn);
  if (data.action !== SUBMIT_CREDENTIALS) {
    return { task: { type: 'message', value: UNKNOWN_DIALOG_ANSWER } };
  }
  const state = decodeFormState(text(data.value));
  const form: CredentialsForm = {
    authServer: text(data.authServer),
    tenant: text(data.tenant),
    clientId: text(data.clientId),
    clientSecret: text(data.clientSecret),
  };
  const actor = await turn.actor();
  const result = await runLiveJob(turn, deps, (onProgress) =>
    deps.service.submitCredentials(actor, form, {
      idempotencyKey: turn.idempotencyKey,
      mode: state.mode,
      channel: turn.address,
      onProgress,
    }),
  );
  switch (result.kind) {
    case 'invalid': {
      const values = keepableValues(form);
      const dialog = renderCredentialsDialog({ state, values, problems: result.problems });
      return { task: { type: 'continue', value: dialog } };
    }
    case 'denied':
    case 'rate_limited':
    case 'not_connected':
      return showMessage(result.message, deps);
    case 'duplicate':
    case 'started':
      return { task: { type: 'message', value: VERIFYING_ANSWER } };
  }
}
