import { guideStep } from '../core/guide.js';
import type { CheckStatus, VerificationReport } from '../core/report.js';

const MARKS: Record<CheckStatus, string> = { pass: '✓', fail: '✗', warn: '!', skipped: '–' };

/**
 * The report as a terminal checklist: a mark (✓ ✗ ! –), the check, what was found, and for a
 * failure or a warning the guide step and the fix.
 */
export function formatChecklist(report: VerificationReport, host?: string): string {
  const verdict = report.ok ? 'passed' : 'failed';
  const title = host ? `Halo verification for ${host}` : 'Halo verification';
  const lines = [`${title}: ${verdict} (${report.ms} ms)`, ''];
  const width = Math.max(...report.checks.map((c) => c.id.length));
  for (const check of report.checks) {
    lines.push(
      `${MARKS[check.status]} ${check.id.padEnd(width)}  ${check.message} (${check.ms} ms)`,
    );
    if (check.step) {
      const step = guideStep(check.step);
      lines.push(`    step ${step.number}, ${step.title}: ${check.fix ?? ''}`);
    }
  }
  return lines.join('\n');
}

/** The `--json` shape: exactly `{ ok, checks: [{ id, status, step, message, ms }], ms }`. */
export function toJsonSummary(report: VerificationReport) {
  return {
    ok: report.ok,
    checks: report.checks.map(({ id, status, step, message, ms }) => ({
      id,
      status,
      step: step ?? null,
      message,
      ms,
    })),
    ms: report.ms,
  };
}
