import { Duration } from 'luxon';

/**
 * The rotation schedule as pure functions: every time is computed from the cycle and a `now`
 * the caller passes in, so the same inputs always give the same stages.
 *
 * A cycle starts at `rotatedAt` (a connect or a rotation) and is due at `rotationDueAt`. Its
 * stages, in order: `lead:<ISO duration>` at due − lead for each lead time, `due` at due, then
 * `overdue:<n>` at due + n × overdueEvery for n = 1, 2, … without end, until the next rotation
 * starts a new cycle. A snooze adds a `snooze:<ISO instant>` reminder at the instant named.
 */
export interface RotationCycle {
  rotatedAt: string;
  rotationDueAt: string;
}

/** The reminder settings: REMINDER_LEAD_TIMES and REMINDER_OVERDUE_EVERY, in milliseconds. */
export interface ReminderSchedule {
  /** Any order; a lead time that would fall before the cycle started is left out. */
  leadTimesMs: readonly number[];
  overdueEveryMs: number;
}

export type StageKind = 'lead' | 'due' | 'overdue';

/** One regular stage of a cycle. */
export interface Stage {
  name: string;
  kind: StageKind;
  at: Date;
}

/** How firmly a reminder is worded: calm, firm, urgent (due today), alarm (overdue). */
export type Urgency = 'calm' | 'firm' | 'urgent' | 'alarm';

export type SnoozeDays = 1 | 3;

export const SNOOZE_DAYS: readonly SnoozeDays[] = [1, 3];

export type SnoozeDecision =
  | { ok: true; until: Date; clamped: boolean }
  | { ok: false; reason: 'due' | 'days'; message: string };

const DAY_MS = 86_400_000;
/** Lead times at least this long are worded calmly; shorter ones more firmly. */
const CALM_LEAD_MS = 7 * DAY_MS;
const SNOOZE_PREFIX = 'snooze:';

/** A duration in ISO 8601 form, in days and smaller units: 14 days is `P14D`, not `P2W`. */
export function isoDuration(ms: number): string {
  return (
    Duration.fromMillis(ms)
      .shiftTo('days', 'hours', 'minutes', 'seconds', 'milliseconds')
      .toISO() ?? `PT${ms / 1000}S`
  );
}

/** The stage name of a lead time, e.g. `lead:P14D`. */
export function leadStageName(leadMs: number): string {
  return `lead:${isoDuration(leadMs)}`;
}

/** The stage name of a snooze ending at `until`, e.g. `snooze:2025-03-18T09:00:00.000Z`. */
export function snoozeStageName(until: Date): string {
  return `${SNOOZE_PREFIX}${until.toISOString()}`;
}

/** When a snooze stage ends, or undefined if the name is not a snooze stage. */
export function snoozeEndOf(stageName: string): Date | undefined {
  if (!stageName.startsWith(SNOOZE_PREFIX)) return undefined;
  const until = new Date(stageName.slice(SNOOZE_PREFIX.length));
  return Number.isNaN(until.getTime()) ? undefined : until;
}

function dueOf(cycle: RotationCycle): number {
  return new Date(cycle.rotationDueAt).getTime();
}

function overdueStage(cycle: RotationCycle, schedule: ReminderSchedule, n: number): Stage {
  return {
    name: `overdue:${n}`,
    kind: 'overdue',
    at: new Date(dueOf(cycle) + n * schedule.overdueEveryMs),
  };
}

/**
 * The stages up to and including `due`, in time order. Overdue stages follow without end;
 * `nextStageAfter` and `latestStageAt` compute them.
 */
export function stagesUntilDue(cycle: RotationCycle, schedule: ReminderSchedule): Stage[] {
  const due = dueOf(cycle);
  const start = new Date(cycle.rotatedAt).getTime();
  const leads = [...new Set(schedule.leadTimesMs)]
    .sort((a, b) => b - a)
    .filter((lead) => due - lead > start)
    .map((lead): Stage => ({ name: leadStageName(lead), kind: 'lead', at: new Date(due - lead) }));
  return [...leads, { name: 'due', kind: 'due', at: new Date(due) }];
}

/**
 * The regular stage a name stands for, or undefined for a name this schedule does not have
 * (a snooze, a health alert, a lead time removed from the settings since).
 */
export function stageNamed(
  cycle: RotationCycle,
  schedule: ReminderSchedule,
  name: string,
): Stage | undefined {
  const overdue = /^overdue:(\d+)$/.exec(name);
  if (overdue) {
    const n = Number(overdue[1]);
    return n >= 1 ? overdueStage(cycle, schedule, n) : undefined;
  }
  return stagesUntilDue(cycle, schedule).find((stage) => stage.name === name);
}

/** The first stage of a cycle: the one planned when the cycle starts. */
export function firstStage(cycle: RotationCycle, schedule: ReminderSchedule): Stage {
  return stagesUntilDue(cycle, schedule)[0]!;
}

/** The first stage strictly after `time`. There always is one: overdue stages never end. */
export function firstStageAfter(
  cycle: RotationCycle,
  schedule: ReminderSchedule,
  time: Date,
): Stage {
  const upcoming = stagesUntilDue(cycle, schedule).find((s) => s.at.getTime() > time.getTime());
  if (upcoming) return upcoming;
  const n = Math.floor((time.getTime() - dueOf(cycle)) / schedule.overdueEveryMs) + 1;
  return overdueStage(cycle, schedule, Math.max(1, n));
}

/** The stage that follows `stage`. */
export function nextStageAfter(
  cycle: RotationCycle,
  schedule: ReminderSchedule,
  stage: Stage,
): Stage {
  return firstStageAfter(cycle, schedule, stage.at);
}

/**
 * The latest stage whose time is at or before `now`, or undefined before the first one.
 * After downtime this is the one reminder to send: the stages missed before it are not sent
 * as a burst.
 */
export function latestStageAt(
  cycle: RotationCycle,
  schedule: ReminderSchedule,
  now: Date,
): Stage | undefined {
  const t = now.getTime();
  const due = dueOf(cycle);
  if (t >= due + schedule.overdueEveryMs) {
    return overdueStage(cycle, schedule, Math.floor((t - due) / schedule.overdueEveryMs));
  }
  return stagesUntilDue(cycle, schedule)
    .filter((stage) => stage.at.getTime() <= t)
    .at(-1);
}

/**
 * Until when a snooze of `days` days asked at `now` lasts. Never past the due date: a snooze
 * that would end later ends at the due date (`clamped`). Once the due date is reached a snooze
 * is refused, so the due and overdue reminders always go out.
 */
export function snoozeUntil(now: Date, days: number, due: Date): SnoozeDecision {
  if (!SNOOZE_DAYS.includes(days as SnoozeDays)) {
    return { ok: false, reason: 'days', message: 'A reminder can be snoozed for 1 or 3 days.' };
  }
  if (now.getTime() >= due.getTime()) {
    return {
      ok: false,
      reason: 'due',
      message: 'The rotation is due: the reminder can no longer be snoozed.',
    };
  }
  const wanted = now.getTime() + days * DAY_MS;
  const until = Math.min(wanted, due.getTime());
  return { ok: true, until: new Date(until), clamped: wanted >= due.getTime() };
}

/** Whether snoozing for `days` at `now` still ends before the due date (worth offering). */
export function canSnoozeFor(now: Date, days: number, due: Date): boolean {
  return now.getTime() + days * DAY_MS < due.getTime();
}

/**
 * How firmly to word a reminder sent at `at` for a cycle due at `due`: calm while at least
 * seven days are left, firm closer than that, urgent on the due date, alarm once overdue.
 */
export function urgencyAt(at: Date, due: Date): Urgency {
  const left = due.getTime() - at.getTime();
  if (left >= CALM_LEAD_MS) return 'calm';
  if (left > 0) return 'firm';
  return left === 0 ? 'urgent' : 'alarm';
}

/** The wording level of a regular stage: lead times by length, then `due`, then overdue. */
export function stageUrgency(stage: Stage, due: Date): Urgency {
  if (stage.kind === 'due') return 'urgent';
  if (stage.kind === 'overdue') return 'alarm';
  return urgencyAt(stage.at, due);
}
