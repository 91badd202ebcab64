import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { connectionSecretAad } from '../../src/core/aad.js';
import { createAesVault } from '../../src/core/aes-vault.js';
import { parseMasterKey } from '../../src/core/key-ring.js';
import { silentLogger } from '../../src/core/logger.js';
import type { ConnectionRecord } from '../../src/core/store.js';
import { startBot, type RunningBot } from '../../src/main.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { sandboxScenario } from '../../src/sandbox/scenarios.js';
import { FileStore } from '../../src/store/file-store.js';
import { dataDirText } from '../store/data-dir-files.js';

const API_TOKEN = 'cloud-depot-test-token-0123456789';
const MASTER_KEY = randomBytes(32).toString('base64');
const valid = sandboxScenario('valid');
const wrong = sandboxScenario('wrong-secret');

let dir: string;
let sandbox: Sandbox;
let bot: RunningBot;
const logLines: string[] = [];

function record(workspaceId: string, clientId: string, secret: string): ConnectionRecord {
  const id = `slack:${workspaceId}`;
  const vault = createAesVault(parseMasterKey(MASTER_KEY));
  const now = new Date().toISOString();
  return {
    id,
    platform: 'slack',
    workspaceId,
    authServer: sandbox.authServer,
    resourceServer: `${sandbox.url}/api`,
    clientId,
    secret: vault.seal(secret, connectionSecretAad(id)),
    connectedBy: 'U1',
    connectedAt: now,
    rotatedAt: now,
    rotatedBy: 'U1',
    rotationDueAt: new Date(Date.now() + 86_400_000).toISOString(),
    // Verified just now, so the scheduler's re-verification leaves these alone.
    lastVerifiedAt: now,
    health: 'ok',
    version: 0,
  };
}

async function token(body: unknown, authorization?: string): Promise<Response> {
  return fetch(`${bot.url}/v1/halo/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(authorization ? { authorization } : {}),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'halo-connect-token-'));
  sandbox = await startSandbox();
  const seed = new FileStore({ dataDir: dir, logger: silentLogger });
  await seed.init();
  await seed.putConnection(record('TOK', valid.clientId, valid.clientSecret), 0);
  await seed.putConnection(record('BAD', wrong.clientId, wrong.clientSecret), 0);
  await seed.close();
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dir,
    MASTER_KEY,
    CLOUD_DEPOT_API_TOKEN: API_TOKEN,
    HALO_ALLOW_PRIVATE_NETWORK: 'true',
    SCHEDULER_INTERVAL: 'PT1H',
  });
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  bot = await startBot(config, { logDestination: sink });
});

afterAll(async () => {
  await bot?.close();
  await sandbox?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('POST /v1/halo/token', () => {
  it('gives an authorised caller a fresh Halo token, then serves it from the cache', async () => {
    const tokenRequests = () =>
      sandbox.requests.filter(
        (r) => r.path.startsWith('/auth/token') && r.clientId === valid.clientId,
      ).length;
    const before = tokenRequests();
    const first = await token({ platform: 'slack', workspace: 'TOK' }, `Bearer ${API_TOKEN}`);
    expect(first.status).toBe(200);
    const body = (await first.json()) as Record<string, string>;
    expect(Object.keys(body).sort()).toEqual(
      ['access_token', 'expires_at', 'resource_server', 'scope', 'token_type'].sort(),
    );
    expect(body.resource_server).toBe(`${sandbox.url}/api`);
    expect(Date.parse(body.expires_at!)).toBeGreaterThan(Date.now());
    const second = await token({ platform: 'slack', workspace: 'TOK' }, `Bearer ${API_TOKEN}`);
    expect(((await second.json()) as Record<string, string>).access_token).toBe(body.access_token);
    expect(tokenRequests() - before).toBe(1);
    expect(JSON.stringify(body)).not.toContain(valid.clientSecret);
  });

  it.each([
    ['no bearer token', undefined],
    ['a wrong bearer token', `Bearer ${API_TOKEN}x`],
    ['a bearer token of another length', 'Bearer short'],
    ['another scheme', `Basic ${API_TOKEN}`],
  ])('refuses %s with 401', async (_name, authorization) => {
    const res = await token({ platform: 'slack', workspace: 'TOK' }, authorization);
    expect(res.status).toBe(401);
  });

  it('answers 404 for a workspace with no connection', async () => {
    const res = await token({ platform: 'teams', workspace: 'TOK' }, `Bearer ${API_TOKEN}`);
    expect(res.status).toBe(404);
  });

  it('answers 400 for a body that is not the documented JSON', async () => {
    for (const body of ['{"platform":"irc","workspace":"T"}', '{not json', '[]']) {
      const res = await token(body, `Bearer ${API_TOKEN}`);
      expect(res.status).toBe(400);
      expect(await res.text()).not.toMatch(/at .*\.js|<html/i);
    }
  });

  it('answers 502 with the failing check when Halo refuses the stored credentials', async () => {
    const res = await token({ platform: 'slack', workspace: 'BAD' }, `Bearer ${API_TOKEN}`);
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: string; check: { id: string; step: string } };
    expect(body.error).toBe('halo_refused');
    expect(body.check).toMatchObject({ id: 'token', step: 'application' });
  });

  it('audits every call and never writes a secret to the log or the data file', async () => {
    await bot.close();
    const store = new FileStore({ dataDir: dir, logger: silentLogger, readOnly: true });
    await store.init();
    const audit = await store.listAudit({ limit: 100 });
    await store.close();
    const tokenEvents = audit.filter((e) => e.action === 'token');
    expect(tokenEvents.map((e) => e.outcome).sort()).toEqual(['failed', 'ok', 'ok']);
    expect(tokenEvents.every((e) => e.actor === 'cloud-depot')).toBe(true);
    // Every file in DATA_DIR: the snapshot and the journal.
    const everything = [logLines.join('\n'), await dataDirText(dir)];
    for (const text of everything) {
      for (const secret of [valid.clientSecret, wrong.clientSecret, API_TOKEN]) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(secret.slice(0, 36));
      }
    }
  });
});
