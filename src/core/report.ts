import type { StepId } from './guide.js';

export const CHECK_IDS = [
  'input',
  'reachable',
  'token',
  'scopes',
  'agent',
  'customers.read',
  'purchaseOrders.read',
  'invoices.read',
  'invoices.write',
  'webhooks',
  'visibility',
] as const;

export type CheckId = (typeof CHECK_IDS)[number];

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skipped';

export interface CheckResult {
  id: CheckId;
  status: CheckStatus;
  /** One sentence for an admin: what was found. Never a secret, never a dumped page. */
  message: string;
  /** The guide step to go back to, for fail and warn. */
  step?: StepId;
  /** What to change in Halo, for fail and warn. */
  fix?: string;
  ms: number;
  /** Set when Halo answered 429. */
  retryAfterSeconds?: number;
}

export interface AgentFacts {
  id?: number;
  name?: string;
  isApiAgent?: boolean;
  isAdmin?: boolean;
  isDisabled?: boolean;
}

export interface VerificationReport {
  ok: boolean;
  checks: CheckResult[];
  ms: number;
  startedAt: string;
  agent?: AgentFacts;
  grantedScopes?: string[];
  /** The Halo resource server the probes used, e.g. `https://x.halopsa.com/api`. */
  resourceServer?: string;
}

/** The first failing check, the one an admin should fix first. */
export function firstFailure(report: VerificationReport): CheckResult | undefined {
  return report.checks.find((c) => c.status === 'fail');
}
