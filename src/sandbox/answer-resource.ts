import {
  jsonAnswer,
  withScenario,
  type SandboxAnswer,
  type SandboxState,
} from './sandbox-answer.js';
import type { SandboxResource, SandboxScenario } from './scenarios.js';

interface ResourceRoute {
  resource: SandboxResource;
  /** Any one of these scopes is enough. */
  scopes: readonly string[];
  body(scenario: SandboxScenario, query: URLSearchParams): unknown;
}

const STANDARD = ['all:standard', 'all'];

/** Lists honour `count`, like Halo's non-paginated limit. */
function list(key: string, total: number, query: URLSearchParams, make: (n: number) => object) {
  const count = Math.min(total, Number(query.get('count') ?? total) || total);
  return { record_count: total, [key]: Array.from({ length: count }, (_, i) => make(i + 1)) };
}

/** Keyed by the lower-case path under `/api`: Halo matches paths case-insensitively. */
const ROUTES: Record<string, ResourceRoute> = {
  'agent/me': {
    resource: 'Agent',
    scopes: STANDARD,
    body: (scenario) => ({
      id: 17,
      name: 'Cloud Depot API',
      email: 'cloud-depot-api@sandbox.invalid',
      isapiagent: scenario.agent?.isapiagent ?? true,
      is_admin: scenario.agent?.is_admin ?? false,
      isdisabled: scenario.agent?.isdisabled ?? false,
    }),
  },
  client: {
    resource: 'Client',
    scopes: STANDARD,
    body: (scenario, query) =>
      list('clients', scenario.customers ?? 3, query, (id) => ({ id, name: `Customer ${id}` })),
  },
  purchaseorder: {
    resource: 'PurchaseOrder',
    scopes: STANDARD,
    body: (_scenario, query) =>
      list('purchaseorders', 2, query, (id) => ({ id, supplier_name: 'Sandbox Supplier' })),
  },
  invoice: {
    resource: 'Invoice',
    scopes: STANDARD,
    body: (_scenario, query) =>
      list('invoices', 2, query, (id) => ({ id, client_name: 'Customer 1', total: 100 })),
  },
  webhook: {
    resource: 'Webhook',
    scopes: ['admin:webhooks', 'admin'],
    body: () => [{ id: '6f1c2d3e-0000-4000-8000-000000000001', name: 'Sandbox webhook' }],
  },
};

const DENIED = { Message: 'Authorization has been denied for this request.' };

/**
 * `GET /api/...`: a bearer token the sandbox issued, a scope that covers the resource (else
 * 401) and an agent allowed to read it (else 403); Halo's list shapes otherwise.
 */
export function answerResource(
  path: string,
  query: URLSearchParams,
  authorization: string | undefined,
  state: SandboxState,
): SandboxAnswer {
  const route = ROUTES[path.toLowerCase()];
  if (!route) return jsonAnswer(404, { Message: 'No HTTP resource was found for this address.' });
  const issued = state.tokens.get(/^Bearer (.+)$/i.exec(authorization ?? '')?.[1] ?? '');
  if (!issued || issued.expiresAt < Date.now() || state.revoked.has(issued.scenario.clientId)) {
    return jsonAnswer(401, DENIED);
  }
  const { scenario } = issued;
  if (!route.scopes.some((s) => issued.scopes.includes(s))) {
    return withScenario(jsonAnswer(401, DENIED), scenario);
  }
  if (scenario.forbidden?.includes(route.resource)) {
    const forbidden = {
      ClassName: 'HaloSecurityException',
      Message: 'You do not have access to this area.',
    };
    return withScenario(jsonAnswer(403, forbidden), scenario);
  }
  return withScenario(jsonAnswer(200, route.body(scenario, query)), scenario);
}
