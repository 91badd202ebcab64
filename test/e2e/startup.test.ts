import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnBot, type BotProcess } from './process.js';

const dirs: string[] = [];
const bots: BotProcess[] = [];

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'halo-connect-e2e-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const bot of bots.splice(0)) bot.child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the bot process', () => {
  it('starts with no settings, says how to enable Slack and Teams, and answers health checks', async () => {
    const dir = dataDir();
    const bot = spawnBot({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir });
    bots.push(bot);
    const url = await bot.url();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ok: true, store: 'file' });
    expect((await fetch(`${url}/v1/halo/token`, { method: 'POST' })).status).toBe(404);
    const log = bot.lines.join('\n');
    expect(log).toContain('Slack is off. To enable it set SLACK_SIGNING_SECRET');
    expect(log).toContain('Teams is off. To enable it set MICROSOFT_APP_ID');
    expect(log).toContain('MASTER_KEY is not set');
    expect(log).not.toContain('already holds data');
    expect(statSync(join(dir, 'master.key')).mode & 0o777).toBe(0o600);

    bot.child.kill('SIGTERM');
    expect(await bot.exit).toBe(0);
  });

  it('refuses a bad setting with one line and exit 1', async () => {
    const bot = spawnBot({ PORT: 'eighty', DATA_DIR: dataDir() });
    bots.push(bot);
    expect(await bot.exit).toBe(1);
    expect(bot.stderr().trim().split('\n')).toEqual([
      'halo-connect: PORT must be a whole number between 0 and 65535 (got "eighty")',
    ]);
  });

  it('refuses a second process on the same DATA_DIR', async () => {
    const dir = dataDir();
    const first = spawnBot({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir });
    bots.push(first);
    await first.url();
    const second = spawnBot({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir });
    bots.push(second);
    expect(await second.exit).toBe(1);
    expect(second.stderr()).toMatch(/another halo-connect process/i);
  });
});
