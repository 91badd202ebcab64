import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import type { Clock } from '../../src/core/clock.js';
import { startBot, type RunningBot } from '../../src/main.js';
import { FakeSlackApi } from '../slack/fake-slack-api.js';
import { BOT_TOKEN, SIGNING_SECRET } from '../slack/harness.js';
import { ADMIN } from '../slack/payloads.js';
import { USERS } from '../teams/activities.js';
import { FakeConnector } from '../teams/fake-connector.js';

/** One key for every bot of a test run: a restarted process opens what the first one sealed. */
const MASTER_KEY = randomBytes(32).toString('base64');

/**
 * A rotation cycle of seconds: due 6 s after a connect, lead reminders 4 s and 2 s before,
 * then overdue every 2 s. Two seconds between stages leave room for a slow CI machine; the
 * scheduler looks every 200 ms.
 */
export const SHORT_CYCLE = {
  ROTATION_PERIOD: 'PT6S',
  REMINDER_LEAD_TIMES: 'PT4S,PT2S',
  REMINDER_OVERDUE_EVERY: 'PT2S',
  SCHEDULER_INTERVAL: 'PT0.2S',
} as const;

/** The stage names of SHORT_CYCLE up to the due date, in order. */
export const SHORT_STAGES = ['lead:PT4S', 'lead:PT2S', 'due'] as const;

/** The chat peers of one bot: a fake Slack Web API and a fake Teams connector. */
export interface ChatPeers {
  slack: FakeSlackApi;
  teams: FakeConnector;
  close(): Promise<void>;
}

const openPeers = new Set<ChatPeers>();

/**
 * Starts both fakes; the Slack admin is a workspace admin and every Teams user a member.
 * `closeChatPeers` (in `afterEach`) closes them.
 */
export async function startChatPeers(): Promise<ChatPeers> {
  const [slack, teams] = await Promise.all([FakeSlackApi.start(), FakeConnector.start()]);
  slack.users.set(ADMIN, { is_admin: true });
  for (const user of Object.values(USERS)) teams.members.set(user.id, user);
  const peers: ChatPeers = {
    slack,
    teams,
    close: async () => {
      openPeers.delete(peers);
      await Promise.all([slack.close(), teams.close()]);
    },
  };
  openPeers.add(peers);
  return peers;
}

/** Closes every pair of fakes `startChatPeers` started and that is still open. */
export async function closeChatPeers(): Promise<void> {
  await Promise.all([...openPeers].map((peers) => peers.close()));
}

/**
 * The settings of a bot on loopback with Slack on the fake Web API, Teams in local mode, the
 * Halo sandbox allowed, debug logs (the scheduler's skips are debug lines) and a fixed master
 * key, so a second process can open what the first one sealed.
 */
export function botEnv(
  slack: FakeSlackApi,
  dataDir: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    MASTER_KEY: MASTER_KEY,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: slack.apiUrl,
    TEAMS_LOCAL: 'true',
    HALO_ALLOW_PRIVATE_NETWORK: 'true',
    LOG_LEVEL: 'debug',
    ...extra,
  };
}

/** A bot started in this process by `startBot`, with its log lines. */
export interface InProcessBot {
  bot: RunningBot;
  lines: string[];
  dataDir: string;
  /** Closes the bot (once) and removes its data directory. */
  close(): Promise<void>;
}

/** Starts the composed bot of `src/main.ts` on a fresh data directory. */
export async function startInProcess(
  peers: ChatPeers,
  extra: Record<string, string>,
  clock?: Clock,
): Promise<InProcessBot> {
  const dataDir = await mkdtemp(join(tmpdir(), 'halo-rotation-'));
  const lines: string[] = [];
  const config = loadConfig(botEnv(peers.slack, dataDir, extra));
  const bot = await startBot(config, {
    clock,
    logDestination: { write: (line: string) => void lines.push(line) },
  });
  let closing: Promise<void> | undefined;
  return {
    bot,
    lines,
    dataDir,
    close: () =>
      (closing ??= (async () => {
        await bot.close();
        await rm(dataDir, { recursive: true, force: true });
      })()),
  };
}

/** A clock that runs with real time plus an offset the test moves forward. */
export class OffsetClock implements Clock {
  #offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.#offsetMs);
  }

  /** Moves the clock so that it reads `at` now, and runs on from there. */
  set(at: Date): void {
    this.#offsetMs = at.getTime() - Date.now();
  }
}

/** Polls `probe` every 20 ms until it answers something truthy; throws after `timeoutMs`. */
export async function waitUntil<T>(
  what: string,
  probe: () => T | undefined | null | false,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
