import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import { startBot, type RunningBot } from '../../src/main.js';
import { tempDir } from './temp-dir.js';

/**
 * The bot as `npm start` builds it (`startBot` with `loadConfig`), in this process, on an
 * ephemeral loopback port, the file store in a temp dir, logging off. `env` adds settings.
 */
export async function startBenchBot(
  env: Record<string, string>,
): Promise<RunningBot & { dataDir: string }> {
  const dir = await tempDir('bot');
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dir.path,
    MASTER_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'silent',
    HALO_ALLOW_PRIVATE_NETWORK: 'true',
    ...env,
  });
  const bot = await startBot(config);
  return {
    ...bot,
    dataDir: dir.path,
    close: async () => {
      await bot.close();
      await dir.remove();
    },
  };
}
