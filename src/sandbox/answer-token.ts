import { randomBytes, timingSafeEqual } from 'node:crypto';
import { REQUIRED_SCOPES } from '../core/guide.js';
import {
  errorPageAnswer,
  jsonAnswer,
  withScenario,
  type SandboxAnswer,
  type SandboxState,
} from './sandbox-answer.js';
import type { SandboxScenario } from './scenarios.js';

const TOKEN_LIFETIME_SECONDS = 3600;

/** Scope names Halo knows; anything else is answered with invalid_scope, as Halo does. */
const KNOWN_SCOPES = new Set([
  'all',
  'all:standard',
  'all:teams',
  'admin',
  'admin:webhooks',
  ...['customers', 'tickets', 'invoices', 'pos', 'sos', 'items', 'assets', 'contracts'].flatMap(
    (area) => [`read:${area}`, `edit:${area}`],
  ),
]);

/**
 * `POST /auth/token`: client credentials only. The tenant may come in the query or the form
 * body. Unknown or revoked client: 401 invalid_client; wrong secret: 400 invalid_client;
 * wrong or missing tenant where one is needed: Halo's 500 error page.
 */
export function answerToken(
  form: URLSearchParams,
  query: URLSearchParams,
  state: SandboxState,
): SandboxAnswer {
  const clientId = form.get('client_id') ?? '';
  if (form.get('grant_type') !== 'client_credentials') {
    return { ...jsonAnswer(400, { error: 'unsupported_grant_type' }), clientId };
  }
  const scenario = state.scenarios.find((s) => s.clientId === clientId.toLowerCase());
  if (!scenario || scenario.registered === false || state.revoked.has(scenario.clientId)) {
    return {
      ...jsonAnswer(401, invalidClient('The client is not known or not active.')),
      clientId,
    };
  }
  return withScenario(answerKnownClient(scenario, form, query, state), scenario);
}

function answerKnownClient(
  scenario: SandboxScenario,
  form: URLSearchParams,
  query: URLSearchParams,
  state: SandboxState,
): SandboxAnswer {
  if (scenario.rateLimited) {
    return {
      status: 429,
      contentType: 'text/plain; charset=utf-8',
      body: 'Rate Limit Reached - 300 Requests per rolling 5 minute window',
      headers: { 'retry-after': '30' },
    };
  }
  const tenant = query.get('tenant') ?? form.get('tenant') ?? '';
  if (scenario.tenant && tenant.toLowerCase() !== scenario.tenant) return errorPageAnswer();
  if (
    !sameSecret(form.get('client_secret') ?? '', scenario.acceptedSecret ?? scenario.clientSecret)
  ) {
    return jsonAnswer(400, invalidClient('The client secret is not valid.'));
  }
  const requested = (form.get('scope') ?? '').split(/\s+/).filter((s) => s !== '');
  const grants = scenario.grants ?? REQUIRED_SCOPES;
  const ungranted = requested.filter((s) => !grants.includes(s));
  if (
    requested.some((s) => !KNOWN_SCOPES.has(s)) ||
    (scenario.rejectUngrantedScopes && ungranted.length > 0)
  ) {
    return jsonAnswer(400, { error: 'invalid_scope' });
  }
  const scopes = requested.filter((s) => grants.includes(s));
  const accessToken = randomBytes(24).toString('base64url');
  state.tokens.set(accessToken, {
    scenario,
    scopes,
    expiresAt: Date.now() + TOKEN_LIFETIME_SECONDS * 1000,
  });
  return jsonAnswer(200, {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: TOKEN_LIFETIME_SECONDS,
    scope: scopes.join(' '),
  });
}

function invalidClient(description: string) {
  return { error: 'invalid_client', error_description: description };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
