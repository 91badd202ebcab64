import type { types } from '@slack/bolt';
import {
  FIELD_LABELS,
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

interface FieldSpec {
  placeholder: string;
  hint: string;
  maxLength: number;
  optional?: boolean;
}

// Note: these hints are Slack-side copy for now; they belong in the core once Teams needs them.
const FIELD_SPECS: Record<FieldId, FieldSpec> = {
  authServer: {
    placeholder: 'https://yourcompany.halopsa.com/auth',
    hint: 'HaloPSA: Configuration › Integrations › HaloPSA API, the Authorisation Server.',
    maxLength: 500,
  },
  tenant: {
    placeholder: 'yourcompany',
    hint: 'Only if the HaloPSA API page shows a Tenant (hosted Halo). Otherwise leave it empty.',
    maxLength: 200,
    optional: true,
  },
  clientId: {
    placeholder: '00000000-0000-0000-0000-000000000000',
    hint: 'View Applications › Cloud Depot API: the Client ID, copied after saving.',
    maxLength: 200,
  },
  clientSecret: {
    placeholder: 'Paste the Client Secret',
    hint: 'Shown by Halo once, when you save the application. Paste it exactly as shown.',
    maxLength: 500,
  },
};

const INTRO: Record<FormState['mode'], string> = {
  connect: 'Paste the values from HaloPSA. I check them against Halo before anything is stored.',
  rotate:
    'Paste the new Client Secret, and any other value that changed. ' +
    'The current credentials stay in force until the new ones pass every check.',
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
    title: plain(state.mode === 'rotate' ? 'Rotate client secret' : 'Connect HaloPSA'),
    submit: plain('Verify'),
    close: plain('Cancel'),
    private_metadata: encodeModalMetadata({ channelId, mode: state.mode }),
    blocks: [
      mrkdwnSection(INTRO[state.mode]),
      { type: 'context', elements: [{ type: 'mrkdwn', text: PRIVACY_NOTE }] },
      ...FIELDS.map((field) =>
        inputBlock(field, field === 'clientSecret' ? undefined : state.prefill[field]),
      ),
    ],
  };
}

function inputBlock(field: FieldId, initial: string | undefined): types.InputBlock {
  const spec = FIELD_SPECS[field];
  return {
    type: 'input',
    block_id: field,
    label: plain(FIELD_LABELS[field]),
    hint: plain(spec.hint),
    optional: spec.optional ?? false,
    element: {
      type: 'plain_text_input',
      action_id: field,
      placeholder: plain(spec.placeholder),
      max_length: spec.maxLength,
      ...(initial ? { initial_value: initial.slice(0, spec.maxLength) } : {}),
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
