import type { Secret } from './secret.js';

/** The four fields of the private form, exactly as typed or pasted. */
export interface CredentialsForm {
  authServer?: string;
  tenant?: string;
  clientId?: string;
  clientSecret?: string;
}

export type FieldId = keyof CredentialsForm;

export const FIELD_LABELS: Record<FieldId, string> = {
  authServer: 'Authorisation Server',
  tenant: 'Tenant',
  clientId: 'Client ID',
  clientSecret: 'Client Secret',
};

/** Credentials after normalisation: the URL cleaned, the secret wrapped. */
export interface HaloCredentials {
  /** Authorisation Server without trailing slash, e.g. `https://acme.halopsa.com/auth`. */
  authServer: string;
  tenant?: string;
  clientId: string;
  clientSecret: Secret;
}

export interface FieldProblem {
  field: FieldId;
  /** Names the field and says how to fix it. Never repeats a secret. */
  message: string;
}

/** Where in HaloPSA each value is copied from: the hint under each field of the form. */
export const FIELD_HINTS: Record<FieldId, string> = {
  authServer:
    'HaloPSA: Configuration › Integrations › HaloPSA API, the Authorisation Server (e.g. https://yourcompany.halopsa.com/auth).',
  tenant: 'Only if the HaloPSA API page shows a Tenant (hosted Halo). Otherwise leave it empty.',
  clientId: 'View Applications › Cloud Depot API: the Client ID, copied after saving.',
  clientSecret: 'Shown by Halo once, when you save the application. Paste it exactly as shown.',
};

export const FIELD_PLACEHOLDERS: Record<FieldId, string> = {
  authServer: 'https://yourcompany.halopsa.com/auth',
  tenant: 'yourcompany',
  clientId: '00000000-0000-0000-0000-000000000000',
  clientSecret: 'Paste the Client Secret',
};

/** Title (at most 24 characters) and opening line of the form, by what it is for. */
export const FORM_COPY = {
  connect: {
    title: 'Connect HaloPSA',
    intro: 'Paste the values from HaloPSA. I check them against Halo before anything is stored.',
  },
  rotate: {
    title: 'Rotate client secret',
    intro:
      'Paste the new Client Secret, and the new Client ID if you created a second application. The current credentials stay in force until the new ones pass every check.',
  },
} as const;
