import { FIELD_LABELS, type FieldId, type FieldProblem } from '../../core/credentials.js';
import { guideStep } from '../../core/guide.js';
import { encodeFormState, type FormState } from '../../core/messages.js';
import { createCard, toAttachment, type CardAttachment, type CardNode } from './adaptive-card.js';

/** The `action` of the dialog's submit button; the dialog's own, never sent by the core. */
export const SUBMIT_CREDENTIALS = 'credentials.submit';

const FIELDS: readonly FieldId[] = ['authServer', 'tenant', 'clientId', 'clientSecret'];

/**
 * Where to copy each value from in Halo. Built from the guide's own menu paths so the words
 * stay the core's.
 */
function hintOf(field: FieldId): string {
  const api = guideStep('application').where;
  switch (field) {
    case 'authServer':
      return `From ${api}: the Authorisation Server, e.g. https://yourcompany.halopsa.com/auth`;
    case 'tenant':
      return `From ${api}, only where a Tenant is shown; otherwise leave it empty`;
    case 'clientId':
      return `From ${api} › View Applications › Cloud Depot API, copied after saving`;
    case 'clientSecret':
      return (
        'Shown once, when the application is saved; typed here it is masked and never shown ' +
        'again'
      );
  }
}

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
      text:
        state.mode === 'rotate' ? 'Enter the new client secret' : 'Enter the HaloPSA credentials',
      size: 'Medium',
      weight: 'Bolder',
      wrap: true,
    },
    {
      type: 'TextBlock',
      text:
        'Nothing is stored until every check against Halo passes. The secret is stored ' +
        'encrypted.',
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
      text: hintOf(field),
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
    title: state.mode === 'rotate' ? 'Rotate the client secret' : 'Connect HaloPSA',
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
  if (field === 'authServer') {
    input.style = 'url';
    input.placeholder = 'https://yourcompany.halopsa.com/auth';
  }
  if (value) input.value = value;
  return input;
}
