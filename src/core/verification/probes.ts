import type { HaloResponse } from '../net/halo-request.js';
import type { CheckId, CheckResult } from '../report.js';
import { ADVICE, permissionAdvice, rateLimitAdvice, scopesAdvice } from './advice.js';
import { failed, passed, type Advice } from './check-result.js';
import { describeAnswer } from './http-answer.js';
import { parseRetryAfter } from './retry-after.js';

/** One read-only GET against the Resource Server and what its refusals mean. */
export interface ProbeSpec {
  id: CheckId;
  /** Relative to the Resource Server. */
  path: string;
  /** What a 200 proves. */
  passMessage: string;
  /** Halo answered 401: the token's scopes do not reach this. */
  unauthorized: { message: string; advice: Advice };
  /** Halo answered 403: the agent is not allowed. */
  forbidden: { message: string; advice: Advice };
}

const STANDARD_SCOPE = scopesAdvice(['all:standard']);
const WEBHOOK_SCOPE = scopesAdvice(['admin:webhooks']);

function readProbe(
  id: CheckId,
  path: string,
  subject: string,
  permission: [area: string, level: string],
): ProbeSpec {
  return {
    id,
    path,
    passMessage: `The agent can read ${subject}.`,
    unauthorized: {
      message: `Halo refused the token for ${subject}: the application's scopes do not cover them`,
      advice: STANDARD_SCOPE,
    },
    forbidden: {
      message:
        `The agent is not allowed to read ${subject}: ` +
        `it needs ${permission[0]} set to ${permission[1]}`,
      advice: permissionAdvice(...permission),
    },
  };
}

/** The checks that are one GET each. */
export type ProbeId =
  'agent' | 'customers.read' | 'purchaseOrders.read' | 'invoices.read' | 'webhooks';

/** Every probe, all sent at once after the token. `checkAgentAnswer` reads a 200 on `agent`. */
export const PROBES: Readonly<Record<ProbeId, ProbeSpec>> = {
  agent: {
    id: 'agent',
    path: '/Agent/me',
    passMessage: 'Halo named the agent the application logs in as.',
    unauthorized: {
      message: 'Halo would not say which agent the application logs in as',
      advice: ADVICE.loginAgent,
    },
    forbidden: {
      message: 'Halo would not say which agent the application logs in as',
      advice: ADVICE.loginAgent,
    },
  },
  'customers.read': readProbe('customers.read', '/Client?count=1', 'customers', [
    'Customers',
    'Read Only',
  ]),
  'purchaseOrders.read': readProbe(
    'purchaseOrders.read',
    '/PurchaseOrder?count=1',
    'purchase orders',
    ['Purchase Orders', 'Read Only'],
  ),
  'invoices.read': readProbe('invoices.read', '/Invoice?count=1', 'invoices', [
    'Invoices',
    'Read, Create and Modify',
  ]),
  webhooks: {
    id: 'webhooks',
    path: '/Webhook',
    passMessage: 'The application can read webhooks.',
    unauthorized: {
      message: 'Halo refused the token for webhooks: the application lacks admin:webhooks',
      advice: WEBHOOK_SCOPE,
    },
    forbidden: {
      message: 'Halo refused to list webhooks: the application lacks admin:webhooks',
      advice: WEBHOOK_SCOPE,
    },
  },
};

/** What `checkProbeAnswer` needs besides the answer. */
export interface ProbeContext {
  now: Date;
  resourceServer: string;
  redact: readonly string[];
}

/**
 * The check for one probe's answer: 200 passes, 401 points to the scopes (or, for the
 * agent, the login type), 403 to the agent's permission, 404 to the API address, 429 to
 * waiting.
 */
export function checkProbeAnswer(
  spec: ProbeSpec,
  response: HaloResponse,
  ms: number,
  context: ProbeContext,
): CheckResult {
  const { id } = spec;
  const answer = describeAnswer(response, context.redact);
  switch (true) {
    case response.status >= 200 && response.status < 300:
      return passed(id, spec.passMessage, ms);
    case response.status === 401:
      return failed(id, `${spec.unauthorized.message} (${answer}).`, spec.unauthorized.advice, ms);
    case response.status === 403:
      return failed(id, `${spec.forbidden.message} (${answer}).`, spec.forbidden.advice, ms);
    case response.status === 429: {
      const seconds = parseRetryAfter(response.headers['retry-after'], context.now);
      const message = `Halo is limiting requests (HTTP 429): try again in ${seconds} s.`;
      return failed(id, message, rateLimitAdvice(seconds), ms, { retryAfterSeconds: seconds });
    }
    case response.status === 404 || (response.status >= 300 && response.status < 400): {
      const where = `${context.resourceServer}${spec.path.replace(/\?.*$/, '')}`;
      return failed(
        id,
        `Halo's API did not answer at ${where} (${answer}).`,
        ADVICE.resourceServer,
        ms,
      );
    }
    default:
      return failed(id, `Halo could not answer this check (${answer}).`, ADVICE.tryAgain, ms);
  }
}
