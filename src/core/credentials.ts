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
