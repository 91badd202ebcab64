import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_SCENARIOS, sandboxScenario } from '../../src/sandbox/scenarios.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

const SCOPES = 'all:standard all:teams admin:webhooks';

async function token(name: string, extra: Record<string, string> = {}, query = '') {
  const scenario = sandboxScenario(name);
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: scenario.clientId,
    client_secret: scenario.clientSecret,
    scope: SCOPES,
    ...extra,
  });
  return fetch(`${sandbox.authServer}/token${query}`, { method: 'POST', body });
}

async function accessToken(name: string): Promise<string> {
  return ((await (await token(name)).json()) as { access_token: string }).access_token;
}

const get = (path: string, bearer?: string) =>
  fetch(
    `${sandbox.url}/api${path}`,
    bearer ? { headers: { authorization: `Bearer ${bearer}` } } : {},
  );

describe('sandbox scenarios as data', () => {
  it('gives every scenario its own GUID client id and a two-GUID secret', () => {
    const guid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
    for (const s of SANDBOX_SCENARIOS) {
      expect(s.clientId).toMatch(new RegExp(`^${guid}$`));
      expect(s.clientSecret).toMatch(new RegExp(`^${guid}-${guid}$`));
    }
    expect(new Set(SANDBOX_SCENARIOS.map((s) => s.clientId)).size).toBe(SANDBOX_SCENARIOS.length);
    expect(new Set(SANDBOX_SCENARIOS.map((s) => s.name)).size).toBe(SANDBOX_SCENARIOS.length);
  });
});

describe('sandbox token endpoint', () => {
  it('issues an opaque token with the granted scopes', async () => {
    const response = await token('valid');
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: SCOPES });
    expect(body.access_token).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('leaves out scopes the application does not grant', async () => {
    const body = (await (await token('no-admin-webhooks')).json()) as { scope: string };
    expect(body.scope).toBe('all:standard all:teams');
  });

  it('takes the tenant from the query or the form body', async () => {
    expect((await token('missing-tenant')).status).toBe(500);
    expect((await token('missing-tenant', {}, '?tenant=sandbox')).status).toBe(200);
    expect((await token('missing-tenant', { tenant: 'sandbox' })).status).toBe(200);
    const page = await token('missing-tenant', { tenant: 'other' });
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('<title>Sorry, something went wrong</title>');
  });

  it('answers invalid_client for a wrong secret and an unknown client', async () => {
    expect(await (await token('wrong-secret')).json()).toMatchObject({ error: 'invalid_client' });
    const unknown = await token('unknown-client');
    expect(unknown.status).toBe(401);
  });

  it('answers invalid_scope for a scope Halo does not know', async () => {
    const response = await token('valid', { scope: 'read:actions' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'invalid_scope' });
  });

  it('rate-limits with Retry-After', async () => {
    const response = await token('rate-limited');
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('30');
  });

  it('refuses GET on the token endpoint', async () => {
    expect((await fetch(`${sandbox.authServer}/token`)).status).toBe(405);
  });
});

describe('sandbox resources', () => {
  it('serves Halo shapes', async () => {
    const bearer = await accessToken('valid');
    expect(await (await get('/Agent/me', bearer)).json()).toMatchObject({
      id: 17,
      isapiagent: true,
      is_admin: false,
      isdisabled: false,
    });
    expect(await (await get('/client?count=1', bearer)).json()).toEqual({
      record_count: 3,
      clients: [{ id: 1, name: 'Customer 1' }],
    });
    expect(await (await get('/PurchaseOrder?count=1', bearer)).json()).toMatchObject({
      record_count: 2,
      purchaseorders: [{ id: 1 }],
    });
    expect(await (await get('/Invoice', bearer)).json()).toMatchObject({ record_count: 2 });
    expect(Array.isArray(await (await get('/Webhook', bearer)).json())).toBe(true);
    expect(await (await get('/authinfo')).json()).toEqual({
      auth_url: sandbox.authServer,
      tenant_id: 'sandbox',
    });
  });

  it('answers 401 without a token or a covering scope, 403 without permission', async () => {
    expect((await get('/Client')).status).toBe(401);
    expect((await get('/Webhook', await accessToken('no-admin-webhooks'))).status).toBe(401);
    expect((await get('/Client', await accessToken('no-customers'))).status).toBe(403);
    expect((await get('/Invoice', await accessToken('no-customers'))).status).toBe(200);
    expect((await get('/Nothing', await accessToken('valid'))).status).toBe(404);
  });

  it('revokes and restores a client, issued tokens included', async () => {
    const { clientId } = sandboxScenario('valid');
    const bearer = await accessToken('valid');
    sandbox.revoke(clientId);
    expect((await token('valid')).status).toBe(401);
    expect((await get('/Client', bearer)).status).toBe(401);
    sandbox.restore(clientId);
    expect((await get('/Client', bearer)).status).toBe(200);
  });
});

describe('sandbox request log', () => {
  it('logs method, path, status, client id and connection; never a secret or token', async () => {
    const before = sandbox.requests.length;
    const bearer = await accessToken('valid');
    await get('/Client?count=1', bearer);
    const entries = sandbox.requests.slice(before);
    expect(entries).toMatchObject([
      {
        method: 'POST',
        path: '/auth/token',
        status: 200,
        clientId: sandboxScenario('valid').clientId,
      },
      { method: 'GET', path: '/api/Client?count=1', status: 200 },
    ]);
    for (const entry of entries) {
      expect(entry.endedAt).toBeGreaterThanOrEqual(entry.startedAt);
      expect(entry.connection).toBeGreaterThan(0);
    }
    const text = JSON.stringify(sandbox.requests);
    expect(text).not.toContain(sandboxScenario('valid').clientSecret);
    expect(text).not.toContain(bearer);
  });
});
