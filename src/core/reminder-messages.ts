import { CHECK_LABELS } from './check-labels.js';
import { guideStep } from './guide.js';
import { ActionId, type Action, type Field, type Message } from './message.js';
import { day, encodeFormState } from './messages.js';
import { canSnoozeFor, SNOOZE_DAYS, type Urgency } from './rotation-policy.js';
import { firstFailure, type VerificationReport } from './report.js';
import type { ConnectionRecord } from './store.js';

/** A message for a channel plus the people it should notify (Notifier `mentions`). */
export interface MentioningMessage {
  message: Message;
  mentions: string[];
}

/** What a reminder needs besides the connection. */
export interface ReminderContext {
  urgency: Urgency;
  /** When the reminder goes out; the time left or overdue is counted from here. */
  now: Date;
  rotationPeriodMs: number;
  adminUserIds: readonly string[];
}

/** What a Snooze button carries: the length and the cycle it belongs to. */
export interface SnoozeValue {
  days: number;
  cycle: string;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

const BREAKS = [
  "Cloud Depot's billing sync and invoice creation stop working",
  'as soon as the old secret stops working in Halo',
].join(' ');

/** Sentences of copy, kept one per line in the source. */
function lines(...parts: string[]): string {
  return parts.join(' ');
}

/** `3 days`, `1 day`, `5 hours`: a span rounded for people. */
export function describeSpan(ms: number): string {
  const [count, unit] = spanUnit(ms);
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

/** `90-day`, `12-hour`: a rotation period as an adjective. */
function periodName(ms: number): string {
  const [count, unit] = spanUnit(ms);
  return `${count}-${unit}`;
}

/** The largest unit (day, hour, minute, second) in which the span is at least one. */
function spanUnit(ms: number): [number, string] {
  const units: [number, string][] = [
    [DAY_MS, 'day'],
    [HOUR_MS, 'hour'],
    [60_000, 'minute'],
  ];
  for (const [size, unit] of units) {
    if (ms >= size) return [Math.round(ms / size), unit];
  }
  return [Math.max(1, Math.round(ms / 1000)), 'second'];
}

/** The connector and the allow-listed admins, once each: the people a reminder is for. */
export function reminderAudience(record: ConnectionRecord, adminUserIds: readonly string[]) {
  return [...new Set([record.connectedBy, ...adminUserIds])];
}

/** Parses a Snooze button value; undefined when it is not one. */
export function decodeSnoozeValue(value: string | undefined): SnoozeValue | undefined {
  try {
    const parsed = JSON.parse(value ?? '') as Partial<SnoozeValue>;
    if (typeof parsed.days !== 'number' || typeof parsed.cycle !== 'string') return undefined;
    return { days: parsed.days, cycle: parsed.cycle.slice(0, 40) };
  } catch {
    return undefined;
  }
}

function rotateAction(record: ConnectionRecord, label: string): Action {
  return {
    id: ActionId.Rotate,
    label,
    style: 'primary',
    value: encodeFormState({
      mode: 'rotate',
      prefill: { authServer: record.authServer, tenant: record.tenant, clientId: record.clientId },
    }),
  };
}

function snoozeActions(record: ConnectionRecord, now: Date): Action[] {
  const due = new Date(record.rotationDueAt);
  return SNOOZE_DAYS.filter((days) => canSnoozeFor(now, days, due)).map((days) => ({
    id: ActionId.Snooze,
    label: `Snooze ${days} day${days === 1 ? '' : 's'}`,
    value: JSON.stringify({ days, cycle: record.rotatedAt } satisfies SnoozeValue),
  }));
}

function connectionFields(record: ConnectionRecord): Field[] {
  return [
    { label: 'Halo instance', value: new URL(record.authServer).host },
    { label: 'Client ID', value: record.clientId },
    { label: 'Last rotated', value: `${day(record.rotatedAt)} by <@${record.rotatedBy}>` },
    { label: 'Rotation due', value: day(record.rotationDueAt) },
  ];
}

function forLine(people: readonly string[]): string {
  return `For ${people.map((id) => `<@${id}>`).join(', ')}`;
}

const TITLES: Record<Urgency, string> = {
  calm: 'Secret rotation ahead',
  firm: 'Secret rotation soon',
  urgent: 'Secret rotation due',
  alarm: 'Secret rotation overdue',
};

const SEVERITY: Record<Urgency, Message['severity']> = {
  calm: 'info',
  firm: 'warning',
  urgent: 'warning',
  alarm: 'error',
};

/** The headline and the paragraph under it, by urgency. Mentions stay out of the summary. */
function reminderText(record: ConnectionRecord, context: ReminderContext) {
  const due = new Date(record.rotationDueAt);
  const policy = `your ${periodName(context.rotationPeriodMs)} rotation policy`;
  const left = describeSpan(due.getTime() - context.now.getTime());
  const late = describeSpan(context.now.getTime() - due.getTime());
  switch (context.urgency) {
    case 'calm':
      return {
        headline: `The HaloPSA client secret is due for rotation in ${left}, on ${day(due)}.`,
        body: lines(
          `The date comes from ${policy}: Halo does not expire the secret by itself,`,
          'so nothing stops working on that date.',
          `Plan the change: a new secret is used only once it is entered here, and ${BREAKS}.`,
        ),
      };
    case 'firm':
      return {
        headline: `The HaloPSA client secret is due for rotation in ${left}, on ${day(due)}.`,
        body: lines(
          `Under ${policy} it should be replaced by then.`,
          'Use **Rotate now** to enter the new secret:',
          'it is verified before it replaces the old one.',
          `${BREAKS}, so enter the new one right after you create it.`,
        ),
      };
    case 'urgent':
      return {
        headline: `The HaloPSA client secret is due for rotation today (${day(due)}).`,
        body: lines(
          `Under ${policy} it should be rotated today.`,
          'It keeps working until someone regenerates or deletes it in Halo,',
          `and ${BREAKS}: enter the new secret here straight away with **Rotate now**.`,
        ),
      };
    case 'alarm':
      return {
        headline: `The HaloPSA client secret is ${late} past its rotation date (${day(due)}).`,
        body: lines(
          'It still works, because Halo does not expire secrets,',
          `but it is older than ${policy} allows.`,
          'An old secret has had longer to leak, and whoever holds it can read your customers,',
          'purchase orders and invoices and create invoices.',
          'If someone regenerates it in Halo without entering the new one here,',
          "Cloud Depot's billing sync and invoice creation stop at once.",
          'Rotate it now.',
        ),
      };
  }
}

/**
 * The rotation reminder for the connection's channel: the time left or overdue, when and by
 * whom the secret was last rotated, the people it is for, **Rotate now**, and Snooze 1 day or
 * 3 days while a snooze still ends before the due date.
 */
export function reminderMessage(
  record: ConnectionRecord,
  context: ReminderContext,
): MentioningMessage {
  const mentions = reminderAudience(record, context.adminUserIds);
  const { headline, body } = reminderText(record, context);
  const actions = [rotateAction(record, 'Rotate now')];
  if (context.urgency !== 'urgent' && context.urgency !== 'alarm') {
    actions.push(...snoozeActions(record, context.now));
  }
  return {
    mentions,
    message: {
      title: TITLES[context.urgency],
      severity: SEVERITY[context.urgency],
      summary: headline,
      sections: [
        { text: `**${headline}**` },
        { text: body },
        { fields: connectionFields(record) },
        { text: forLine(mentions) },
      ],
      actions,
      context: lines(
        'Two ways to rotate: regenerate the secret in Halo',
        'and enter it here at once (a short gap),',
        'or create a second application with the same agent and scopes, enter it here,',
        'then delete the old one (no gap).',
      ),
    },
  };
}

/**
 * The alert after a re-verification found the stored credentials failing: the failing check,
 * what was found and the fix. Sent once per change from passing to failing.
 */
export function reverifyAlertMessage(
  record: ConnectionRecord,
  report: VerificationReport,
  adminUserIds: readonly string[],
): MentioningMessage {
  const mentions = reminderAudience(record, adminUserIds);
  const failing = firstFailure(report);
  const label = CHECK_LABELS[failing?.id ?? 'token'];
  const step = failing?.step ? guideStep(failing.step) : undefined;
  const headline = `The daily check of the stored HaloPSA credentials failed at "${label}".`;
  const detail = [
    failing?.message,
    failing?.fix ? `**Fix:** ${failing.fix}` : undefined,
    step ? `(guide step ${step.number}: ${step.title})` : undefined,
  ].filter(Boolean);
  return {
    mentions,
    message: {
      title: 'HaloPSA check failing',
      severity: 'error',
      summary: headline,
      sections: [
        { text: `**${headline}**` },
        ...(detail.length
          ? [{ checklist: [{ label, state: 'fail' as const, detail: detail.join(' ') }] }]
          : []),
        {
          text: lines(
            "Until this is fixed, Cloud Depot's billing sync and invoice creation may fail.",
            'I will say so here once the check passes again.',
          ),
        },
        { text: forLine(mentions) },
      ],
      actions: [
        { id: ActionId.Verify, label: 'Verify now' },
        rotateAction(record, 'Enter new credentials'),
      ],
      context: `Checked ${day(report.startedAt)}`,
    },
  };
}

/** The notice after a failing connection passed a re-verification again. Sent once. */
export function recoveryMessage(
  record: ConnectionRecord,
  report: VerificationReport,
  adminUserIds: readonly string[],
): MentioningMessage {
  const mentions = reminderAudience(record, adminUserIds);
  const text = 'The stored HaloPSA credentials work again: every required check passed.';
  return {
    mentions,
    message: {
      title: 'HaloPSA check passing',
      severity: 'success',
      summary: text,
      sections: [{ text }, { text: forLine(mentions) }],
      context: `Checked ${day(report.startedAt)}`,
    },
  };
}

/** Why the channel can no longer be used. */
export type AddressLoss = 'gone' | 'not_in_channel';

/**
 * The direct message to the person who connected when the reminder channel stopped working:
 * what happened, the reminder they would have seen, and where reminders go from now on.
 */
export function addressDisabledMessage(
  record: ConnectionRecord,
  loss: AddressLoss,
  now: Date,
): Message {
  const why =
    loss === 'gone'
      ? 'the channel was archived or deleted, or I was removed from it'
      : 'I am no longer a member of the channel';
  const due = new Date(record.rotationDueAt);
  const left = due.getTime() - now.getTime();
  const when =
    left > 0
      ? `due for rotation in ${describeSpan(left)}, on ${day(due)}`
      : `past its rotation date (${day(due)})`;
  const text = lines(
    `I could not post the HaloPSA rotation reminder in its channel: ${why}.`,
    'I stopped posting there, and reminders now come to you as direct messages.',
    `The client secret is ${when}.`,
    'The next time someone runs `connect` or `rotate` in a channel I am in,',
    'that channel gets the reminders.',
  );
  return {
    title: 'Reminder channel lost',
    severity: 'warning',
    summary: `I could not post the HaloPSA rotation reminder: ${why}.`,
    sections: [{ text }, { fields: connectionFields(record) }],
    actions: [rotateAction(record, 'Rotate now')],
  };
}

/** The answer to a snooze: until when, and that the due date still comes. */
export function snoozedMessage(until: Date, clamped: boolean): Message {
  const text = clamped
    ? `Snoozed until the due date, ${day(until)}. A snooze never goes past the due date.`
    : `Snoozed: the next reminder comes on ${day(until)}. The due date stays the same.`;
  return { title: 'Reminder snoozed', severity: 'info', summary: text, sections: [{ text }] };
}

/** The answer to a snooze that was not done, with the reason. */
export function snoozeRefusedMessage(reason: string): Message {
  return {
    title: 'Not snoozed',
    severity: 'warning',
    summary: reason,
    sections: [{ text: reason }],
  };
}

/**
 * After a rotation to a second application: the old client id was tried and Halo no longer
 * issues a token for it (`retired: true`), or it still does.
 */
export function oldClientCheckMessage(oldClientId: string, retired: boolean): Message {
  const text = retired
    ? `The old client id \`${oldClientId}\` no longer works in Halo: the rotation is complete.`
    : lines(
        `The old client id \`${oldClientId}\` still gets a token from Halo.`,
        'Delete the old application in Halo',
        '(Configuration › Integrations › HaloPSA API › View Applications)',
        'so its secret cannot be used any more.',
      );
  return {
    title: retired ? 'Old credentials retired' : 'Old credentials live',
    severity: retired ? 'success' : 'warning',
    summary: text.replace(/`/g, ''),
    sections: [{ text }],
  };
}
