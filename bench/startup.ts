import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { row } from './row.js';
import { median, since } from './stats.js';
import { slackEnv } from './support/constants.js';
import { FakeSlack } from './support/fake-slack.js';
import { tempDir } from './support/temp-dir.js';
import type { BenchOptions, BenchRow } from './types.js';

const NAME = 'startup';
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A port nobody listens on right now (the child binds it a moment later). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function readyWithin(url: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    if (performance.now() > deadline) throw new Error(`${NAME}: ${url} not ready within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Time from spawning `node --import tsx <entry>` (what `npm start` runs) to the first 200
 * from `/readyz`; the process is stopped with SIGTERM afterwards.
 */
async function timeStart(entry: string, env: Record<string, string>): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      ...env,
      PORT: `${port}`,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit');
  try {
    await Promise.race([
      readyWithin(`http://127.0.0.1:${port}/readyz`, started + 60_000),
      exited.then(([code]) => Promise.reject(new Error(`${entry} exited with ${code}: ${stderr}`))),
    ]);
    return since(started);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

/**
 * 7. Start-up: from process start to a ready `/readyz`, for the bot with the file store,
 * Slack over HTTP (its start-up `auth.test` against a fake Web API) and Teams in local mode,
 * against an express process that only answers `/readyz`, both on the same tsx loader.
 */
export async function startup(options: BenchOptions): Promise<BenchRow[]> {
  const samples = options.smoke ? 1 : 5;
  const fake = await FakeSlack.start();
  const dir = await tempDir('startup');
  const botEnv = {
    HOST: '127.0.0.1',
    DATA_DIR: dir.path,
    MASTER_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'silent',
    TEAMS_LOCAL: 'true',
    ...slackEnv(fake.apiUrl),
  };
  const bot = () => timeStart('src/main.ts', botEnv);
  const bare = () => timeStart('bench/support/bare-readyz.ts', {});
  try {
    if (!options.smoke) {
      // Fills tsx's compile cache and the OS file cache: what a restart finds.
      await bare();
      await bot();
    }
    const times = { bot: [] as number[], bare: [] as number[] };
    for (let i = 0; i < samples; i++) {
      options.progress(`${NAME}: sample ${i + 1} of ${samples}`);
      times.bare.push(await bare());
      times.bot.push(await bot());
    }
    return [
      row(NAME, 'process start to ready /readyz (ms)', median(times.bot), median(times.bare)),
    ];
  } finally {
    await fake.close();
    await dir.remove();
  }
}
