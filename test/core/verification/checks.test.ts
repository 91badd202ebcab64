import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../../src/core/report.js';
import {
  checkInvoiceWrites,
  checkScopes,
  checkVisibility,
} from '../../../src/core/verification/derived-checks.js';
import { parseRetryAfter } from '../../../src/core/verification/retry-after.js';
import { missingScopes, parseScopes } from '../../../src/core/verification/scopes.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const check = (status: CheckResult['status'], step?: CheckResult['step']): CheckResult => ({
  id: 'invoices.read',
  status,
  message: '',
  ms: 0,
  ...(step ? { step } : {}),
});

describe('scopes', () => {
  it.each([
    ['all:standard all:teams admin:webhooks', []],
    ['all admin:webhooks', []],
    ['all,admin', []],
    ['all', ['admin:webhooks']],
    ['all:standard', ['all:teams', 'admin:webhooks']],
    ['read:customers edit:invoices', ['all:standard', 'all:teams', 'admin:webhooks']],
  ])('%s is missing %j', (scope, missing) => {
    expect(missingScopes(parseScopes(scope))).toEqual(missing);
  });

  it('warns when Halo lists no scopes at all', () => {
    expect(checkScopes([])).toMatchObject({ status: 'warn', step: 'scopes' });
  });
});

describe('invoices.write is inferred, never tested', () => {
  const standard = ['all:standard', 'all:teams', 'admin:webhooks'];
  it.each<[string, Parameters<typeof checkInvoiceWrites>[0], string, RegExp]>([
    [
      'scope and read access',
      { granted: standard, invoicesRead: check('pass') },
      'pass',
      /^Inferred, not tested: .*can read invoices/,
    ],
    [
      'scope and an admin agent',
      { granted: ['all'], agent: { isAdmin: true }, invoicesRead: check('fail', 'credentials') },
      'pass',
      /is an administrator/,
    ],
    [
      'edit:invoices is enough scope',
      { granted: ['edit:invoices'], invoicesRead: check('pass') },
      'pass',
      /^Inferred/,
    ],
    [
      'no read access',
      { granted: standard, invoicesRead: check('fail', 'permissions') },
      'fail',
      /cannot read invoices/,
    ],
    [
      'read-only scopes',
      { granted: ['read:invoices', 'all:teams'], invoicesRead: check('pass') },
      'fail',
      /do not allow invoice changes/,
    ],
    ['no scope list', { granted: [], invoicesRead: check('pass') }, 'warn', /^Could not confirm/],
    [
      'reads failed for another reason',
      { granted: standard, invoicesRead: check('fail', 'credentials') },
      'warn',
      /^Could not confirm/,
    ],
  ])('%s', (_name, evidence, status, message) => {
    const result = checkInvoiceWrites(evidence);
    expect(result.status).toBe(status);
    expect(result.message).toMatch(message);
  });
});

describe('visibility', () => {
  const ok = { ...check('pass'), id: 'customers.read' as const };
  it('warns on an empty list', () => {
    const response = { status: 200, headers: {}, text: '', json: { record_count: 0, clients: [] } };
    expect(checkVisibility(ok, response)).toMatchObject({ status: 'warn', step: 'agent' });
  });
  it('passes with customers', () => {
    const response = {
      status: 200,
      headers: {},
      text: '',
      json: { record_count: 12, clients: [{}] },
    };
    expect(checkVisibility(ok, response).message).toBe('The agent can see 12 customers.');
  });
  it('is skipped when customers could not be read', () => {
    expect(checkVisibility(check('fail', 'permissions')).status).toBe('skipped');
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['30', 30],
    [undefined, 60],
    ['soon', 60],
    ['0', 1],
    ['Sun, 01 Mar 2026 12:02:00 GMT', 120],
  ])('%s → %i s', (header, seconds) => {
    expect(parseRetryAfter(header, NOW)).toBe(seconds);
  });
});
