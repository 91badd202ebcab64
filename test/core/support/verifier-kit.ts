import type { Clock } from '../../../src/core/clock.js';
import type { HaloCredentials } from '../../../src/core/credentials.js';
import type { Logger } from '../../../src/core/logger.js';
import { silentLogger } from '../../../src/core/logger.js';
import { createHaloDispatcher } from '../../../src/core/net/index.js';
import { Secret } from '../../../src/core/secret.js';
import { createVerifier } from '../../../src/core/verifier.js';
import type { Sandbox } from '../../../src/sandbox/server.js';
import { sandboxScenario } from '../../../src/sandbox/scenarios.js';

export const FIXED_CLOCK: Clock = { now: () => new Date('2026-03-01T12:00:00Z') };

/** A verifier on a private-network dispatcher, as the bot builds it for the sandbox. */
export function createTestVerifier(
  options: { logger?: Logger; deadlineMs?: number; requestTimeoutMs?: number } = {},
) {
  const dispatcher = createHaloDispatcher({ allowPrivateNetwork: true });
  const verifier = createVerifier({
    dispatcher,
    logger: options.logger ?? silentLogger,
    clock: FIXED_CLOCK,
    ...(options.deadlineMs ? { deadlineMs: options.deadlineMs } : {}),
    ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
  });
  return { verifier, dispatcher };
}

/** The credentials a scenario's table row tells an admin to type. */
export function credentialsFor(
  sandbox: Sandbox,
  name: string,
  overrides: Partial<HaloCredentials> = {},
): HaloCredentials {
  const scenario = sandboxScenario(name);
  return {
    authServer: sandbox.authServer,
    clientId: scenario.clientId,
    clientSecret: new Secret(scenario.clientSecret),
    ...overrides,
  };
}
