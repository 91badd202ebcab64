/** A Halo resource the sandbox serves under `/api`. */
export type SandboxResource = 'Agent' | 'Client' | 'PurchaseOrder' | 'Invoice' | 'Webhook';

/**
 * One API application of the sandbox: the credentials to type and how the sandbox behaves
 * for them. The secrets are public test data.
 */
export interface SandboxScenario {
  name: string;
  clientId: string;
  /** What to type in the Client Secret field. */
  clientSecret: string;
  /** The tenant the sandbox insists on; unset: any tenant, or none, is accepted. */
  tenant?: string;
  /** One line for the sandbox's table: what using these credentials shows. */
  demonstrates: string;
  /** The secret the sandbox accepts, when it is not `clientSecret`. */
  acceptedSecret?: string;
  /** False: the sandbox does not know this client id. */
  registered?: boolean;
  /** Scopes the application grants; default all:standard, all:teams and admin:webhooks. */
  grants?: readonly string[];
  /** Answer invalid_scope when a requested scope is not granted, instead of leaving it out. */
  rejectUngrantedScopes?: boolean;
  rateLimited?: boolean;
  agent?: { isapiagent?: boolean; is_admin?: boolean; isdisabled?: boolean };
  /** Resources the agent may not read (403). */
  forbidden?: readonly SandboxResource[];
  /** How many customers the agent sees; default 3. */
  customers?: number;
  /** Extra delay before every answer. */
  delayMs?: number;
}

/** The tenant the `missing-tenant` scenario insists on. */
export const SANDBOX_TENANT = 'sandbox';

/** `c1e47000-0000-4000-8000-0000000000NN`: scenario n's client id. */
function clientId(n: number): string {
  return `c1e47000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** Two GUIDs joined by a hyphen, the shape of a Halo client secret. */
function secret(n: number, kind = 'a'): string {
  const tail = n.toString(16).padStart(12, '0');
  return `5ec7e7${kind}0-0000-4000-8000-${tail}-5ec7e7${kind}1-0000-4000-8000-${tail}`;
}

type Behaviour = Omit<SandboxScenario, 'clientId' | 'clientSecret'>;

const BEHAVIOURS: readonly Behaviour[] = [
  { name: 'valid', demonstrates: 'every check passes' },
  {
    name: 'wrong-secret',
    demonstrates: 'the secret is wrong: 400 invalid_client',
    acceptedSecret: secret(2, 'c'),
  },
  {
    name: 'unknown-client',
    demonstrates: 'Halo does not know the Client ID: 401 invalid_client',
    registered: false,
  },
  {
    name: 'missing-tenant',
    demonstrates: `needs Tenant "${SANDBOX_TENANT}"; without it, a 500 error page`,
    tenant: SANDBOX_TENANT,
  },
  {
    name: 'no-all-standard',
    demonstrates: 'the application lacks all:standard: token without it, reads get 401',
    grants: ['all:teams', 'admin:webhooks'],
  },
  {
    name: 'no-all-teams',
    demonstrates: 'the application lacks all:teams',
    grants: ['all:standard', 'admin:webhooks'],
  },
  {
    name: 'no-admin-webhooks',
    demonstrates: 'the application lacks admin:webhooks: webhooks get 401',
    grants: ['all:standard', 'all:teams'],
  },
  {
    name: 'scope-rejected',
    demonstrates: 'the application lacks admin:webhooks and Halo answers invalid_scope',
    grants: ['all:standard', 'all:teams'],
    rejectUngrantedScopes: true,
  },
  {
    name: 'agent-not-api-only',
    demonstrates: 'the login agent is a normal (licensed) agent',
    agent: { isapiagent: false },
  },
  {
    name: 'agent-disabled',
    demonstrates: 'the login agent is disabled',
    agent: { isdisabled: true },
  },
  {
    name: 'no-login-agent',
    demonstrates: 'no login agent chosen: token issued, every read gets 403',
    forbidden: ['Agent', 'Client', 'PurchaseOrder', 'Invoice', 'Webhook'],
  },
  { name: 'no-customers', demonstrates: 'the agent may not read customers', forbidden: ['Client'] },
  {
    name: 'no-purchase-orders',
    demonstrates: 'the agent may not read purchase orders',
    forbidden: ['PurchaseOrder'],
  },
  { name: 'no-invoices', demonstrates: 'the agent may not read invoices', forbidden: ['Invoice'] },
  {
    name: 'no-visibility',
    demonstrates: 'the agent sees no customers at all (team restrictions)',
    customers: 0,
  },
  {
    name: 'rate-limited',
    demonstrates: 'Halo answers 429 with Retry-After: 30',
    rateLimited: true,
  },
  { name: 'slow', demonstrates: 'every answer takes 1.5 s longer', delayMs: 1500 },
];

/** Every scenario, each with its own client id and secret. */
export const SANDBOX_SCENARIOS: readonly SandboxScenario[] = BEHAVIOURS.map((behaviour, i) => ({
  ...behaviour,
  clientId: clientId(i + 1),
  clientSecret: secret(i + 1),
}));

/** The scenario by name; throws for an unknown name (a typo in a test). */
export function sandboxScenario(name: string): SandboxScenario {
  const scenario = SANDBOX_SCENARIOS.find((s) => s.name === name);
  if (!scenario) throw new Error(`no sandbox scenario named ${name}`);
  return scenario;
}
