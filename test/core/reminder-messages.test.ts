import { describe, expect, it } from 'vitest';
import { ActionId, type Message } from '../../src/core/message.js';
import { decodeFormState } from '../../src/core/messages.js';
import {
  addressDisabledMessage,
  decodeSnoozeValue,
  describeSpan,
  oldClientCheckMessage,
  recoveryMessage,
  reminderMessage,
  reverifyAlertMessage,
} from '../../src/core/reminder-messages.js';
import type { VerificationReport } from '../../src/core/report.js';
import type { Urgency } from '../../src/core/rotation-policy.js';
import { connectionRecord, DAY, testVault } from './scheduler-fixtures.js';

const record = connectionRecord(testVault(), 'T1', '2025-01-01T00:00:00.000Z');
const failing: VerificationReport = {
  ok: false,
  ms: 4,
  startedAt: '2025-02-01T00:00:00.000Z',
  checks: [
    {
      id: 'invoices.read',
      status: 'fail',
      message: 'Halo answered 403 to GET /api/Invoice.',
      step: 'permissions',
      fix: 'Set Invoices to Read, Create and Modify on the agent.',
      ms: 2,
    },
  ],
};

function reminder(urgency: Urgency, nowIso: string): Message {
  const context = { urgency, now: new Date(nowIso), rotationPeriodMs: 90 * DAY, adminUserIds: [] };
  return reminderMessage(record, context).message;
}

const every: Message[] = [
  reminder('calm', '2025-03-18T00:00:00.000Z'),
  reminder('firm', '2025-03-31T00:00:00.000Z'),
  reminder('urgent', '2025-04-01T00:00:00.000Z'),
  reminder('alarm', '2025-04-05T00:00:00.000Z'),
  reverifyAlertMessage(record, failing, ['UADMIN']).message,
  recoveryMessage(record, { ...failing, ok: true, checks: [] }, []).message,
  addressDisabledMessage(record, 'not_in_channel', new Date('2025-03-18T00:00:00.000Z')),
  oldClientCheckMessage(record.clientId, true),
  oldClientCheckMessage(record.clientId, false),
];

describe('reminder messages', () => {
  it('keep titles short and mentions out of summaries', () => {
    for (const message of every) {
      expect(message.title.length).toBeLessThanOrEqual(24);
      expect(message.summary).not.toMatch(/<@/);
    }
  });

  it('say that Halo does not expire the secret, and what an overdue one risks', () => {
    expect(JSON.stringify(every[0])).toContain('Halo does not expire the secret by itself');
    expect(every[3]!.summary).toBe(
      'The HaloPSA client secret is 4 days past its rotation date (2025-04-01).',
    );
    expect(JSON.stringify(every[3])).toContain('older than your 90-day rotation policy allows');
  });

  it('offer Rotate now with the non-secret fields, and snoozes only before the due date', () => {
    const rotate = every[0]!.actions!.find((a) => a.id === ActionId.Rotate)!;
    expect(decodeFormState(rotate.value)).toEqual({
      mode: 'rotate',
      prefill: { authServer: record.authServer, tenant: 'acme', clientId: record.clientId },
    });
    const snoozes = (m: Message) => m.actions!.filter((a) => a.id === ActionId.Snooze);
    expect(snoozes(every[0]!).map((a) => decodeSnoozeValue(a.value))).toEqual([
      { days: 1, cycle: record.rotatedAt },
      { days: 3, cycle: record.rotatedAt },
    ]);
    expect(snoozes(every[2]!)).toEqual([]);
    expect(snoozes(every[3]!)).toEqual([]);
  });

  it('name the failing check and its fix in the alert', () => {
    const alert = reverifyAlertMessage(record, failing, ['UADMIN']);
    expect(alert.mentions).toEqual(['UCONNECTOR', 'UADMIN']);
    expect(alert.message.summary).toContain('"Read invoices"');
    const detail = alert.message.sections[1]!.checklist![0]!.detail;
    expect(detail).toContain('Halo answered 403 to GET /api/Invoice.');
    expect(detail).toContain('**Fix:** Set Invoices to Read, Create and Modify on the agent.');
    expect(detail).toContain("(guide step 2: Set the agent's permissions)");
  });

  it('round spans for people', () => {
    expect(describeSpan(14 * DAY - 60_000)).toBe('14 days');
    expect(describeSpan(DAY)).toBe('1 day');
    expect(describeSpan(5 * 3_600_000)).toBe('5 hours');
    expect(decodeSnoozeValue('not json')).toBeUndefined();
    expect(decodeSnoozeValue('{"days":"1","cycle":"x"}')).toBeUndefined();
  });
});
