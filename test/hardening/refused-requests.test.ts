import '../teams/clean-env.js';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBMIT_CREDENTIALS } from '../../src/bots/teams/credentials-dialog.js';
import { encodeModalMetadata } from '../../src/bots/slack/modal-metadata.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { encodeFormState } from '../../src/core/messages.js';
import { startBot, type RunningBot } from '../../src/main.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { FileStore } from '../../src/store/file-store.js';
import { FakeSlackApi } from '../slack/fake-slack-api.js';
import { BOT_TOKEN, SIGNING_SECRET, SlackHarness } from '../slack/harness.js';
import {
  ADMIN,
  CHANNEL,
  credentialsSubmission,
  encodeInteraction,
  signatureHeaders,
} from '../slack/payloads.js';
import { taskSubmit, USERS } from '../teams/activities.js';
import { TeamsHarness } from '../teams/harness.js';
import { createTestKey, signJwt } from '../teams/sign-jwt.js';
import { dataDirText } from '../store/data-dir-files.js';
import { CANARY_SCENARIOS, CANARY_SECRET, canaryScenario, expectNoCanary } from './canary.js';

/**
 * Requests that must be refused, each one a request that would change something if it got
 * through (store credentials, get a Halo token): 401, and no side effect at all. Each group
 * has a control that the same request, properly authenticated, does get through, so the
 * side-effect detectors are proven to see something.
 *
 * The plain cases on harmless requests are in test/slack/transport.test.ts and
 * test/teams/auth.test.ts; these add the state-changing requests and their side effects.
 */

const canary = canaryScenario('valid');
let sandbox: Sandbox;
const tokenRequests = () => sandbox.requests.filter((r) => r.path.startsWith('/auth/token'));

beforeAll(async () => {
  sandbox = await startSandbox({ extraScenarios: CANARY_SCENARIOS });
});
afterAll(async () => {
  await sandbox.close();
});

describe('Slack: a credentials submission', () => {
  let h: SlackHarness;
  let offsetMs = 0;

  beforeAll(async () => {
    h = await SlackHarness.start({ clock: { now: () => new Date(Date.now() + offsetMs) } });
    h.fake.users.set(ADMIN, { is_admin: true });
  });
  afterAll(async () => {
    await h.close();
  });

  let views = 0;
  /** A signed-by-Slack-shaped submission of the canary credentials, not yet sent. */
  function submission(authServer = sandbox.authServer) {
    views += 1;
    const privateMetadata = encodeModalMetadata({ channelId: CHANNEL, mode: 'connect' });
    const form = { authServer, clientId: canary.clientId, clientSecret: CANARY_SECRET };
    const view = { id: `VREFUSED${views}`, hash: `h${views}`, privateMetadata };
    return encodeInteraction(credentialsSubmission(view, form));
  }

  /** Sends `body` with `headers` as they are, and proves nothing happened. */
  async function expectRefused(body: string, headers: Record<string, string>) {
    const before = { file: await h.storeFile(), calls: h.fake.calls.length };
    const tokens = tokenRequests().length;
    const contentType = 'application/x-www-form-urlencoded';
    const reply = await h.send({ body, contentType }, { sign: false, headers });
    expect(reply.status).toBe(401);
    await h.settle();
    expect(tokenRequests().length).toBe(tokens);
    expect(h.fake.calls.length).toBe(before.calls);
    expect(await h.storeFile()).toBe(before.file);
  }

  it('without a signature', async () => {
    await expectRefused(submission().body, {});
  });

  it('with a signature made with another secret', async () => {
    const { body } = submission();
    await expectRefused(body, signatureHeaders('not-the-signing-secret', body));
  });

  it('replayed more than five minutes after it was signed', async () => {
    const { body } = submission();
    const captured = signatureHeaders(SIGNING_SECRET, body);
    offsetMs = 5 * 60_000 + 5_000;
    try {
      await expectRefused(body, captured);
    } finally {
      offsetMs = 0;
    }
  });

  it('altered after signing: the Authorisation Server swapped', async () => {
    const { body } = submission();
    const headers = signatureHeaders(SIGNING_SECRET, body);
    const swapped = body.replace(
      encodeURIComponent(sandbox.authServer),
      encodeURIComponent('https://attacker.example/auth'),
    );
    expect(swapped).not.toBe(body);
    await expectRefused(swapped, headers);
  });

  it('altered after signing: the timestamp moved', async () => {
    const { body } = submission();
    const headers = signatureHeaders(SIGNING_SECRET, body, Math.floor(Date.now() / 1000) - 60);
    headers['x-slack-request-timestamp'] = String(Math.floor(Date.now() / 1000));
    await expectRefused(body, headers);
  });

  it('control: the same submission, properly signed, connects', async () => {
    const reply = await h.send(submission());
    expect(reply.status).toBe(200);
    await h.settle();
    expect(await h.store.getConnection('slack:T0001')).toMatchObject({ clientId: canary.clientId });
  });

  it('leaks the canary nowhere', async () => {
    expectNoCanary({
      'Slack calls': h.fake.transcript(),
      logs: h.logLines.join('\n'),
      answers: h.answers.join('\n'),
      'data file': await h.storeFile(),
    });
  });
});

describe('Teams with authentication: a dialog submission', () => {
  const APP_ID = 'd3b6f1a4-5c2e-4f7a-9b8c-1e2d3f4a5b6c';
  const OTHER_BOT = '0f0f0f0f-1111-4222-8333-444444444444';
  const ISSUER = 'https://api.botframework.com';
  const published = createTestKey('published-key');
  /** The same key id as the published key, another key: a forgery. */
  const forger = createTestKey('published-key');
  let h: TeamsHarness;

  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
    nock('https://login.botframework.com')
      .persist()
      .get('/v1/.well-known/keys')
      .reply(200, { keys: [published.jwk] });
    h = await TeamsHarness.start({
      env: {
        MICROSOFT_APP_ID: APP_ID,
        MICROSOFT_APP_PASSWORD: 'not-used-in-these-tests',
        TEAMS_LOCAL: 'false',
      },
    });
    h.connector.members.set(USERS.admin.id, USERS.admin);
  });
  afterAll(async () => {
    await h.close();
    nock.cleanAll();
    nock.enableNetConnect();
  });

  const submit = () =>
    taskSubmit(
      {
        action: SUBMIT_CREDENTIALS,
        value: encodeFormState({ mode: 'connect', prefill: {} }),
        authServer: sandbox.authServer,
        clientId: canary.clientId,
        clientSecret: CANARY_SECRET,
      },
      { serviceUrl: h.connector.url, conversation: 'channel' },
    );

  const now = () => Math.floor(Date.now() / 1000);

  it.each<[string, () => Record<string, string>]>([
    ['no token', () => ({})],
    [
      'an expired token',
      () => ({
        authorization: `Bearer ${signJwt(published, {
          aud: APP_ID,
          iss: ISSUER,
          exp: now() - 600,
          nbf: now() - 7200,
          iat: now() - 7200,
        })}`,
      }),
    ],
    [
      'a token for the wrong audience (the Bot Framework itself)',
      () => ({ authorization: `Bearer ${signJwt(published, { aud: ISSUER, iss: ISSUER })}` }),
    ],
    [
      'a token for another bot',
      () => ({ authorization: `Bearer ${signJwt(published, { aud: OTHER_BOT, iss: ISSUER })}` }),
    ],
    [
      'a token from an issuer nobody trusts',
      () => ({
        authorization: `Bearer ${signJwt(published, { aud: APP_ID, iss: 'https://evil.example' })}`,
      }),
    ],
    [
      'a token signed with a key nobody published',
      () => ({
        authorization: `Bearer ${signJwt(forger, { aud: APP_ID, iss: ISSUER })}`,
      }),
    ],
  ])('refuses %s with 401 and does nothing', async (_name, headers) => {
    const tokens = tokenRequests().length;
    const file = await h.storeFile().catch(() => '');
    const result = await h.post(submit(), headers());
    expect(result.status).toBe(401);
    await h.settle();
    expect(tokenRequests().length).toBe(tokens);
    expect(h.connector.calls).toEqual([]);
    expect(await h.storeFile().catch(() => '')).toBe(file);
  });

  it('control: a valid token for this bot gets past authentication', async () => {
    const token = signJwt(published, { aud: APP_ID, iss: ISSUER, serviceurl: h.connector.url });
    const result = await h.post(submit(), { authorization: `Bearer ${token}` });
    // Past the token check, the activity is refused for its loopback serviceUrl: in this mode
    // the bot only ever calls Microsoft's connector hosts.
    expect(result.status).toBe(400);
    expect(h.connector.calls).toEqual([]);
  });

  it('leaks the canary nowhere', async () => {
    await h.settle();
    expectNoCanary({ logs: h.logLines.join('\n'), answers: h.answers.join('\n') });
  });
});

describe('Cloud Depot token endpoint', () => {
  const API_TOKEN = randomBytes(24).toString('base64url');
  const fake = { api: undefined as FakeSlackApi | undefined };
  const lines: string[] = [];
  let dir: string;
  let bot: RunningBot;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'halo-refused-'));
    fake.api = await FakeSlackApi.start();
    fake.api.users.set(ADMIN, { is_admin: true });
    bot = await startBot(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: dir,
        MASTER_KEY: randomBytes(32).toString('base64'),
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_API_URL: fake.api.apiUrl,
        HALO_ALLOW_PRIVATE_NETWORK: 'true',
        CLOUD_DEPOT_API_TOKEN: API_TOKEN,
        SCHEDULER_INTERVAL: 'PT1H',
      }),
      { logDestination: { write: (line: string) => void lines.push(line) } },
    );
    // A real connection, made through Slack, for the endpoint to hand out tokens for.
    const privateMetadata = encodeModalMetadata({ channelId: CHANNEL, mode: 'connect' });
    const form = {
      authServer: sandbox.authServer,
      clientId: canary.clientId,
      clientSecret: CANARY_SECRET,
    };
    const body = encodeInteraction(
      credentialsSubmission({ id: 'VCD', hash: 'h', privateMetadata }, form),
    ).body;
    const ack = await fetch(`${bot.url}/slack/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...signatureHeaders(SIGNING_SECRET, body),
      },
      body,
    });
    expect(ack.status).toBe(200);
    await fake.api.waitFor('the report', () =>
      fake.api!.callsOf('views.update').some((c) => JSON.stringify(c.params).includes('Connected')),
    );
  });
  afterAll(async () => {
    await bot.close();
    await fake.api?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const answers: string[] = [];
  async function call(body: string, authorization?: string) {
    const response = await fetch(`${bot.url}/v1/halo/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body,
    });
    const text = await response.text();
    answers.push(text);
    return { status: response.status, text };
  }

  const valid = JSON.stringify({ platform: 'slack', workspace: 'T0001' });
  /** The token events stored, read beside the running bot as `store copy` would. */
  const audit = async () => {
    const store = new FileStore({ dataDir: dir, logger: silentLogger, readOnly: true });
    await store.init();
    const events = await store.listAudit({});
    await store.close();
    return events.filter((event) => event.action === 'token').length;
  };

  it.each<[string, string | undefined, string]>([
    ['no bearer token', undefined, valid],
    ['a wrong bearer token', `Bearer ${API_TOKEN.slice(0, -1)}x`, valid],
    ['the token under another scheme', `Basic ${API_TOKEN}`, valid],
    ['the token without a scheme', API_TOKEN, valid],
    ['no token and a body that is not JSON', undefined, '{"platform":'],
    ['a wrong token and a body over the size limit', 'Bearer nope', `"${'x'.repeat(10_000)}"`],
  ])('refuses %s with 401, before reading the body, and does nothing', async (_n, auth, body) => {
    const tokens = tokenRequests().length;
    const audited = await audit();
    const answer = await call(body, auth);
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.text)).toMatchObject({ error: 'unauthorized' });
    expect(tokenRequests().length).toBe(tokens);
    expect(await audit()).toBe(audited);
  });

  it('control: the right bearer token gets a Halo token, audited', async () => {
    const tokens = tokenRequests().length;
    const audited = await audit();
    const answer = await call(valid, `Bearer ${API_TOKEN}`);
    expect(answer.status).toBe(200);
    expect(tokenRequests().length).toBe(tokens + 1);
    expect(await audit()).toBe(audited + 1);
  });

  it('leaks neither the canary nor the API token', async () => {
    await bot.close();
    const places = {
      logs: lines.join('\n'),
      answers: answers.join('\n'),
      'Slack calls': fake.api!.transcript(),
      'DATA_DIR files': await dataDirText(dir),
    };
    expectNoCanary(places);
    for (const [place, text] of Object.entries(places)) {
      expect(text.includes(API_TOKEN), `API token in ${place}`).toBe(false);
    }
  });
});
