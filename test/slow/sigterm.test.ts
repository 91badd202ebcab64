import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SUBMIT_CREDENTIALS } from '../../src/bots/teams/credentials-dialog.js';
import { connectionSecretAad } from '../../src/core/aad.js';
import { createAesVault } from '../../src/core/aes-vault.js';
import { parseMasterKey } from '../../src/core/key-ring.js';
import { encodeFormState } from '../../src/core/messages.js';
import { silentLogger } from '../../src/core/logger.js';
import type { AuditEvent, ConnectionRecord } from '../../src/core/store.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { LOCK_NAME } from '../../src/store/data-dir-lock.js';
import { FileStore } from '../../src/store/file-store.js';
import { spawnBot, type BotProcess } from '../e2e/process.js';
import {
  CANARY_SCENARIOS,
  CANARY_SECRET,
  canaryScenario,
  expectNoCanary,
} from '../hardening/canary.js';
import { taskSubmit, TENANT_ID, USERS } from '../teams/activities.js';
import { FakeConnector } from '../teams/fake-connector.js';
import { dataDirText } from '../store/data-dir-files.js';

/**
 * SIGTERM while a verification is running, to the real process (Teams local mode): the
 * process exits 0 within 10 s, having released DATA_DIR, and the data files hold the
 * connection whole or not at all: they load, no temporary file is left, and a stored secret
 * opens with the key.
 */

const MASTER_KEY = randomBytes(32).toString('base64');
const EXIT_WITHIN_MS = 10_000;
const slow = canaryScenario('slow');
const ID = `teams:${TENANT_ID}`;

let sandbox: Sandbox;
let silent: http.Server;
let silentUrl: string;
let connector: FakeConnector;
let dataDir: string;
let bot: BotProcess | undefined;

beforeAll(async () => {
  sandbox = await startSandbox({ extraScenarios: CANARY_SCENARIOS });
  // A Halo that accepts the request and never answers.
  silent = http.createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
});

afterAll(async () => {
  silent.closeAllConnections();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
  await sandbox.close();
});

afterEach(async () => {
  if (bot && bot.child.exitCode === null) bot.child.kill('SIGKILL');
  await connector?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Starts the bot, submits the slow canary credentials against `authServer`, and answers. */
async function submitAndWait(authServer: string, started: () => boolean) {
  dataDir = await mkdtemp(join(tmpdir(), 'halo-sigterm-'));
  connector = await FakeConnector.start();
  connector.members.set(USERS.admin.id, USERS.admin);
  bot = spawnBot({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    MASTER_KEY,
    TEAMS_LOCAL: 'true',
    HALO_ALLOW_PRIVATE_NETWORK: 'true',
    SCHEDULER_INTERVAL: 'PT1H',
  });
  const url = await bot.url();
  const activity = taskSubmit(
    {
      action: SUBMIT_CREDENTIALS,
      value: encodeFormState({ mode: 'connect', prefill: {} }),
      authServer,
      clientId: slow.clientId,
      clientSecret: CANARY_SECRET,
    },
    { serviceUrl: connector.url, conversation: 'channel' },
  );
  const answer = await fetch(`${url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(activity),
  });
  const text = await answer.text();
  expect(answer.status).toBe(200);
  expect(text).toContain('Verifying');
  await connector.waitFor(() => started(), 10_000);
  return text;
}

/** Sends SIGTERM; answers the exit code and how long the process took to go. */
async function terminate(): Promise<{ code: number | null; ms: number }> {
  const sent = performance.now();
  bot!.child.kill('SIGTERM');
  const code = await bot!.exit;
  return { code, ms: performance.now() - sent };
}

/**
 * The data files (snapshot and journal) as a whole: they load, nothing half-written lies
 * next to them. `raw` is every file in DATA_DIR, for the canary search.
 */
async function dataFile(): Promise<{
  raw: string;
  connections: ConnectionRecord[];
  audit: AuditEvent[];
}> {
  const names = await readdir(dataDir);
  expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
  expect(names).not.toContain(LOCK_NAME);
  const store = new FileStore({ dataDir, logger: silentLogger, readOnly: true });
  await store.init();
  const connections = await store.listConnections();
  const audit = await store.listAudit({});
  await store.close();
  return { raw: await dataDirText(dataDir), connections, audit };
}

describe('SIGTERM during a verification', () => {
  it('of a slow Halo: exits 0 in time, the connection whole or not at all', async () => {
    const tokens = () => sandbox.requests.filter((r) => r.clientId === slow.clientId).length;
    const before = tokens();
    const answer = await submitAndWait(sandbox.authServer, () => tokens() > before);
    const { code, ms } = await terminate();
    expect(code).toBe(0);
    expect(ms).toBeLessThan(EXIT_WITHIN_MS);
    const { raw, connections } = await dataFile();
    // The grace period outlasts this verification: it finishes, and is stored whole.
    expect(connections.map((r) => r.id)).toEqual([ID]);
    const vault = createAesVault(parseMasterKey(MASTER_KEY));
    expect(vault.open(connections[0]!.secret, connectionSecretAad(ID))).toBe(CANARY_SECRET);
    expectNoCanary({
      'process output': `${bot!.lines.join('\n')}\n${bot!.stderr()}`,
      'DATA_DIR files': raw,
      'Teams calls': connector.calls.map((c) => c.raw).join('\n') || '(none)',
      answer,
    });
  });

  it('of a Halo that never answers: exits 0 in time, and stores nothing', async () => {
    let arrived = false;
    silent.once('request', () => (arrived = true));
    const answer = await submitAndWait(`${silentUrl}/auth`, () => arrived);
    const { code, ms } = await terminate();
    expect(code).toBe(0);
    expect(ms).toBeLessThan(EXIT_WITHIN_MS);
    const { raw, connections, audit } = await dataFile();
    // Cut off at the end of the grace period: a failed check, audited, nothing stored.
    expect(connections).toEqual([]);
    expect(audit).toContainEqual(expect.objectContaining({ action: 'connect', outcome: 'failed' }));
    expect(bot!.lines.join('\n')).toContain('verifications still running at the end');
    expectNoCanary({
      'process output': `${bot!.lines.join('\n')}\n${bot!.stderr()}`,
      'DATA_DIR files': raw,
      answer,
    });
  });
});
