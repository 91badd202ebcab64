import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StepId } from '../../src/core/guide.js';
import { CHECK_IDS, firstFailure, type CheckId, type CheckResult } from '../../src/core/report.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { createTestVerifier, credentialsFor, FIXED_CLOCK } from './support/verifier-kit.js';

let sandbox: Sandbox;
const { verifier, dispatcher } = createTestVerifier({ deadlineMs: 5000 });

beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await dispatcher.close();
  await sandbox.close();
});

const verify = (name: string, tenant?: string) =>
  verifier.verify(credentialsFor(sandbox, name, tenant ? { tenant } : {}));

const byId = (checks: CheckResult[], id: CheckId) => checks.find((c) => c.id === id);

describe('verifier against the sandbox', () => {
  it('valid: every check passes, in the report order, each timed', async () => {
    const seen: CheckId[] = [];
    const report = await verifier.verify(credentialsFor(sandbox, 'valid'), {
      onCheck: (check) => seen.push(check.id),
    });
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => [c.id, c.status])).toEqual(CHECK_IDS.map((id) => [id, 'pass']));
    expect(report.checks.every((c) => Number.isInteger(c.ms) && c.ms >= 0)).toBe(true);
    expect([...seen].sort()).toEqual([...CHECK_IDS].sort());
    expect(report.startedAt).toBe(FIXED_CLOCK.now().toISOString());
    expect(report.resourceServer).toBe(`${sandbox.url}/api`);
    expect(report.grantedScopes).toEqual(['all:standard', 'all:teams', 'admin:webhooks']);
    expect(report.agent).toEqual({
      id: 17,
      name: 'Cloud Depot API',
      isApiAgent: true,
      isAdmin: false,
      isDisabled: false,
    });
    expect(byId(report.checks, 'invoices.write')?.message).toMatch(/^Inferred, not tested/);
  });

  it.each<[string, CheckId, 'fail' | 'warn', StepId, RegExp]>([
    ['wrong-secret', 'token', 'fail', 'application', /Client ID and Secret \(Services\)/],
    ['unknown-client', 'token', 'fail', 'application', /tick Active.*copy the Client ID again/],
    ['missing-tenant', 'token', 'fail', 'application', /Tenant field.*Login Type to Agent/],
    ['no-all-standard', 'scopes', 'fail', 'scopes', /Permissions, tick all:standard/],
    ['no-all-teams', 'scopes', 'fail', 'scopes', /Permissions, tick all:teams/],
    ['no-admin-webhooks', 'scopes', 'fail', 'scopes', /Permissions, tick admin:webhooks/],
    ['scope-rejected', 'token', 'fail', 'scopes', /tick all:standard, all:teams, admin:webhooks/],
    ['agent-disabled', 'agent', 'fail', 'agent', /make it active again/],
    ['no-login-agent', 'agent', 'fail', 'application', /Login Type to Agent/],
    ['no-customers', 'customers.read', 'fail', 'permissions', /set Customers to Read Only/],
    [
      'no-purchase-orders',
      'purchaseOrders.read',
      'fail',
      'permissions',
      /set Purchase Orders to Read Only/,
    ],
    ['no-invoices', 'invoices.read', 'fail', 'permissions', /Invoices to Read, Create and Modify/],
    ['rate-limited', 'token', 'fail', 'credentials', /Wait 30 s, then verify again/],
  ])('%s: %s fails at step %s', async (name, id, status, step, fix) => {
    const report = await verify(name);
    expect(report.ok).toBe(false);
    expect(firstFailure(report)?.id).toBe(id);
    expect(byId(report.checks, id)).toMatchObject({
      status,
      step,
      fix: expect.stringMatching(fix),
    });
  });

  it.each<[string, CheckId, StepId, RegExp]>([
    ['agent-not-api-only', 'agent', 'agent', /Is an API-only Agent ticked/],
    ['no-visibility', 'visibility', 'agent', /allow it to see all customers/],
  ])('%s: a warning on %s, step %s, and the report still passes', async (name, id, step, fix) => {
    const report = await verify(name);
    expect(report.ok).toBe(true);
    expect(report.checks.filter((c) => c.status !== 'pass').map((c) => c.id)).toEqual([id]);
    expect(byId(report.checks, id)).toMatchObject({
      status: 'warn',
      step,
      fix: expect.stringMatching(fix),
    });
  });

  it('missing-tenant passes once the tenant is given', async () => {
    expect((await verify('missing-tenant', 'sandbox')).ok).toBe(true);
  });

  it('missing-tenant says why in one sentence, not the page', async () => {
    const token = byId((await verify('missing-tenant')).checks, 'token');
    expect(token?.message).toBe(
      'Halo answered with an error page (HTTP 500: Sorry, something went wrong): usually the ' +
        'Tenant is missing or wrong, or the application has no login agent.',
    );
  });

  it('rate-limited carries Retry-After', async () => {
    const token = byId((await verify('rate-limited')).checks, 'token');
    expect(token?.retryAfterSeconds).toBe(30);
  });

  it('skips what depends on a failed token, saying why', async () => {
    const report = await verify('wrong-secret');
    const skipped = report.checks.filter((c) => c.status === 'skipped');
    expect(skipped.map((c) => c.id)).toEqual(CHECK_IDS.slice(3));
    expect(new Set(skipped.map((c) => c.message))).toEqual(
      new Set(['Skipped: Halo issued no token, so this could not be checked.']),
    );
  });

  it('no-invoices: invoice writes fail too, and nothing else does', async () => {
    const report = await verify('no-invoices');
    expect(report.checks.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual([
      'invoices.read',
      'invoices.write',
    ]);
  });

  it('no-admin-webhooks: the webhooks probe points to the same scope', async () => {
    const webhooks = byId((await verify('no-admin-webhooks')).checks, 'webhooks');
    expect(webhooks).toMatchObject({ status: 'fail', step: 'scopes' });
    expect(webhooks?.fix).toMatch(/admin:webhooks/);
  });

  it('a revoked client fails until it is restored', async () => {
    const { clientId } = credentialsFor(sandbox, 'valid');
    sandbox.revoke(clientId);
    const revoked = await verify('valid');
    sandbox.restore(clientId);
    expect(firstFailure(revoked)).toMatchObject({ id: 'token', step: 'application' });
    expect((await verify('valid')).ok).toBe(true);
  });

  it('fetchToken: one token request, expiry from expires_in', async () => {
    const before = sandbox.requests.length;
    const outcome = await verifier.fetchToken(credentialsFor(sandbox, 'valid'));
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.token.expiresAt.getTime() - FIXED_CLOCK.now().getTime()).toBe(3600_000);
    expect(outcome.token).toMatchObject({
      tokenType: 'Bearer',
      scope: 'all:standard all:teams admin:webhooks',
      resourceServer: `${sandbox.url}/api`,
    });
    expect(sandbox.requests.slice(before).map((r) => r.path)).toEqual(['/auth/token']);
  });

  it('fetchToken: a refusal comes back as the failing check', async () => {
    const outcome = await verifier.fetchToken(credentialsFor(sandbox, 'wrong-secret'));
    expect(outcome).toMatchObject({ ok: false, check: { id: 'token', step: 'application' } });
  });

  it('an unreachable Authorisation Server fails reachable and skips the rest', async () => {
    const report = await verifier.verify(
      credentialsFor(sandbox, 'valid', { authServer: 'http://127.0.0.1:9/auth' }),
    );
    expect(firstFailure(report)).toMatchObject({ id: 'reachable', step: 'application' });
    expect(byId(report.checks, 'token')?.message).toBe(
      'Skipped: Halo could not be reached, so this could not be checked.',
    );
  });
});
