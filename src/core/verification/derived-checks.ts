import type { HaloResponse } from '../net/halo-request.js';
import type { AgentFacts, CheckResult } from '../report.js';
import { ADVICE, permissionAdvice, scopesAdvice } from './advice.js';
import { failed, passed, skipped, warned } from './check-result.js';
import { jsonObject } from './http-answer.js';
import { allowsInvoiceWrites, missingScopes } from './scopes.js';

const INVOICE_WRITE = permissionAdvice('Invoices', 'Read, Create and Modify');

/** The `scopes` check: the granted scope string covers all:standard, all:teams, admin:webhooks. */
export function checkScopes(granted: readonly string[]): CheckResult {
  if (granted.length === 0) {
    const message =
      'Halo did not say which scopes it granted; the checks below show what the token can do.';
    return warned('scopes', message, scopesAdvice(missingScopes([])), 0);
  }
  const missing = missingScopes(granted);
  if (missing.length === 0) {
    return passed('scopes', 'The token covers all:standard, all:teams and admin:webhooks.', 0);
  }
  return failed('scopes', `The application lacks ${missing.join(', ')}.`, scopesAdvice(missing), 0);
}

/**
 * `invoices.write`, inferred without writing anything: the scopes must allow invoice changes
 * and the agent must be an administrator or at least read invoices. Halo offers no safe way
 * to test a write, so a pass says "inferred" and partial evidence says "could not confirm".
 */
export function checkInvoiceWrites(evidence: {
  granted: readonly string[];
  agent?: AgentFacts;
  invoicesRead: CheckResult;
}): CheckResult {
  const { granted, agent, invoicesRead } = evidence;
  if (invoicesRead.step === 'permissions') {
    const message = 'The agent cannot read invoices, so it cannot create or change them either.';
    return failed('invoices.write', message, INVOICE_WRITE, 0);
  }
  if (granted.length > 0 && !allowsInvoiceWrites(granted)) {
    const message =
      "The application's scopes do not allow invoice changes (all:standard or edit:invoices).";
    return failed('invoices.write', message, scopesAdvice(['all:standard']), 0);
  }
  const agentEvidence = agent?.isAdmin
    ? 'the agent is an administrator'
    : invoicesRead.status === 'pass'
      ? 'the agent can read invoices'
      : undefined;
  if (granted.length > 0 && agentEvidence) {
    const message =
      `Inferred, not tested: the scopes allow invoice changes and ${agentEvidence}. ` +
      'Halo has no safe test for a write.';
    return passed('invoices.write', message, 0);
  }
  const gap =
    granted.length === 0 ? 'Halo did not list the granted scopes' : 'invoices could not be read';
  return warned('invoices.write', `Could not confirm invoice changes: ${gap}.`, INVOICE_WRITE, 0);
}

/**
 * `visibility`: a 200 with no customers at all is not proof of access; the agent is most
 * likely limited to some teams or customers.
 */
export function checkVisibility(customersRead: CheckResult, response?: HaloResponse): CheckResult {
  if (customersRead.status !== 'pass' || !response) {
    return skipped('visibility', 'Skipped: customers could not be read.');
  }
  const count = customerCount(response);
  if (count === 0) {
    const message =
      'Halo answered with no customers at all: ' +
      'the agent is probably limited to some teams or customers.';
    return warned('visibility', message, ADVICE.visibility, 0);
  }
  const seen = count === undefined ? 'customers' : `${count} customer${count === 1 ? '' : 's'}`;
  return passed('visibility', `The agent can see ${seen}.`, 0);
}

function customerCount(response: HaloResponse): number | undefined {
  const body = jsonObject(response);
  if (typeof body?.record_count === 'number') return body.record_count;
  if (Array.isArray(body?.clients)) return body.clients.length;
  return Array.isArray(response.json) ? response.json.length : undefined;
}
