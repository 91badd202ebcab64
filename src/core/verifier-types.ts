import type { HaloCredentials } from './credentials.js';
import type { CheckResult, VerificationReport } from './report.js';

export interface VerifyOptions {
  /** Called as each check completes, for live progress. */
  onCheck?: (check: CheckResult) => void;
  signal?: AbortSignal;
}

export interface HaloToken {
  accessToken: string;
  tokenType: string;
  expiresAt: Date;
  scope: string;
  resourceServer: string;
}

export type TokenOutcome = { ok: true; token: HaloToken } | { ok: false; check: CheckResult };

/**
 * Proves a set of credentials against Halo: one token request, then every probe in
 * parallel. Never writes to Halo.
 */
export interface HaloVerifier {
  verify(credentials: HaloCredentials, options?: VerifyOptions): Promise<VerificationReport>;
  /** One token request with the required scopes, for Cloud Depot's token endpoint. */
  fetchToken(credentials: HaloCredentials, signal?: AbortSignal): Promise<TokenOutcome>;
}
