import { formatSeconds } from '../net/to-halo-network-error.js';
import type { Advice } from './check-result.js';

const API_PAGE = 'Configuration › Integrations › HaloPSA API';
const APPLICATION = `${API_PAGE} › View Applications › (your application)`;
const AGENTS = 'Configuration › Teams & Agents › Agents';

/**
 * Every fix the verifier hands an MSP admin, in one place: which Halo screen, which setting.
 * Each names the guide step it belongs to.
 */
export const ADVICE = {
  authServer: {
    step: 'application',
    fix:
      `Copy the Authorisation Server again from API Details in ${API_PAGE} ` +
      '(it usually ends in /auth) and paste it without /token.',
  },
  privateAddress: {
    step: 'application',
    fix:
      `Copy the Authorisation Server again from ${API_PAGE}: it must be your Halo's public ` +
      'https:// address. A Halo on your own network needs the bot operator to set ' +
      'HALO_ALLOW_PRIVATE_NETWORK=true.',
  },
  unreachable: {
    step: 'application',
    fix:
      `Check the Authorisation Server against ${API_PAGE}. If it is right, Halo may be down ` +
      'or not reachable from the internet: open it in a browser, then verify again.',
  },
  tls: {
    step: 'application',
    fix:
      `Check the Authorisation Server against ${API_PAGE}. A self-hosted Halo needs a valid ` +
      'certificate from a public certificate authority for its address.',
  },
  invalidClient: {
    step: 'application',
    fix:
      `In ${APPLICATION}: tick Active, set Authentication Method to Client ID and Secret ` +
      '(Services), save, then copy the Client ID again (it can change on save). If you are ' +
      'not sure of the secret, regenerate it and paste the new one.',
  },
  tenantOrLoginAgent: {
    step: 'application',
    fix:
      `Check the Tenant field matches the Tenant under API Details in ${API_PAGE} (leave it ` +
      `empty only if none is shown). In ${APPLICATION}, set Login Type to Agent and choose ` +
      'the API agent from step 1, then save.',
  },
  loginAgent: {
    step: 'application',
    fix:
      `In ${APPLICATION}, set Login Type to Agent and choose the API agent from step 1, ` +
      'then save.',
  },
  resourceServer: {
    step: 'application',
    fix:
      `Compare the Authorisation Server with API Details in ${API_PAGE}: the API is expected ` +
      'on the same host, under /api. If your Halo shows a separate authorisation host, ' +
      'contact support.',
  },
  agentDisabled: {
    step: 'agent',
    fix: `In ${AGENTS}, open the API agent and make it active again (it is disabled), then save.`,
  },
  agentNotApiOnly: {
    step: 'agent',
    fix:
      `In ${AGENTS}, create an agent with Is an API-only Agent ticked (it uses no licence and ` +
      `nobody can log in with it), then choose it as the Login Type agent in ${APPLICATION}.`,
  },
  visibility: {
    step: 'agent',
    fix:
      `In ${AGENTS}, open the API agent and allow it to see all customers; check it is not ` +
      'limited to some teams or customers. If your Halo has no customers yet, ignore this.',
  },
  tryAgain: {
    step: 'credentials',
    fix: 'Verify again in a few minutes. If it keeps happening, Halo is answering slowly.',
  },
} as const satisfies Record<string, Advice>;

/** The application's Permissions tab, with the scopes to tick. */
export function scopesAdvice(scopes: readonly string[]): Advice {
  return {
    step: 'scopes',
    fix: `In ${APPLICATION} › Permissions, tick ${scopes.join(', ')}, then save.`,
  };
}

/** The agent's Permissions tab, with the one setting to make. */
export function permissionAdvice(area: string, level: string): Advice {
  return {
    step: 'permissions',
    fix: `In ${AGENTS} › (the API agent) › Permissions, set ${area} to ${level}, then save.`,
  };
}

/** After a 429: wait, then verify again. */
export function rateLimitAdvice(retryAfterSeconds: number): Advice {
  return {
    step: 'credentials',
    fix:
      `Halo limits how many requests it accepts (about 300 per 5 minutes). Wait ` +
      `${formatSeconds(retryAfterSeconds * 1000)}, then verify again.`,
  };
}
