import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SlashCommand } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActionId } from '../../src/core/message.js';
import { encodeFormState } from '../../src/core/messages.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { sandboxScenario, type SandboxScenario } from '../../src/sandbox/scenarios.js';
import { silentLogger } from '../../src/core/logger.js';
import { FileStore } from '../../src/store/file-store.js';
import { dataDirText } from '../store/data-dir-files.js';
import { CANARY_SCENARIOS, canaryScenario, expectNoCanary } from '../hardening/canary.js';
import { spawnBot, type BotProcess } from '../e2e/process.js';
import { FakeSlackApi } from '../slack/fake-slack-api.js';
import { formOf, scenarioForm, type ModalJson } from '../slack/flow.js';
import { BOT_TOKEN, SIGNING_SECRET } from '../slack/harness.js';
import {
  buttonClick,
  credentialsSubmission,
  encodeCommand,
  encodeInteraction,
  signatureHeaders,
  slashCommand,
  type EncodedBody,
} from '../slack/payloads.js';

/**
 * 200 connect flows at once across 50 workspaces, each one whole: `/halo connect`, Enter
 * credentials, submit, report. The bot runs as its own process (`src/main.ts`, its default
 * rate limits), so that the load generator, the fake Slack API and the Halo sandbox in this
 * process do not slow its event loop. Every acknowledgement comes within Slack's 3 seconds,
 * every flow ends with the report its credentials deserve, and the store holds exactly the
 * connections that passed, one per workspace (two flows of each passing workspace race to
 * store it).
 */

const WORKSPACES = 50;
const FLOWS_PER_WORKSPACE = 4;
/** Workspaces from here on get only failing credentials. */
const FIRST_FAILING_WORKSPACE = 40;
const ACK_LIMIT_MS = 3_000;
const START_WINDOW_MS = 1_000;

const valid = canaryScenario('valid');
const failing: ReadonlyArray<[SandboxScenario, string]> = [
  [canaryScenario('wrong-secret'), 'Token issued'],
  [sandboxScenario('no-customers'), 'Read customers'],
  [sandboxScenario('unknown-client'), 'Token issued'],
  [sandboxScenario('no-invoices'), 'Read invoices'],
];

interface Flow {
  team: string;
  user: string;
  channel: string;
  scenario: SandboxScenario;
  /** The title and failing check the final report must show. */
  expected: { title: 'Connected' } | { title: 'Check failed'; check: string };
  acks: number[];
}

let sandbox: Sandbox;
let fake: FakeSlackApi;
let bot: BotProcess;
let url: string;
let dataDir: string;
const answers: string[] = [];
const flows: Flow[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ extraScenarios: CANARY_SCENARIOS });
  fake = await FakeSlackApi.start();
  dataDir = await mkdtemp(join(tmpdir(), 'halo-load-'));
  bot = spawnBot({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    MASTER_KEY: randomBytes(32).toString('base64'),
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: fake.apiUrl,
    HALO_ALLOW_PRIVATE_NETWORK: 'true',
    SCHEDULER_INTERVAL: 'PT1H',
    LOG_LEVEL: 'info',
  });
  url = await bot.url();
  for (let w = 0; w < WORKSPACES; w++) {
    for (let k = 0; k < FLOWS_PER_WORKSPACE; k++) {
      const passes = w < FIRST_FAILING_WORKSPACE && k < 2;
      const [scenario, check] = passes ? [valid, ''] : failing[(w + k) % failing.length]!;
      const flow: Flow = {
        team: `TLOAD${w}`,
        user: `ULOAD${w}X${k}`,
        channel: `CLOAD${w}`,
        scenario,
        expected: passes ? { title: 'Connected' } : { title: 'Check failed', check },
        acks: [],
      };
      fake.users.set(flow.user, { is_admin: true });
      flows.push(flow);
    }
  }
});

afterAll(async () => {
  bot.child.kill('SIGKILL');
  await fake.close();
  await sandbox.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** POSTs a body to the bot's `/slack/events`, signed as Slack signs it. */
async function send(encoded: EncodedBody): Promise<{ status: number }> {
  const response = await fetch(`${url}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': encoded.contentType,
      // Each delivery on its own connection, as Slack's many senders would; one kept-alive
      // client pool for 200 flows measures that pool's queueing, not the bot.
      connection: 'close',
      ...signatureHeaders(SIGNING_SECRET, encoded.body),
    },
    body: encoded.body,
  });
  answers.push(await response.text());
  return { status: response.status };
}

/** Sends and records how long the acknowledgement took. */
async function timed(flow: Flow, request: Promise<{ status: number }>): Promise<void> {
  const started = performance.now();
  const reply = await request;
  flow.acks.push(performance.now() - started);
  expect(reply.status).toBe(200);
}

function inWorkspace<T extends object>(flow: Flow, payload: T): T {
  const p = payload as T & { team?: unknown; user?: Record<string, unknown> };
  return { ...p, team: { id: flow.team, domain: 'load' }, user: { ...p.user, team_id: flow.team } };
}

function command(flow: Flow): SlashCommand {
  const overrides = { team_id: flow.team, user_id: flow.user, channel_id: flow.channel };
  return slashCommand('connect', fake.responseUrl(flow.user), overrides);
}

/** One whole flow: the command, the click that opens the form, the submission, the report. */
async function run(flow: Flow): Promise<ModalJson> {
  await timed(flow, send(encodeCommand(command(flow))));
  const value = encodeFormState({ mode: 'connect', prefill: {} });
  const surface = { kind: 'message' as const, responseUrl: fake.responseUrl(flow.user) };
  const click = inWorkspace(flow, {
    ...buttonClick(ActionId.OpenCredentials, value, surface, flow.user),
    channel: { id: flow.channel, name: 'load' },
  });
  const opened = fake.nextCall(
    (c) => c.method === 'views.open' && c.params.trigger_id === click.trigger_id,
  );
  await timed(flow, send(encodeInteraction(click)));
  const call = await opened;
  const form = formOf(call, fake.openedViewId(call));
  const report = fake.nextCall(
    (c) =>
      c.method === 'views.update' &&
      c.params.view_id === form.viewId &&
      (c.params.view as ModalJson).title.text !== 'Verifying…',
  );
  const view = { id: form.viewId, hash: form.hash, privateMetadata: form.privateMetadata };
  const values = scenarioForm(sandbox.authServer, flow.scenario);
  await timed(
    flow,
    send(encodeInteraction(inWorkspace(flow, credentialsSubmission(view, values, flow.user)))),
  );
  return (await report).params.view as ModalJson;
}

describe('200 concurrent connect flows across 50 workspaces', () => {
  it('acknowledge in time, report rightly, and store exactly what passed', async () => {
    // Everyone starts within one second, as a burst of real people would: all 200 flows are
    // in flight together, without 200 requests landing in the same millisecond.
    const reports = await Promise.all(
      flows.map(async (flow, i) => {
        await new Promise((resolve) => setTimeout(resolve, (i * START_WINDOW_MS) / flows.length));
        return run(flow);
      }),
    );
    // A clean stop lets every last channel post and write finish before the store is read.
    bot.child.kill('SIGTERM');
    expect(await bot.exit).toBe(0);

    const slowest = Math.max(...flows.flatMap((f) => f.acks));
    expect(slowest, 'the slowest acknowledgement, in ms').toBeLessThan(ACK_LIMIT_MS);

    flows.forEach((f, i) => {
      const view = reports[i];
      expect(view?.title.text, `${f.user} (${f.scenario.name})`).toBe(f.expected.title);
      if (f.expected.title === 'Check failed') {
        expect(JSON.stringify(view)).toContain(`Not connected: *${f.expected.check}* failed`);
      }
    });

    const store = new FileStore({ dataDir, logger: silentLogger, readOnly: true });
    await store.init();
    const stored = await store.listConnections();
    const expected = flows.filter((f) => f.expected.title === 'Connected').map((f) => f.team);
    expect(stored.map((r) => r.id).sort()).toEqual(
      [...new Set(expected)].map((team) => `slack:${team}`).sort(),
    );
    for (const record of stored) expect(record.clientId).toBe(valid.clientId);

    const audit = await store.listAudit({ limit: 1_000 });
    await store.close();
    const connects = audit.filter((e) => e.action === 'connect');
    expect(connects.filter((e) => e.outcome === 'ok')).toHaveLength(expected.length);
    expect(connects).toHaveLength(flows.length);
  });

  it('leaks the canary secret nowhere', async () => {
    expectNoCanary({
      'Slack calls': fake.transcript(),
      logs: `${bot.lines.join('\n')}\n${bot.stderr()}`,
      answers: answers.join('\n'),
      'DATA_DIR files': await dataDirText(dataDir),
    });
  });
});
