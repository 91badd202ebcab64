import './clean-env.js';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTeamsAdapter } from '../../src/bots/teams/index.js';
import { loadConfig } from '../../src/config.js';
import { helpMessage } from '../../src/core/messages.js';
import { CONVERSATIONS, messageActivity, TENANT_ID, USERS } from './activities.js';
import { TeamsHarness } from './harness.js';
import { createTestKey, signJwt } from './sign-jwt.js';
import { unusedVerifier } from './stub-verifier.js';

const APP_ID = 'd3b6f1a4-5c2e-4f7a-9b8c-1e2d3f4a5b6c';
const BOT_FRAMEWORK_KEYS = 'https://login.botframework.com';

/** Every outbound request that was not to a loopback address. */
const outbound: string[] = [];
const recordOutbound = (req: { hostname?: string; host?: string; href?: string }) => {
  const host = req.hostname ?? req.host ?? '';
  if (!/^(127\.0\.0\.1|localhost)(:\d+)?$/.test(host)) outbound.push(req.href ?? host);
};

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
  nock.emitter.on('no match', recordOutbound);
});

afterAll(() => {
  nock.emitter.removeListener('no match', recordOutbound);
  nock.cleanAll();
  nock.enableNetConnect();
});

afterEach(() => {
  outbound.length = 0;
});

it('notices a request to the network (the detector the tests below rely on)', async () => {
  await fetch('https://login.botframework.com/v1/.well-known/keys').catch(() => undefined);
  expect(outbound).toHaveLength(1);
});

describe('with an app id configured', () => {
  let h: TeamsHarness;

  beforeAll(async () => {
    h = await TeamsHarness.start({
      env: {
        MICROSOFT_APP_ID: APP_ID,
        MICROSOFT_APP_PASSWORD: 'not-used-in-these-tests',
        TEAMS_LOCAL: 'false',
      },
      verifier: unusedVerifier,
    });
    h.connector.members.set(USERS.admin.id, USERS.admin);
  });
  afterAll(() => h.close());

  const refused = async (headers: Record<string, string>) => {
    const result = await h.post(messageActivity('help', { serviceUrl: h.connector.url }), headers);
    expect(result.status).toBe(401);
    expect(h.connector.calls).toEqual([]);
    return result;
  };

  it('is in authenticated mode', () => {
    expect(h.adapter.mode).toBe('authenticated');
  });

  it('refuses a request without a token with 401 and sends nothing', async () => {
    await refused({});
    expect(outbound).toEqual([]);
  });

  it('refuses a malformed header or token before any fetch', async () => {
    await refused({ authorization: 'Basic dXNlcjpwYXNz' });
    await refused({ authorization: 'Bearer' });
    await refused({ authorization: 'Bearer not.a.jwt' });
    await refused({ authorization: 'Bearer a b c' });
    expect(outbound).toEqual([]);
  });

  it('refuses a well-signed token for another audience before fetching any key', async () => {
    const key = createTestKey('other-key');
    const token = signJwt(key, {
      aud: 'someone-elses-app-id',
      iss: 'https://api.botframework.com',
    });
    await refused({ authorization: `Bearer ${token}` });
    expect(outbound).toEqual([]);
  });

  it('checks the signature of a token for our audience against the published keys', async () => {
    const published = createTestKey('published-key');
    const forger = createTestKey('published-key');
    const keys = nock(BOT_FRAMEWORK_KEYS)
      .get('/v1/.well-known/keys')
      .reply(200, { keys: [published.jwk] });
    const forged = signJwt(forger, { aud: APP_ID, iss: 'https://api.botframework.com' });
    await refused({ authorization: `Bearer ${forged}` });
    expect(keys.isDone()).toBe(true);
    const expired = signJwt(published, {
      aud: APP_ID,
      iss: 'https://api.botframework.com',
      exp: Math.floor(Date.now() / 1000) - 3600,
    });
    await refused({ authorization: `Bearer ${expired}` });
  });

  it('logs no activity body and no token', async () => {
    const token = signJwt(createTestKey('k'), { aud: 'x', iss: 'https://api.botframework.com' });
    await refused({ authorization: `Bearer ${token}` });
    const logs = h.logLines.join('');
    expect(logs).not.toContain(token);
    expect(logs).not.toContain('"text":"help"');
  });
});

describe('local mode', () => {
  let h: TeamsHarness;

  beforeAll(async () => {
    h = await TeamsHarness.start({ verifier: unusedVerifier });
    h.connector.members.set(USERS.admin.id, USERS.admin);
  });
  afterAll(() => h.close());

  it('answers anonymous traffic and replies without a token', async () => {
    const result = await h.post(messageActivity('help', { serviceUrl: h.connector.url }));
    expect(result.status).toBe(200);
    expect(h.connector.posted).toHaveLength(1);
    expect(h.connector.posted[0]?.authorization).toBeUndefined();
    const address = {
      platform: 'teams' as const,
      workspaceId: TENANT_ID,
      channelId: CONVERSATIONS.personal.id,
    };
    const proactive = await h.adapter.notifier.post(address, helpMessage(''));
    expect(proactive).toMatchObject({ ok: true });
    expect(h.connector.posted[1]?.authorization).toBeUndefined();
    expect(outbound).toEqual([]);
  });

  it('refuses an activity whose serviceUrl is not loopback with 400 and calls nobody', async () => {
    const before = h.connector.calls.length;
    for (const serviceUrl of [
      'https://smba.trafficmanager.net/teams/',
      'http://169.254.169.254/',
      'http://10.0.0.5/',
      'file:///etc/passwd',
    ]) {
      const result = await h.post(messageActivity('help', { serviceUrl }));
      expect(result.status).toBe(400);
    }
    expect(h.connector.calls.length).toBe(before);
    expect(outbound).toEqual([]);
  });

  it('answers a malformed activity with 400, not 500', async () => {
    expect((await h.post('{"type":')).status).toBe(400);
    expect((await h.post({ type: 'message' })).status).toBe(400);
    expect(
      (await h.post({ type: 42, conversation: { id: 'x' }, serviceUrl: h.connector.url })).status,
    ).toBe(400);
    expect((await h.post([])).status).toBe(400);
    // Every field the bot checks itself is there; the SDK's schema refuses the rest.
    const wrongType = { ...messageActivity('help', { serviceUrl: h.connector.url }), type: 42 };
    expect((await h.post(wrongType)).status).toBe(400);
    const wrongFrom = { ...messageActivity('help', { serviceUrl: h.connector.url }), from: 'x' };
    expect((await h.post(wrongFrom)).status).toBe(400);
  });

  it('refuses a token it cannot check instead of ignoring it', async () => {
    const token = signJwt(createTestKey('k'), { aud: APP_ID, iss: 'https://api.botframework.com' });
    const result = await h.post(messageActivity('help', { serviceUrl: h.connector.url }), {
      authorization: `Bearer ${token}`,
    });
    expect(result.status).toBe(401);
  });
});

describe('start-up', () => {
  const base = {
    service: {} as never,
    store: {} as never,
    logger: {} as never,
    clock: { now: () => new Date() },
  };

  it('refuses to run without an app id unless TEAMS_LOCAL is on', () => {
    const config = loadConfig({ HOST: '127.0.0.1' });
    expect(() => createTeamsAdapter({ ...base, config })).toThrow(/MICROSOFT_APP_ID/);
  });

  it('refuses local mode on a host that is not loopback, whatever the config says', () => {
    const config = { ...loadConfig({ HOST: '127.0.0.1', TEAMS_LOCAL: 'true' }), host: '0.0.0.0' };
    expect(() => createTeamsAdapter({ ...base, config })).toThrow(/loopback HOST/);
  });

  it('asks for the password with an app id', () => {
    const config = loadConfig({ HOST: '127.0.0.1', MICROSOFT_APP_ID: APP_ID });
    expect(() => createTeamsAdapter({ ...base, config })).toThrow(/MICROSOFT_APP_PASSWORD/);
  });
});
