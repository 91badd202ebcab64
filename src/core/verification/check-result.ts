import type { StepId } from '../guide.js';
import type { CheckId, CheckResult } from '../report.js';

/** Where to go back to and what to change, for a failing or warning check. */
export interface Advice {
  step: StepId;
  fix: string;
}

/** A check that passed. */
export function passed(id: CheckId, message: string, ms: number): CheckResult {
  return { id, status: 'pass', message, ms };
}

/** A failing check, with the guide step and the fix; `retryAfterSeconds` after a 429. */
export function failed(
  id: CheckId,
  message: string,
  advice: Advice,
  ms: number,
  extra: Pick<CheckResult, 'retryAfterSeconds'> = {},
): CheckResult {
  return { id, status: 'fail', message, step: advice.step, fix: advice.fix, ms, ...extra };
}

/** A check that works but deserves a look, with the guide step and the fix. */
export function warned(id: CheckId, message: string, advice: Advice, ms: number): CheckResult {
  return { id, status: 'warn', message, step: advice.step, fix: advice.fix, ms };
}

/** A check that could not run; `message` says why. */
export function skipped(id: CheckId, message: string): CheckResult {
  return { id, status: 'skipped', message, ms: 0 };
}
