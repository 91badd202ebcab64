import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startBot, type RunningBot } from '../../src/main.js';
import { FakeSlackApi } from './fake-slack-api.js';
import { BOT_TOKEN, SIGNING_SECRET } from './harness.js';
import { encodeCommand, signatureHeaders, slashCommand } from './payloads.js';

let fake: FakeSlackApi;
let bot: RunningBot;
let dataDir: string;
const lines: string[] = [];

beforeAll(async () => {
  fake = await FakeSlackApi.start();
  dataDir = await mkdtemp(join(tmpdir(), 'halo-slack-main-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    MASTER_KEY: randomBytes(32).toString('base64'),
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: fake.apiUrl,
  });
  bot = await startBot(config, {
    logDestination: { write: (line: string) => void lines.push(line) },
  });
});
afterAll(async () => {
  await bot.close();
  await fake.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function post(body: string, contentType: string, signed = true) {
  const headers = signed ? signatureHeaders(SIGNING_SECRET, body) : {};
  return fetch(`${bot.url}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...headers },
    body,
  });
}

describe('Slack in the composed bot (src/main.ts)', () => {
  it('checks the bot token once at start-up', () => {
    expect(fake.callsOf('auth.test')).toHaveLength(1);
    expect(lines.join('')).toContain('Slack bot token works');
  });

  it('answers a signed /halo help on the one HTTP server', async () => {
    const command = encodeCommand(slashCommand('help', fake.responseUrl('main')));
    const reply = await post(command.body, command.contentType);
    expect(reply.status).toBe(200);
    expect(JSON.stringify(await reply.json())).toContain('`connect`');
  });

  it('refuses unsigned requests and signed null bodies, and keeps serving', async () => {
    expect((await post('null', 'application/json', false)).status).toBe(401);
    expect((await post('null', 'application/json')).status).toBe(400);
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
  });

  it('logs no token', () => {
    expect(lines.join('\n')).not.toContain(BOT_TOKEN);
  });
});
