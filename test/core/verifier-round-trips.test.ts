import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import {
  createHaloDispatcher,
  HaloDispatcher,
  type PreconnectOutcome,
  type ResolveHost,
} from '../../src/core/net/index.js';
import { firstFailure, type CheckResult } from '../../src/core/report.js';
import { createVerifier } from '../../src/core/verifier.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { startCanaryListener } from './support/canary-listener.js';
import { startRawServer, type RawServer } from './support/raw-server.js';
import { startSilentListener } from './support/silent-listener.js';
import { createTestVerifier, credentialsFor, FIXED_CLOCK } from './support/verifier-kit.js';

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

  it("cold: the probes ride connections opened during the token request's round trip", async () => {
    const { verifier, dispatcher } = createTestVerifier();
    const [requestsBefore, connectionsBefore] = [sandbox.requests.length, sandbox.connections()];
    const started = performance.now();
    const report = await verifier.verify(credentialsFor(sandbox, 'valid'));
    expect(report.ok).toBe(true);

    const requests = sandbox.requests.slice(requestsBefore);
    const [token, ...probes] = requests;
    // Still exactly one token request, then the five probes: no extra HTTP request.
    expect(requests.filter((r) => r.path.startsWith('/auth/'))).toHaveLength(1);
    expect(token).toMatchObject({ method: 'POST', path: '/auth/token', status: 200 });
    expect(probes).toHaveLength(5);
    expect(probes.every((p) => p.method === 'GET' && p.path.startsWith('/api/'))).toBe(true);
    // Five connections in all and no spare: the token's, which one probe reuses, and four
    // opened while the token request was in flight, one for each other probe.
    expect(sandbox.connections() - connectionsBefore).toBe(5);
    expect(new Set(probes.map((p) => p.connection)).size).toBe(5);
    expect(probes.filter((p) => p.connection === token!.connection)).toHaveLength(1);
    for (const probe of probes) {
      expect(probe.connectedAt).toBeGreaterThanOrEqual(started);
      expect(probe.connectedAt).toBeLessThan(token!.endedAt!);
      expect(probe.startedAt).toBeGreaterThanOrEqual(token!.endedAt!);
    }

    // Warm: a second verification finds five idle connections and opens none.
    const again = await verifier.verify(credentialsFor(sandbox, 'valid'));
    expect(again.ok).toBe(true);
    expect(sandbox.requests.length - requestsBefore).toBe(12);
    expect(sandbox.connections() - connectionsBefore).toBe(5);
    await dispatcher.close();
  });

  it('a failing or never-settling pre-connect does not fail or hold the verification', async () => {
    class Broken extends HaloDispatcher {
      override preconnect(): Promise<PreconnectOutcome> {
        return Promise.reject(new Error('broken pre-connect'));
      }
    }
    class Stuck extends HaloDispatcher {
      override preconnect(): Promise<PreconnectOutcome> {
        return new Promise(() => undefined);
      }
    }
    for (const dispatcher of [
      new Broken({ allowPrivateNetwork: true }),
      new Stuck({ allowPrivateNetwork: true }),
    ]) {
      const verifier = createVerifier({ dispatcher, logger: silentLogger, clock: FIXED_CLOCK });
      const report = await verifier.verify(credentialsFor(sandbox, 'valid'));
      await dispatcher.close();
      expect(report.ok).toBe(true);
      // Without the pre-connect, two round trips of 200 ms each, and no more.
      expect(report.ms).toBeLessThan(1000);
    }
  });
});

describe('pre-connect when the verification ends at the token', () => {
  it('closes the connections opened for the probes as soon as the report is out', async () => {
    const sockets = new Set<Socket>();
    const halo = http.createServer((_req, res) => {
      // Halo's answer to a wrong secret, after a moment so the pre-connections are up.
      setTimeout(() => {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end('{"error":"invalid_client"}');
      }, 50);
    });
    halo.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => halo.listen(0, '127.0.0.1', resolve));
    const { port } = halo.address() as AddressInfo;
    const sandbox = await startSandbox();
    const { verifier, dispatcher } = createTestVerifier();
    const authServer = `http://127.0.0.1:${port}/auth`;
    const report = await verifier.verify(credentialsFor(sandbox, 'valid', { authServer }));
    expect(firstFailure(report)?.id).toBe('token');
    // The token's kept-alive connection stays for the next request; the four opened ahead
    // for the probes do not wait for the idle timeout.
    await expect.poll(() => sockets.size, { timeout: 500 }).toBe(1);
    await dispatcher.close();
    halo.closeAllConnections();
    await new Promise<void>((resolve) => halo.close(() => resolve()));
    await sandbox.close();
  });
});

describe('pre-connect and the address guard', () => {
  it('a Halo name that resolves to a refused address gets no connection at all', async () => {
    const canary = await startCanaryListener();
    const lookups: string[] = [];
    const lookup: ResolveHost = async (host) => {
      lookups.push(host);
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const dispatcher = createHaloDispatcher({ allowPrivateNetwork: false, lookup });
    const verifier = createVerifier({ dispatcher, logger: silentLogger, clock: FIXED_CLOCK });
    const sandbox = await startSandbox();
    const authServer = `https://halo.example.test:${canary.port}/auth`;
    const report = await verifier.verify(credentialsFor(sandbox, 'valid', { authServer }));
    await dispatcher.close();
    await sandbox.close();
    await canary.close();
    expect(firstFailure(report)).toMatchObject({ id: 'reachable' });
    // The token request and the four pre-connections were each resolved and refused.
    expect(lookups).toHaveLength(5);
    expect(canary.count()).toBe(0);
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

  it('connections opened ahead are closed at the deadline', async () => {
    // TLS to a listener that never answers: the token's handshake and the four ahead stall.
    const silent = await startSilentListener();
    const { verifier, dispatcher } = createTestVerifier({ deadlineMs: 300 });
    const authServer = `https://127.0.0.1:${silent.port}/auth`;
    const report = await verifier.verify(credentialsFor(sandbox, 'valid', { authServer }));
    expect(report.ms).toBeLessThan(1000);
    expect(firstFailure(report)).toMatchObject({ id: 'reachable' });
    expect(silent.accepted()).toBe(5);
    // Only the token request's own handshake may stay, until the connect timeout.
    await expect.poll(() => silent.open(), { timeout: 500 }).toBeLessThanOrEqual(1);
    await dispatcher.destroy();
    await silent.close();
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
