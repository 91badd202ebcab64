import { expect } from 'vitest';
import type { FakeSlackApi } from '../slack/fake-slack-api.js';
import { spawnBot, type BotProcess } from './process.js';
import { botEnv } from './rotation-env.js';
import { errorsIn } from './rotation-log.js';

/** A bot process started by `spawnBotOn`, listening. */
export interface SpawnedBot {
  process: BotProcess;
  url: string;
  /** Its stdout lines: pino JSON. */
  lines: string[];
  /** SIGTERM, then waits for a clean exit: code 0, nothing logged at error level. */
  stop(): Promise<void>;
}

const running = new Set<BotProcess>();

/**
 * Starts `src/main.ts` as its own process with the rotation test settings on `dataDir` (and
 * DATABASE_URL when given in `extra`), Slack on the fake Web API.
 */
export async function spawnBotOn(
  slack: FakeSlackApi,
  dataDir: string,
  extra: Record<string, string>,
): Promise<SpawnedBot> {
  const bot = spawnBot(botEnv(slack, dataDir, extra));
  running.add(bot);
  void bot.exit.then(() => running.delete(bot));
  const url = await bot.url();
  return {
    process: bot,
    url,
    lines: bot.lines,
    stop: async () => {
      bot.child.kill('SIGTERM');
      expect(await bot.exit, bot.stderr()).toBe(0);
      expect(errorsIn(bot.lines)).toEqual([]);
    },
  };
}

/** Kills (SIGKILL) every bot process `spawnBotOn` started that is still running. */
export async function killSpawnedBots(): Promise<void> {
  const left = [...running];
  for (const bot of left) bot.child.kill('SIGKILL');
  await Promise.all(left.map((bot) => bot.exit));
}
