import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstFailure, type CheckResult } from '../../src/core/report.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { startRawServer, type RawServer } from './support/raw-server.js';
import { createTestVerifier, credentialsFor } from './support/verifier-kit.js';

const byId = (checks: CheckResult[], id: string) => checks.find((c) => c.id === id);

describe('round trips', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    // Latency keeps each answer open long enough for concurrent requests to show as overlapping.
    sandbox = await startSandbox({ latencyMs: 200 });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('valid: exactly one token request, then every probe at once', async () => {
    const { verifier, dispatcher } = createTestVerifier();
    const report = await verifier.verify(credentialsFor(sandbox, 'valid'));
    await dispatcher.close();
    expect(report.ok).toBe(true);

    const [token, ...probes] = sandbox.requests;
    expect(token).toMatchObject({ method: 'POST', path: '/auth/token', status: 200 });
    expect(probes.map((p) => p.path).sort()).toEqual([
      '/api/Agent/me',
      '/api/Client?count=1',
      '/api/Invoice?count=1',
      '/api/PurchaseOrder?count=1',
      '/api/Webhook',
    ]);
    // Sequence: every probe starts after the token answer; together: all five overlap.
    expect(Math.min(...probes.map((p) => p.startedAt))).toBeGreaterThanOrEqual(token!.endedAt!);
    expect(Math.max(...probes.map((p) => p.startedAt))).toBeLessThan(
      Math.min(...probes.map((p) => p.endedAt!)),
    );
    // Kept alive: one probe rides the token request's connection.
    expect(probes.filter((p) => p.connection === token!.connection)).toHaveLength(1);
  });
});

describe('deadlines', () => {
  let sandbox: Sandbox;
  let halo: RawServer;
  beforeAll(async () => {
    sandbox = await startSandbox();
    halo = await startRawServer((req, res) => {
      if (req.url?.startsWith('/hang/')) return;
      if (req.url === '/probes-hang/auth/token') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            access_token: 'opaque',
            expires_in: 3600,
            scope: 'all:standard all:teams admin:webhooks',
          }),
        );
      }
    });
  });
  afterAll(async () => {
    await halo.close();
    await sandbox.close();
  });

  it('a Halo that never sends headers fails within the deadline', async () => {
    const { verifier, dispatcher } = createTestVerifier({ deadlineMs: 300 });
    const report = await verifier.verify(
      credentialsFor(sandbox, 'valid', { authServer: `${halo.url}/hang/auth` }),
    );
    await dispatcher.close();
    expect(report.ms).toBeLessThan(2000);
    expect(firstFailure(report)).toMatchObject({
      id: 'reachable',
      message: 'Stopped: the verification reached its 0.3 s limit before Halo answered.',
    });
    expect(byId(report.checks, 'token')).toMatchObject({
      status: 'skipped',
      message: 'Skipped: the verification stopped before Halo answered.',
    });
  });

  it('the slow scenario is cut off at the deadline', async () => {
    const { verifier, dispatcher } = createTestVerifier({ deadlineMs: 300 });
    const report = await verifier.verify(credentialsFor(sandbox, 'slow'));
    await dispatcher.close();
    expect(report.ok).toBe(false);
    expect(report.ms).toBeLessThan(1400);
  });

  it('a per-request timeout shorter than the deadline fails reachable', async () => {
    const { verifier, dispatcher } = createTestVerifier({
      deadlineMs: 5000,
      requestTimeoutMs: 200,
    });
    const report = await verifier.verify(
      credentialsFor(sandbox, 'valid', { authServer: `${halo.url}/hang/auth` }),
    );
    await dispatcher.close();
    expect(firstFailure(report)).toMatchObject({
      id: 'reachable',
      message: 'No answer from 127.0.0.1 within 0.2 s.',
      step: 'application',
    });
  });

  it('probes cut off by the deadline fail, and what depends on them is skipped', async () => {
    const { verifier, dispatcher } = createTestVerifier({ deadlineMs: 300 });
    const report = await verifier.verify(
      credentialsFor(sandbox, 'valid', { authServer: `${halo.url}/probes-hang/auth` }),
    );
    await dispatcher.close();
    const statuses = Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
    expect(statuses).toEqual({
      input: 'pass',
      reachable: 'pass',
      token: 'pass',
      scopes: 'pass',
      agent: 'fail',
      'customers.read': 'fail',
      'purchaseOrders.read': 'fail',
      'invoices.read': 'fail',
      'invoices.write': 'skipped',
      webhooks: 'fail',
      visibility: 'skipped',
    });
    expect(byId(report.checks, 'agent')?.message).toMatch(/^Stopped: .*0\.3 s limit/);
    expect(byId(report.checks, 'visibility')?.message).toBe(
      'Skipped: the verification stopped before this was known.',
    );
  });

  it("stops when the caller's signal aborts", async () => {
    const { verifier, dispatcher } = createTestVerifier({ deadlineMs: 5000 });
    const controller = new AbortController();
    const pending = verifier.verify(
      credentialsFor(sandbox, 'valid', { authServer: `${halo.url}/hang/auth` }),
      { signal: controller.signal },
    );
    controller.abort();
    const report = await pending;
    await dispatcher.close();
    expect(firstFailure(report)?.message).toBe(
      'Stopped: the verification was cancelled before Halo answered.',
    );
  });
});

describe('odd answers from the token endpoint', () => {
  let halo: RawServer;
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox();
    halo = await startRawServer((req, res) => {
      if (req.url === '/redirect/auth/token') {
        res.writeHead(302, { location: '/elsewhere' });
        res.end();
      } else if (req.url === '/huge/auth/token') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(Buffer.alloc(2 * 1024 * 1024, ' '));
      } else if (req.url === '/token-only/auth/token') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"access_token":"opaque","expires_in":3600,"scope":"all"}');
      } else {
        res.writeHead(404, { 'content-type': 'text/html' });
        res.end('<html><head><title>404 - File or directory not found.</title></head></html>');
      }
    });
  });
  afterAll(async () => {
    await halo.close();
    await sandbox.close();
  });

  const verifyAt = async (path: string) => {
    const { verifier, dispatcher } = createTestVerifier();
    const report = await verifier.verify(
      credentialsFor(sandbox, 'valid', { authServer: `${halo.url}${path}` }),
    );
    await dispatcher.close();
    return report;
  };

  it('a redirect is reported, not followed', async () => {
    const report = await verifyAt('/redirect/auth');
    expect(firstFailure(report)).toMatchObject({ id: 'token', step: 'application' });
    expect(firstFailure(report)?.message).toMatch(
      /^There is no token endpoint at this address \(HTTP 302\)/,
    );
    expect(halo.hits.get('/elsewhere')).toBeUndefined();
  });

  it('a 404 page says the Authorisation Server is wrong, in one sentence', async () => {
    const failure = firstFailure(await verifyAt('/wrong/auth'));
    expect(failure).toMatchObject({ id: 'token', step: 'application' });
    expect(failure?.message).toBe(
      'There is no token endpoint at this address (HTTP 404: 404 - File or directory not ' +
        'found.): the Authorisation Server is not the right one.',
    );
  });

  it('an oversized answer is cut off', async () => {
    const report = await verifyAt('/huge/auth');
    expect(byId(report.checks, 'reachable')?.status).toBe('pass');
    expect(firstFailure(report)?.id).toBe('token');
    expect(firstFailure(report)?.message).toMatch(/larger than 1048576 bytes/);
  });

  it('probes that find no API point to the API address', async () => {
    const report = await verifyAt('/token-only/auth');
    expect(byId(report.checks, 'scopes')).toMatchObject({ status: 'fail', step: 'scopes' });
    expect(byId(report.checks, 'customers.read')).toMatchObject({
      status: 'fail',
      step: 'application',
      message:
        `Halo's API did not answer at ${halo.url}/api/Client ` +
        '(HTTP 404: 404 - File or directory not found.).',
    });
  });
});
