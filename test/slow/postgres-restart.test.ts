import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeModalMetadata } from '../../src/bots/slack/modal-metadata.js';
import { loadConfig } from '../../src/config.js';
import { startBot, type RunningBot } from '../../src/main.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import {
  CANARY_SCENARIOS,
  CANARY_SECRET,
  canaryScenario,
  expectNoCanary,
} from '../hardening/canary.js';
import { FakeSlackApi } from '../slack/fake-slack-api.js';
import type { ModalJson } from '../slack/flow.js';
import { BOT_TOKEN, SIGNING_SECRET } from '../slack/harness.js';
import {
  ADMIN,
  CHANNEL,
  credentialsSubmission,
  encodeInteraction,
  signatureHeaders,
} from '../slack/payloads.js';
import {
  adminQuery,
  DATABASE_URL,
  dropSchemas,
  dumpSchema,
  newSchema,
  postgresSuite,
} from '../store/pg-env.js';
import { startProxy } from '../store/pg-proxy.js';

/**
 * PostgreSQL goes away under a running bot and comes back: a TCP proxy between them is cut,
 * then restored, while people keep connecting workspaces. `/readyz` turns red and then green
 * again by itself, and every connection the bot reported as stored is in the database.
 *
 * The machine's PostgreSQL keeps running (other suites use it); only the proxy is cut.
 */

const suite = await postgresSuite();
const canary = canaryScenario('valid');
const WRITERS = 3;

interface Outcome {
  team: string;
  /** The ack's HTTP status. */
  status: number;
  /** The final report's title, for an acknowledged submission, and all it says. */
  title?: string;
  text?: string;
  phase: 'before' | 'outage' | 'after';
}

describe.skipIf(suite.skip)(`${suite.label}: restarted under the bot`, () => {
  const schema = newSchema();
  const lines: string[] = [];
  const answers: string[] = [];
  const outcomes: Outcome[] = [];
  let phase: Outcome['phase'] = 'before';
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  let sandbox: Sandbox;
  let fake: FakeSlackApi;
  let bot: RunningBot;
  let dataDir: string;

  beforeAll(async () => {
    await adminQuery(`create schema if not exists ${schema}`);
    proxy = await startProxy(new URL(DATABASE_URL));
    const url = new URL(DATABASE_URL);
    url.host = `127.0.0.1:${proxy.port}`;
    url.searchParams.set('options', `-c search_path=${schema}`);
    sandbox = await startSandbox({ extraScenarios: CANARY_SCENARIOS });
    fake = await FakeSlackApi.start();
    fake.users.set(ADMIN, { is_admin: true });
    dataDir = await mkdtemp(join(tmpdir(), 'halo-pg-restart-'));
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: url.toString(),
      MASTER_KEY: randomBytes(32).toString('base64'),
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_API_URL: fake.apiUrl,
      HALO_ALLOW_PRIVATE_NETWORK: 'true',
      SCHEDULER_INTERVAL: 'PT1H',
    });
    bot = await startBot(config, { logDestination: { write: (l: string) => void lines.push(l) } });
  });

  afterAll(async () => {
    await bot?.close();
    await proxy?.stop();
    await fake?.close();
    await sandbox?.close();
    await dropSchemas(schema);
    await rm(dataDir, { recursive: true, force: true });
  });

  const ready = async () => (await fetch(`${bot.url}/readyz`)).status;

  /** Polls until `probe` holds, at most `timeoutMs`. */
  async function until(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await probe())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  let flows = 0;
  /** One person connects a fresh workspace; records what they were told. */
  async function connectOne(): Promise<void> {
    flows += 1;
    const team = `TPG${flows}`;
    const viewId = `VPG${flows}`;
    const privateMetadata = encodeModalMetadata({ channelId: CHANNEL, mode: 'connect' });
    const form = {
      authServer: sandbox.authServer,
      clientId: canary.clientId,
      clientSecret: CANARY_SECRET,
    };
    const payload = credentialsSubmission({ id: viewId, hash: 'h', privateMetadata }, form);
    const body = encodeInteraction({ ...payload, team: { id: team, domain: 'pg' } }).body;
    const report = fake.nextCall(
      (c) =>
        c.method === 'views.update' &&
        c.params.view_id === viewId &&
        (c.params.view as ModalJson).title.text !== 'Verifying…',
    );
    report.catch(() => undefined);
    const started = phase;
    const response = await fetch(`${bot.url}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...signatureHeaders(SIGNING_SECRET, body),
      },
      body,
    });
    answers.push(await response.text());
    const outcome: Outcome = { team, status: response.status, phase: started };
    if (response.status === 200)
      outcome.title = ((await report).params.view as ModalJson).title.text;
    outcomes.push(outcome);
  }

  const connected = (since: Outcome['phase']) =>
    outcomes.filter((o) => o.phase === since && o.title === 'Connected').length;

  it('goes red and back to green by itself, and loses no acknowledged write', async () => {
    expect(await ready()).toBe(200);
    let writing = true;
    const writers = Array.from({ length: WRITERS }, async () => {
      while (writing) await connectOne();
    });

    await until('some workspaces are connected', () => connected('before') >= 5);
    phase = 'outage';
    await proxy.stop();
    await until('readyz is red', async () => (await ready()) === 503);
    await until(
      'submissions met the outage',
      () => outcomes.filter((o) => o.phase === 'outage').length >= 5,
    );

    phase = 'after';
    await proxy.start();
    await until('readyz is green again', async () => (await ready()) === 200);
    await until('workspaces connect again', () => connected('after') >= 5);
    writing = false;
    await Promise.all(writers);
    await bot.close();

    const rows = await adminQuery<{ id: string; client_id: string }>(
      `select id, data->>'clientId' as client_id from ${schema}.connections`,
    );
    const stored = new Map(rows.map((r) => [r.id, r.client_id]));
    const acknowledged = outcomes.filter((o) => o.title === 'Connected');
    expect(acknowledged.length).toBeGreaterThanOrEqual(10);
    for (const o of acknowledged)
      expect(stored.get(`slack:${o.team}`), o.team).toBe(canary.clientId);
    // Nobody whose connection is stored was told that nothing was (a write can land although
    // its answer was lost to the cut).
    const told = new Map(outcomes.map((o) => [`slack:${o.team}`, o.text ?? '']));
    for (const id of stored.keys()) expect(told.get(id), id).not.toMatch(/Nothing was stored/);

    const during = outcomes.filter((o) => o.phase === 'outage');
    expect(during.some((o) => o.title !== 'Connected')).toBe(true);
  });

  it('leaks the canary nowhere: logs, Slack calls, answers, the database', async () => {
    expectNoCanary({
      logs: lines.join('\n'),
      'Slack calls': fake.transcript(),
      answers: answers.join('\n'),
      database: await dumpSchema(schema),
    });
  });
});
