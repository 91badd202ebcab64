import { afterAll, beforeAll, expect } from 'vitest';
import type { RateLimit } from '../../src/core/rate-limiter.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/server.js';
import { USERS } from './activities.js';
import { cardProblems, cardsIn } from './card-check.js';
import { TeamsHarness, type HarnessOptions } from './harness.js';

export interface TeamsSuite {
  /** The Halo sandbox of this test file. */
  readonly sandbox: Sandbox;
  /** A harness whose connector knows every test user; closed after the file. */
  harness(
    env?: Record<string, string>,
    perUserLimit?: RateLimit,
    options?: Omit<HarnessOptions, 'env' | 'perUserLimit'>,
  ): Promise<TeamsHarness>;
}

/**
 * The set-up of an end-to-end Teams test file: one Halo sandbox, harnesses on demand, and
 * at the end a check that every card the bot sent or answered with parses as an Adaptive
 * Card 1.5 without warnings.
 */
export function useTeamsSuite(sandboxOptions: SandboxOptions = {}): TeamsSuite {
  const harnesses: TeamsHarness[] = [];
  let sandbox: Sandbox | undefined;

  beforeAll(async () => {
    sandbox = await startSandbox(sandboxOptions);
  });

  afterAll(async () => {
    const sent = harnesses.flatMap((h) => [
      ...h.connector.calls.map((c) => c.body),
      ...h.invokeAnswers,
    ]);
    const cards = sent.flatMap(cardsIn);
    expect(cards.length).toBeGreaterThan(0);
    for (const card of cards) expect(cardProblems(card)).toEqual([]);
    for (const h of harnesses) await h.close();
    await sandbox?.close();
  });

  return {
    get sandbox() {
      if (!sandbox) throw new Error('the sandbox starts in beforeAll');
      return sandbox;
    },
    async harness(env = {}, perUserLimit, options = {}) {
      const h = await TeamsHarness.start({ ...options, env, perUserLimit });
      for (const user of Object.values(USERS)) h.connector.members.set(user.id, user);
      harnesses.push(h);
      return h;
    },
  };
}
