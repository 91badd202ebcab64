import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/core/secret.js';
import type { CheckResult } from '../../src/core/report.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { createMemoryLogger } from './support/memory-logger.js';
import { startRawServer, type RawServer } from './support/raw-server.js';
import { createTestVerifier, credentialsFor } from './support/verifier-kit.js';

/** A secret of the real shape that appears nowhere else. */
const CANARY = 'ca9a7e00-c0de-4bad-8bad-00000000c0de-ca9a7e01-c0de-4bad-8bad-00000000c0de';

let sandbox: Sandbox;
let echo: RawServer;

beforeAll(async () => {
  sandbox = await startSandbox();
  // A misbehaving server that echoes the whole token request, secret included, in its errors.
  echo = await startRawServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      res.writeHead(400, { 'content-type': 'application/json' });
      const secret = new URLSearchParams(body).get('client_secret');
      res.end(
        JSON.stringify({ error: 'invalid_client', error_description: `bad secret ${secret}` }),
      );
    });
  });
});
afterAll(async () => {
  await echo.close();
  await sandbox.close();
});

function expectNowhere(value: string, places: string[]) {
  for (const place of places) expect(place).not.toContain(value);
}

describe('the secret and the token stay out of logs and reports', () => {
  it('valid: neither the secret nor any token is logged or reported', async () => {
    const { logger, lines } = createMemoryLogger();
    const { verifier, dispatcher } = createTestVerifier({ logger });
    const credentials = credentialsFor(sandbox, 'valid');
    const checks: CheckResult[] = [];
    const report = await verifier.verify(credentials, { onCheck: (c) => checks.push(c) });
    const token = await verifier.fetchToken(credentials);
    await dispatcher.close();
    expect(report.ok && token.ok).toBe(true);
    const secret = credentials.clientSecret.reveal();
    const everything = [...lines, JSON.stringify(report), JSON.stringify(checks)];
    expectNowhere(secret, everything);
    expectNowhere(secret.slice(0, 36), everything);
    if (token.ok) expectNowhere(token.token.accessToken, lines);
    expectNowhere('Bearer', lines);
    // What is logged: the subsystem, check ids, statuses, the host and timings.
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.every((line) => line.subsystem === 'verifier')).toBe(true);
    expect(parsed.filter((line) => line.check === 'token')).toHaveLength(1);
    expect(parsed.at(-1)).toMatchObject({
      msg: 'verification finished',
      ok: true,
      host: new URL(sandbox.url).host,
    });
  });

  it('a canary secret echoed back by the server is redacted', async () => {
    const { logger, lines } = createMemoryLogger();
    const { verifier, dispatcher } = createTestVerifier({ logger });
    const credentials = credentialsFor(sandbox, 'valid', {
      authServer: `${echo.url}/auth`,
      clientSecret: new Secret(CANARY),
    });
    const report = await verifier.verify(credentials);
    const outcome = await verifier.fetchToken(credentials);
    await dispatcher.close();
    expect(report.checks.find((c) => c.id === 'token')?.message).toBe(
      'Halo rejected the Client ID or Client Secret ' +
        '(HTTP 400: invalid_client: bad secret [redacted]).',
    );
    expectNowhere(CANARY, [...lines, JSON.stringify(report), JSON.stringify(outcome)]);
  });

  it('a canary secret rejected by the sandbox never shows up', async () => {
    const { logger, lines } = createMemoryLogger();
    const { verifier, dispatcher } = createTestVerifier({ logger });
    const credentials = credentialsFor(sandbox, 'wrong-secret', {
      clientSecret: new Secret(CANARY),
    });
    const report = await verifier.verify(credentials);
    await dispatcher.close();
    expect(report.ok).toBe(false);
    expectNowhere(CANARY, [...lines, JSON.stringify(report), JSON.stringify(sandbox.requests)]);
  });
});
