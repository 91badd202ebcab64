import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { sandboxScenario, type SandboxScenario } from '../../src/sandbox/scenarios.js';

/**
 * The one canary secret of a test process: shaped like a Halo client secret (two GUIDs
 * joined by a hyphen), typed into every form of the hardening suites, and searched for
 * afterwards everywhere the bot writes.
 */
export const CANARY_SECRET = `${randomUUID()}-${randomUUID()}`;

/** What must never show up: the secret, each half of it, and its base64 form. */
export const CANARY_FRAGMENTS: readonly string[] = [
  CANARY_SECRET,
  CANARY_SECRET.slice(0, 36),
  CANARY_SECRET.slice(37),
  Buffer.from(CANARY_SECRET).toString('base64'),
];

const BASES = ['valid', 'wrong-secret', 'slow'] as const;

/**
 * A sandbox scenario that behaves like `base` but takes the canary as its secret, under a
 * client id of its own. Give these to `startSandbox({ extraScenarios })`.
 */
export function canaryScenario(base: (typeof BASES)[number] = 'valid'): SandboxScenario {
  const n = BASES.indexOf(base) + 1;
  return {
    ...sandboxScenario(base),
    name: `canary-${base}`,
    clientId: `ca4a7700-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
    clientSecret: CANARY_SECRET,
  };
}

/** Every canary scenario, for `startSandbox({ extraScenarios: CANARY_SCENARIOS })`. */
export const CANARY_SCENARIOS: readonly SandboxScenario[] = BASES.map(canaryScenario);

/**
 * Searches every place for the canary and its fragments. Each place must hold something,
 * so that an empty capture cannot pass for a clean one.
 */
export function expectNoCanary(places: Record<string, string>): void {
  for (const [place, content] of Object.entries(places)) {
    expect(content.length, `${place} is empty: nothing was captured`).toBeGreaterThan(0);
    for (const fragment of CANARY_FRAGMENTS) {
      expect(content.includes(fragment), `canary fragment in ${place}`).toBe(false);
    }
  }
}
