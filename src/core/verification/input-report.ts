import type { Clock } from '../clock.js';
import type { FieldProblem } from '../credentials.js';
import { CHECK_IDS, type VerificationReport } from '../report.js';
import { failed, skipped } from './check-result.js';

/**
 * The report for a form that did not pass `normalizeCredentials`: a failing `input` check
 * whose message lists every problem (each names its field and the fix), every other check
 * skipped. Nothing was sent to Halo.
 */
export function buildInputFailureReport(
  problems: readonly FieldProblem[],
  clock: Clock,
): VerificationReport {
  const message = problems.map((p) => p.message).join(' ');
  const fix = 'Correct the fields named above, then verify again.';
  const input = failed('input', message, { step: 'credentials', fix }, 0);
  const rest = CHECK_IDS.filter((id) => id !== 'input').map((id) =>
    skipped(id, 'Skipped: the form values need fixing first.'),
  );
  return { ok: false, checks: [input, ...rest], ms: 0, startedAt: clock.now().toISOString() };
}
