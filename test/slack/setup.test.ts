import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackAdapter, SLACK_BOT_SCOPES } from '../../src/bots/slack/index.js';
import { createInstallationStore } from '../../src/bots/slack/installation-store.js';
import { loadConfig } from '../../src/config.js';
import { createAesVault } from '../../src/core/aes-vault.js';
import type { ConnectionService } from '../../src/core/connection-service.js';
import { ErrorCode } from '../../src/core/errors.js';
import { KeyRing } from '../../src/core/key-ring.js';
import { silentLogger } from '../../src/core/logger.js';
import { FileStore } from '../../src/store/file-store.js';
import { SlackHarness } from './harness.js';
import { ADMIN, CHANNEL, TEAM } from './payloads.js';

const clock = { now: () => new Date() };

describe('the installation store', () => {
  let dir: string;
  let store: FileStore;
  const vault = createAesVault(new KeyRing([['k1', randomBytes(32)]]));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'halo-slack-install-'));
    store = new FileStore({ dataDir: dir, logger: silentLogger });
    await store.init();
  });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const installation = (team: string | undefined, enterprise?: string) => ({
    team: team ? { id: team, name: 'Acme' } : undefined,
    enterprise: enterprise ? { id: enterprise, name: 'Org' } : undefined,
    user: { id: 'U1', token: 'xoxp-user-token-canary', scopes: [] },
    bot: {
      id: 'B1',
      userId: 'UBOT',
      scopes: ['commands'],
      token: `xoxb-bot-token-canary-${team ?? enterprise}`,
      refreshToken: 'xoxe-refresh-token-canary',
      expiresAt: 2_000_000_000,
    },
    isEnterpriseInstall: !team,
    authVersion: 'v2' as const,
  });

  it('stores every token sealed and gives them back', async () => {
    const installs = createInstallationStore(store, vault, clock);
    await installs.storeInstallation(installation('T2') as never);
    const file = await readFile(store.path, 'utf8');
    expect(file).not.toContain('canary');
    const record = await store.getSlackInstallation('T2');
    expect(Object.keys(record!.tokens).sort()).toEqual(['bot', 'botRefresh', 'user']);
    const back = await installs.fetchInstallation({
      teamId: 'T2',
      enterpriseId: undefined,
      isEnterpriseInstall: false,
    });
    expect(back.bot?.token).toBe('xoxb-bot-token-canary-T2');
    expect(back.bot?.refreshToken).toBe('xoxe-refresh-token-canary');
    expect(back.user.token).toBe('xoxp-user-token-canary');
  });

  it('finds an org-wide install from one of its teams', async () => {
    const installs = createInstallationStore(store, vault, clock);
    await installs.storeInstallation(installation(undefined, 'E1') as never);
    const back = await installs.fetchInstallation({
      teamId: 'T7',
      enterpriseId: 'E1',
      isEnterpriseInstall: false,
    });
    expect(back.bot?.token).toBe('xoxb-bot-token-canary-E1');
  });

  it('binds each token to its installation: a copied envelope does not open', async () => {
    const record = await store.getSlackInstallation('T2');
    await store.putSlackInstallation({ ...record!, id: 'T9' });
    const installs = createInstallationStore(store, vault, clock);
    await expect(
      installs.fetchInstallation({
        teamId: 'T9',
        enterpriseId: undefined,
        isEnterpriseInstall: false,
      }),
    ).rejects.toMatchObject({ code: ErrorCode.Decrypt });
  });

  it('says clearly when a workspace has no installation', async () => {
    const installs = createInstallationStore(store, vault, clock);
    await expect(
      installs.fetchInstallation({
        teamId: 'T404',
        enterpriseId: undefined,
        isEnterpriseInstall: false,
      }),
    ).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });
});

describe('OAuth installs', () => {
  let h: SlackHarness;
  const oauthEnv = {
    SLACK_BOT_TOKEN: '',
    SLACK_CLIENT_ID: '1111.2222',
    SLACK_CLIENT_SECRET: 'client-secret-for-tests',
    SLACK_STATE_SECRET: 'state-secret-for-tests',
  };

  beforeAll(async () => {
    h = await SlackHarness.start({ env: oauthEnv });
  });
  afterAll(async () => {
    await h.close();
  });

  it('installs through the install and redirect routes, then uses the stored token', async () => {
    const page = await fetch(`${h.url}/slack/install`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const state = /state=([^"&]+)/.exec(html)?.[1];
    expect(state).toBeDefined();
    expect(html).toContain('scope=commands%2Cchat%3Awrite%2Cusers%3Aread');
    const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
    const done = await fetch(`${h.url}/slack/oauth_redirect?code=the-code&state=${state}`, {
      headers: { cookie },
    });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('halo-connect is installed');
    expect(h.fake.callsOf('oauth.v2.access')[0]!.params).toMatchObject({ code: 'the-code' });
    expect(await h.storeFile()).not.toContain('xoxb-oauth-install-token');

    h.fake.users.set(ADMIN, { is_admin: true });
    await h.command('connect', 'oauth').reply;
    await h.fake.waitFor('channel post', () => h.fake.callsOf('chat.postMessage')[0]);
    expect(h.fake.callsOf('users.info')[0]!.token).toBe('xoxb-oauth-install-token');
    expect(h.fake.callsOf('chat.postMessage')[0]!.token).toBe('xoxb-oauth-install-token');
  });

  it('refuses a redirect without a valid state', async () => {
    const reply = await fetch(`${h.url}/slack/oauth_redirect?code=x&state=forged`);
    expect(reply.status).toBe(400);
  });

  it('refreshes a rotating token that is about to expire before a proactive post', async () => {
    h.fake.reset();
    const record = await h.store.getSlackInstallation(TEAM);
    expect(record).toBeDefined();
    h.fake.oauthTokens = { access: 'xoxb-rotated-token', refresh: 'xoxe-oauth-refresh-2' };
    await rotateSoon(h);
    const result = await h.adapter.notifier.post(
      { platform: 'slack', workspaceId: TEAM, channelId: CHANNEL },
      { title: 'Reminder', severity: 'info', summary: 'Due soon', sections: [] },
    );
    expect(result.ok).toBe(true);
    expect(h.fake.callsOf('oauth.v2.access')[0]!.params).toMatchObject({
      grant_type: 'refresh_token',
      refresh_token: 'xoxe-refresh-old',
    });
    expect(h.fake.callsOf('chat.postMessage')[0]!.token).toBe('xoxb-rotated-token');
    expect(await h.storeFile()).not.toContain('xoxb-rotated-token');
  });
});

/** Rewrites the stored installation so its bot token expires in a minute, with a refresh token. */
async function rotateSoon(h: SlackHarness): Promise<void> {
  const installs = createInstallationStore(h.store, h.vault, clock);
  const current = await installs.fetchInstallation({
    teamId: TEAM,
    enterpriseId: undefined,
    isEnterpriseInstall: false,
  });
  await installs.storeInstallation({
    ...current,
    bot: {
      ...current.bot!,
      token: 'xoxb-old',
      refreshToken: 'xoxe-refresh-old',
      expiresAt: Math.floor(Date.now() / 1000) + 60,
    },
  });
}

describe('configuration', () => {
  const base = { HOST: '127.0.0.1', SLACK_BOT_TOKEN: 'xoxb-x' };
  const options = (env: Record<string, string>) => ({
    config: loadConfig({ ...base, ...env }),
    service: {} as ConnectionService,
    store: {} as FileStore,
    vault: createAesVault(new KeyRing([['k', randomBytes(32)]])),
    logger: silentLogger,
    clock,
  });

  it('refuses HTTP mode without a signing secret', () => {
    expect(() => createSlackAdapter(options({}))).toThrow(/SLACK_SIGNING_SECRET/);
  });

  it('uses Socket Mode with an app token, with no events route', () => {
    const adapter = createSlackAdapter(options({ SLACK_APP_TOKEN: 'xapp-1-test' }));
    expect(adapter.transport).toBe('socket');
    const routes = (adapter.router as unknown as { stack: { route?: { path: string } }[] }).stack;
    expect(routes.map((layer) => layer.route?.path)).not.toContain('/slack/events');
  });

  it('serves HTTP with a signing secret', () => {
    const adapter = createSlackAdapter(options({ SLACK_SIGNING_SECRET: 'shh' }));
    expect(adapter.transport).toBe('http');
  });
});

describe('manifest/slack.yaml', () => {
  /** The `- item` lines right under `key:` (the manifest is plain block YAML). */
  function listUnder(yaml: string, key: string): string[] {
    const lines = yaml.split('\n');
    const start = lines.findIndex((line) => line.trim() === `${key}:`);
    const items: string[] = [];
    for (const line of lines.slice(start + 1)) {
      if (line.trim().startsWith('#')) continue;
      const item = /^\s*- (\S+)/.exec(line);
      if (!item) break;
      items.push(item[1]!);
    }
    return items;
  }

  it('asks for exactly the scopes the install route asks for, and one event', async () => {
    const yaml = await readFile(new URL('../../manifest/slack.yaml', import.meta.url), 'utf8');
    expect(listUnder(yaml, 'bot')).toEqual([...SLACK_BOT_SCOPES]);
    expect(listUnder(yaml, 'bot_events')).toEqual(['app_home_opened']);
    expect(yaml).toMatch(/- command: \/halo\n/);
    expect(yaml).toContain('home_tab_enabled: true');
    expect(yaml.match(/https:\/\/YOUR-HOST\/slack\/events/g)).toHaveLength(3);
  });
});
