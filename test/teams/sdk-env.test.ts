import { ENV_APP_ID } from './hostile-env.js';
import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageActivity, USERS } from './activities.js';
import { TeamsHarness } from './harness.js';
import { createTestKey, signJwt } from './sign-jwt.js';
import { unusedVerifier } from './stub-verifier.js';

const OUR_APP_ID = 'd3b6f1a4-5c2e-4f7a-9b8c-1e2d3f4a5b6c';

describe('the SDK’s own environment variables do not override our settings', () => {
  let local: TeamsHarness;
  let authenticated: TeamsHarness;

  beforeAll(async () => {
    local = await TeamsHarness.start({ verifier: unusedVerifier });
    local.connector.members.set(USERS.admin.id, USERS.admin);
    authenticated = await TeamsHarness.start({
      env: { MICROSOFT_APP_ID: OUR_APP_ID, MICROSOFT_APP_PASSWORD: 'ours', TEAMS_LOCAL: 'false' },
      verifier: unusedVerifier,
    });
  });
  afterAll(async () => {
    await local.close();
    await authenticated.close();
  });

  it('local mode stays anonymous although the environment names an app id', async () => {
    const result = await local.post(messageActivity('help', { serviceUrl: local.connector.url }));
    expect(result.status).toBe(200);
    expect(local.connector.posted[0]?.authorization).toBeUndefined();
  });

  it('local mode still refuses a serviceUrl that is not loopback', async () => {
    const result = await local.post(
      messageActivity('help', { serviceUrl: 'https://example.com/' }),
    );
    expect(result.status).toBe(400);
  });

  it('refuses a token for the app id of the environment before fetching keys', async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/^127\.0\.0\.1(:\d+)?$/);
    const key = createTestKey('env-key');
    const keys = nock('https://login.botframework.com')
      .get('/v1/.well-known/keys')
      .reply(200, { keys: [key.jwk] });
    try {
      const token = signJwt(key, { aud: ENV_APP_ID, iss: 'https://api.botframework.com' });
      const activity = messageActivity('help', { serviceUrl: authenticated.connector.url });
      const result = await authenticated.post(activity, { authorization: `Bearer ${token}` });
      expect(result.status).toBe(401);
      expect(keys.isDone()).toBe(false);
      expect(authenticated.connector.calls).toEqual([]);
    } finally {
      nock.cleanAll();
      nock.enableNetConnect();
    }
  });
});
