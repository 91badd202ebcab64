import type { HaloCredentials } from '../../src/core/credentials.js';
import { CHECK_IDS, type CheckResult, type VerificationReport } from '../../src/core/report.js';
import type { HaloVerifier } from '../../src/core/verifier-types.js';

/** The one set of credentials the offline verifier accepts. */
export interface AcceptedCredentials {
  clientId: string;
  secret: string;
}

/** A verifier that never opens a socket, and counts what it was asked. */
export interface OfflineVerifier extends HaloVerifier {
  /** How many verifications ran. */
  readonly runs: number;
}

/**
 * A verifier for the fuzzing suites, where generated Authorisation Servers must never reach
 * the network (a generated `1.1` is 1.0.0.1, a public address). It accepts exactly one set of
 * credentials, as a working Halo would, and reports any other as unreachable, the way the
 * real verifier reports a host it cannot reach. Nothing here touches the network.
 */
export function createOfflineVerifier(accepted: AcceptedCredentials): OfflineVerifier {
  let runs = 0;
  const works = (credentials: HaloCredentials) =>
    credentials.clientId === accepted.clientId &&
    credentials.clientSecret.reveal() === accepted.secret;
  return {
    get runs() {
      return runs;
    },
    async verify(credentials, options = {}) {
      runs += 1;
      const report = works(credentials)
        ? passingReport(credentials)
        : unreachableReport(credentials);
      for (const check of report.checks) options.onCheck?.(check);
      return report;
    },
    async fetchToken(credentials) {
      const report = works(credentials)
        ? passingReport(credentials)
        : unreachableReport(credentials);
      if (!report.ok) return { ok: false, check: report.checks[1]! };
      return {
        ok: true,
        token: {
          accessToken: 'offline-token',
          tokenType: 'Bearer',
          expiresAt: new Date(Date.now() + 3_600_000),
          scope: 'all:standard all:teams admin:webhooks',
          resourceServer: report.resourceServer!,
        },
      };
    },
  };
}

function passingReport(credentials: HaloCredentials): VerificationReport {
  const checks = CHECK_IDS.map((id): CheckResult => ({
    id,
    status: 'pass',
    message: 'OK.',
    ms: 0,
  }));
  return {
    ok: true,
    checks,
    ms: 0,
    startedAt: new Date().toISOString(),
    agent: { id: 1, name: 'Cloud Depot API', isApiAgent: true, isDisabled: false },
    grantedScopes: ['all:standard', 'all:teams', 'admin:webhooks'],
    resourceServer: new URL('/api', credentials.authServer).href,
  };
}

function unreachableReport(credentials: HaloCredentials): VerificationReport {
  const host = new URL(credentials.authServer).host;
  const checks = CHECK_IDS.map((id): CheckResult => {
    if (id === 'input') return { id, status: 'pass', message: 'Well-formed.', ms: 0 };
    if (id === 'reachable') {
      return {
        id,
        status: 'fail',
        message: `Could not reach ${host}.`,
        step: 'application',
        fix: 'Check the Authorisation Server.',
        ms: 0,
      };
    }
    return { id, status: 'skipped', message: 'Skipped: Halo could not be reached.', ms: 0 };
  });
  return { ok: false, checks, ms: 0, startedAt: new Date().toISOString() };
}
