import type { types } from '@slack/bolt';
import {
  FIELD_HINTS,
  FIELD_LABELS,
  FIELD_PLACEHOLDERS,
  FORM_COPY,
  type CredentialsForm,
  type FieldId,
  type FieldProblem,
} from '../../core/credentials.js';
import type { FormState } from '../../core/messages.js';
import { encodeModalMetadata } from './modal-metadata.js';
import { mrkdwnSection, plain } from './render.js';

/** The `callback_id` of the private credentials form. */
export const CREDENTIALS_CALLBACK_ID = 'halo.credentials';

const FIELDS: readonly FieldId[] = ['authServer', 'tenant', 'clientId', 'clientSecret'];

const MAX_LENGTH: Record<FieldId, number> = {
  authServer: 500,
  tenant: 200,
  clientId: 200,
  clientSecret: 500,
};

const PRIVACY_NOTE =
  ':warning: Slack cannot hide what you type in a form, so the secret is visible on your ' +
  'screen while you enter it. After you submit, it is stored encrypted and never shown ' +
  'again: not here, not in the channel.';

/**
 * The credentials modal. `state.prefill` fills every field except the secret, which is never
 * sent back to Slack. Block ids and action ids are the core's FieldIds, so field errors from
 * the core map to blocks one to one.
 */
export function credentialsModal(state: FormState, channelId: string | undefined): types.ModalView {
  return {
    type: 'modal',
    callback_id: CREDENTIALS_CALLBACK_ID,
    title: plain(FORM_COPY[state.mode].title),
    submit: plain('Verify'),
    close: plain('Cancel'),
    private_metadata: encodeModalMetadata({ channelId, mode: state.mode }),
    blocks: [
      mrkdwnSection(FORM_COPY[state.mode].intro),
      { type: 'context', elements: [{ type: 'mrkdwn', text: PRIVACY_NOTE }] },
      ...FIELDS.map((field) =>
        inputBlock(field, field === 'clientSecret' ? undefined : state.prefill[field]),
      ),
    ],
  };
}

function inputBlock(field: FieldId, initial: string | undefined): types.InputBlock {
  const maxLength = MAX_LENGTH[field];
  return {
    type: 'input',
    block_id: field,
    label: plain(FIELD_LABELS[field]),
    hint: plain(FIELD_HINTS[field]),
    optional: field === 'tenant',
    element: {
      type: 'plain_text_input',
      action_id: field,
      placeholder: plain(FIELD_PLACEHOLDERS[field]),
      max_length: maxLength,
      ...(initial ? { initial_value: initial.slice(0, maxLength) } : {}),
    },
  };
}

/** The state values of a `view_submission`, in the shape Slack sends them. */
export type ViewStateValues = Record<string, Record<string, { value?: string | null } | undefined>>;

/** Reads the four fields as typed; normalising and checking them is the core's job. */
export function readCredentialsForm(values: ViewStateValues | undefined): CredentialsForm {
  const form: CredentialsForm = {};
  for (const field of FIELDS) {
    const value = values?.[field]?.[field]?.value;
    if (typeof value === 'string') form[field] = value;
  }
  return form;
}

/** The `errors` object of a `response_action: 'errors'` ack, keyed by block id. */
export function fieldErrors(problems: readonly FieldProblem[]): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const problem of problems) {
    // Slack shows one message per block; the first problem of a field is the one to fix first.
    errors[problem.field] ??= problem.message.slice(0, 2000);
  }
  return errors;
}
