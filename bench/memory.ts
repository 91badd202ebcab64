import { startSandbox } from '../src/sandbox/server.js';
import { sandboxScenario } from '../src/sandbox/scenarios.js';
import { row } from './row.js';
import { slackEnv } from './support/constants.js';
import { settled } from './support/compare.js';
import { FakeSlack } from './support/fake-slack.js';
import { launch, type MemoryReading } from './support/servers.js';
import { SlackFlows } from './support/slack-flow.js';
import type { BenchOptions, BenchRow } from './types.js';

const NAME = 'memory';
const MB = 1024 * 1024;
/** Workspaces the flows are spread over: each sees a few connects, as the rate limits allow. */
const WORKSPACES = 100;

/**
 * 6. Memory: the bot's resident memory after start-up, and after complete Slack connect
 * flows (command, click, form, verification against the sandbox, stored, reported), each
 * reading taken after a full garbage collection in the bot's own process. Start-up is
 * compared with a bare express process on the same loader; growth with the readings after
 * a first tenth of the flows (code optimised) and after half of the rest.
 */
export async function memory(options: BenchOptions): Promise<BenchRow[]> {
  const flows = options.smoke ? 10 : 1_000;
  const concurrency = options.smoke ? 2 : 10;
  const warmFlows = flows / 10;
  const midFlows = Math.round((flows + warmFlows) / 2);
  const isolate = !options.smoke;
  const fake = await FakeSlack.start();
  const sandbox = await startSandbox();
  const bare = await launch('bare-http', {}, isolate);
  const bareMemory = await bare.memory();
  await bare.close();
  const bot = await launch('bot', slackEnv(fake.apiUrl), isolate);
  try {
    const started = await bot.memory();
    const driver = new SlackFlows(fake, bot.url);
    const valid = sandboxScenario('valid');
    const form = {
      authServer: sandbox.authServer,
      clientId: valid.clientId,
      clientSecret: valid.clientSecret,
    };
    let next = 0;
    const run = async (until: number) => {
      const worker = async () => {
        for (let i = next++; i < until; i = next++) {
          const who = { teamId: `TB${i % WORKSPACES}`, userId: `UBENCH${i}` };
          const title = await driver.connect(who, form, i);
          if (title !== 'Connected') throw new Error(`${NAME}: flow ${i} ended in "${title}"`);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      next = until;
    };
    options.progress(`${NAME}: ${warmFlows} warm-up flows`);
    await run(warmFlows);
    const warm = await bot.memory();
    options.progress(`${NAME}: ${flows - warmFlows} more flows`);
    await run(midFlows);
    await settled(bot, fake.quiet);
    const mid = await bot.memory();
    await run(flows);
    await settled(bot, fake.quiet);
    const after = await bot.memory();
    return rows(flows, { bare: bareMemory, started, warm, mid, after });
  } finally {
    await bot.close();
    await sandbox.close();
    await fake.close();
  }
}

interface Readings {
  bare: MemoryReading;
  started: MemoryReading;
  warm: MemoryReading;
  mid: MemoryReading;
  after: MemoryReading;
}

/**
 * Growth in the second half of the flows tells a leak (it keeps growing) from caches
 * filling up and the heap's high-water mark (they level off).
 */
function rows(flows: number, m: Readings): BenchRow[] {
  const warmFlows = flows / 10;
  const midFlows = Math.round((flows + warmFlows) / 2);
  const rss = (r: MemoryReading) => r.rss / MB;
  const heap = (r: MemoryReading) => r.heapUsed / MB;
  return [
    row(NAME, 'rss after start-up vs bare express (MB)', rss(m.started), rss(m.bare)),
    row(NAME, `rss after ${flows} flows vs start-up (MB)`, rss(m.after), rss(m.started)),
    row(NAME, `rss after ${flows} flows vs after ${midFlows} (MB)`, rss(m.after), rss(m.mid)),
    row(NAME, `heap after ${flows} flows vs after ${warmFlows} (MB)`, heap(m.after), heap(m.warm)),
    row(NAME, `heap after ${flows} flows vs after ${midFlows} (MB)`, heap(m.after), heap(m.mid)),
  ];
}
