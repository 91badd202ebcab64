import {
  FIELD_HINTS,
  FIELD_LABELS,
  FIELD_PLACEHOLDERS,
  FORM_COPY,
  type FieldId,
  type FieldProblem,
} from '../../core/credentials.js';
import { encodeFormState, type FormState } from '../../core/messages.js';
import { createCard, toAttachment, type CardAttachment, type CardNode } from './adaptive-card.js';

/** The `action` of the dialog's submit button; the dialog's own, never sent by the core. */
export const SUBMIT_CREDENTIALS = 'credentials.submit';

const FIELDS: readonly FieldId[] = ['authServer', 'tenant', 'clientId', 'clientSecret'];

export interface CredentialsDialogOptions {
  state: FormState;
  /** Values to keep after a failed submit; the secret is never among them. */
  values?: Partial<Record<Exclude<FieldId, 'clientSecret'>, string>>;
  problems?: readonly FieldProblem[];
}

/** A dialog (`task/fetch`, `task/submit`) answer: title, size and the card. */
export interface DialogTaskInfo {
  title: string;
  width: 'medium';
  height: 'large';
  card: CardAttachment;
}

/**
 * The credentials dialog: the four fields with hints, the secret as a password input, each
 * problem in red above its field, the values kept except the secret. The submit button's
 * data holds the mode only.
 */
export function renderCredentialsDialog(options: CredentialsDialogOptions): DialogTaskInfo {
  const { state, problems = [] } = options;
  const values = { ...state.prefill, ...options.values };
  const body: CardNode[] = [
    {
      type: 'TextBlock',
      text: FORM_COPY[state.mode].title,
      size: 'Medium',
      weight: 'Bolder',
      wrap: true,
    },
    {
      type: 'TextBlock',
      text: FORM_COPY[state.mode].intro,
      wrap: true,
      isSubtle: true,
    },
  ];
  for (const field of FIELDS) {
    for (const problem of problems.filter((p) => p.field === field)) {
      body.push({
        type: 'TextBlock',
        text: problem.message,
        color: 'Attention',
        wrap: true,
        spacing: 'Medium',
      });
    }
    body.push(inputOf(field, field === 'clientSecret' ? undefined : values[field]));
    body.push({
      type: 'TextBlock',
      text: FIELD_HINTS[field],
      size: 'Small',
      isSubtle: true,
      wrap: true,
      spacing: 'None',
    });
  }
  const submit: CardNode = {
    type: 'Action.Submit',
    title: 'Verify and save',
    style: 'positive',
    data: { action: SUBMIT_CREDENTIALS, value: encodeFormState({ mode: state.mode, prefill: {} }) },
  };
  return {
    title: FORM_COPY[state.mode].title,
    width: 'medium',
    height: 'large',
    card: toAttachment(createCard(body, [submit])),
  };
}

function inputOf(field: FieldId, value: string | undefined): CardNode {
  const required = field !== 'tenant';
  const input: CardNode = {
    type: 'Input.Text',
    id: field,
    label: FIELD_LABELS[field],
    isRequired: required,
    maxLength: field === 'authServer' ? 500 : 200,
  };
  if (required) input.errorMessage = `Enter the ${FIELD_LABELS[field]}.`;
  if (field === 'clientSecret') input.style = 'password';
  if (field === 'authServer') input.style = 'url';
  if (field !== 'clientSecret') input.placeholder = FIELD_PLACEHOLDERS[field];
  if (value) input.value = value;
  return input;
}
