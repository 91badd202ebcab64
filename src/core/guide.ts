/**
 * The Halo-side setup as data: what the admin does in HaloPSA, step by step. Every adapter
 * shows these words; nothing about the guide is written anywhere else.
 */
export type StepId = 'agent' | 'permissions' | 'application' | 'scopes' | 'credentials';

export interface GuideStep {
  id: StepId;
  number: number;
  title: string;
  /** Where in HaloPSA, as a menu path. */
  where: string;
  /** The settings to make, in order, each one line. */
  checklist: string[];
  /** Values the admin must copy from Halo to the bot, if any. */
  copy?: string[];
  note?: string;
}

export const REQUIRED_SCOPES = ['all:standard', 'all:teams', 'admin:webhooks'] as const;

export const GUIDE: readonly GuideStep[] = [
  {
    id: 'agent',
    number: 1,
    title: 'Create an API-only agent',
    where: 'Configuration › Teams & Agents › Agents › New',
    checklist: [
      'Tick **Is an API-only Agent**',
      'Give it a name such as `Cloud Depot API`',
      'Leave **Roles** empty',
      'Leave **Default team** empty',
      'Set work hours to **24 hours**',
      'Set a long, random password (nobody will log in with it)',
      'Save',
    ],
    note: 'An API-only agent uses no licence and cannot log in to the web app.',
  },
  {
    id: 'permissions',
    number: 2,
    title: "Set the agent's permissions",
    where: 'Configuration › Teams & Agents › Agents › (the new agent) › Permissions',
    checklist: [
      'Customers: **Read Only**',
      'Purchase Orders: **Read Only**',
      'Invoices: **Read, Create and Modify**',
      'Allow the agent to see **all customers**',
      'Save',
    ],
  },
  {
    id: 'application',
    number: 3,
    title: 'Create the API application',
    where: 'Configuration › Integrations › HaloPSA API',
    checklist: [
      'Copy the **Authorisation Server** (and the **Tenant**, where one is shown)',
      'Open **View Applications** › **New**',
      'Name: `Cloud Depot API`, tick **Active**',
      'Authentication Method: **Client ID and Secret (Services)**',
      'Login Type: **Agent**, and choose the agent from step 1',
      'Save, then copy the **Client ID** and the **Client Secret**',
    ],
    copy: ['Authorisation Server', 'Tenant', 'Client ID', 'Client Secret'],
    note: 'Halo shows the secret only once, and the Client ID can change when you save: copy both after saving.',
  },
  {
    id: 'scopes',
    number: 4,
    title: "Grant the application's scopes",
    where:
      'Configuration › Integrations › HaloPSA API › View Applications › Cloud Depot API › Permissions',
    checklist: ['Tick **all:standard**', 'Tick **all:teams**', 'Tick **admin:webhooks**', 'Save'],
  },
  {
    id: 'credentials',
    number: 5,
    title: 'Enter the credentials here',
    where: 'This bot: the private credentials form',
    checklist: [
      'Paste the Authorisation Server and, if shown, the Tenant',
      'Paste the Client ID and the Client Secret',
      'Submit: the bot checks everything against Halo before it stores anything',
    ],
  },
];

export function guideStep(id: StepId): GuideStep {
  const step = GUIDE.find((s) => s.id === id);
  if (!step) throw new Error(`unknown guide step ${id}`);
  return step;
}

export function isStepId(value: unknown): value is StepId {
  return typeof value === 'string' && GUIDE.some((s) => s.id === value);
}
