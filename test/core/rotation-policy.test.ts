import { describe, expect, it } from 'vitest';
import {
  canSnoozeFor,
  firstStage,
  firstStageAfter,
  isoDuration,
  latestStageAt,
  nextStageAfter,
  snoozeEndOf,
  snoozeStageName,
  snoozeUntil,
  stageNamed,
  stagesUntilDue,
  stageUrgency,
  urgencyAt,
  type ReminderSchedule,
  type RotationCycle,
} from '../../src/core/rotation-policy.js';

const DAY = 86_400_000;
const cycle: RotationCycle = {
  rotatedAt: '2025-01-01T00:00:00.000Z',
  rotationDueAt: '2025-04-01T00:00:00.000Z',
};
const schedule: ReminderSchedule = { leadTimesMs: [DAY, 14 * DAY, 7 * DAY], overdueEveryMs: DAY };
const at = (iso: string) => new Date(iso);

describe('rotation stages', () => {
  it('orders the lead times, then due', () => {
    expect(stagesUntilDue(cycle, schedule).map((s) => [s.name, s.at.toISOString()])).toEqual([
      ['lead:P14D', '2025-03-18T00:00:00.000Z'],
      ['lead:P7D', '2025-03-25T00:00:00.000Z'],
      ['lead:P1D', '2025-03-31T00:00:00.000Z'],
      ['due', '2025-04-01T00:00:00.000Z'],
    ]);
    expect(firstStage(cycle, schedule).name).toBe('lead:P14D');
  });

  it('names lead times in days and smaller units', () => {
    expect(isoDuration(14 * DAY)).toBe('P14D');
    expect(isoDuration(36 * 3_600_000)).toBe('P1DT12H');
    expect(isoDuration(90_000)).toBe('PT1M30S');
  });

  it('leaves out lead times that would fall before the cycle started', () => {
    const short = { rotatedAt: cycle.rotatedAt, rotationDueAt: '2025-01-10T00:00:00.000Z' };
    expect(stagesUntilDue(short, schedule).map((s) => s.name)).toEqual([
      'lead:P7D',
      'lead:P1D',
      'due',
    ]);
  });

  it('follows each stage with the next, and due with overdue without end', () => {
    const names = [firstStage(cycle, schedule)];
    for (let i = 0; i < 6; i++) names.push(nextStageAfter(cycle, schedule, names.at(-1)!));
    expect(names.map((s) => s.name)).toEqual([
      'lead:P14D',
      'lead:P7D',
      'lead:P1D',
      'due',
      'overdue:1',
      'overdue:2',
      'overdue:3',
    ]);
    expect(names.at(-1)!.at.toISOString()).toBe('2025-04-04T00:00:00.000Z');
  });

  it('finds the stage a name stands for', () => {
    expect(stageNamed(cycle, schedule, 'overdue:40')?.at.toISOString()).toBe(
      '2025-05-11T00:00:00.000Z',
    );
    expect(stageNamed(cycle, schedule, 'lead:P7D')?.kind).toBe('lead');
    expect(stageNamed(cycle, schedule, 'lead:P3D')).toBeUndefined();
    expect(stageNamed(cycle, schedule, 'overdue:0')).toBeUndefined();
    expect(stageNamed(cycle, schedule, 'snooze:2025-03-20T00:00:00.000Z')).toBeUndefined();
  });

  it('gives the first stage strictly after a time', () => {
    expect(firstStageAfter(cycle, schedule, at('2025-03-18T00:00:00.000Z')).name).toBe('lead:P7D');
    expect(firstStageAfter(cycle, schedule, at('2025-04-01T00:00:00.000Z')).name).toBe('overdue:1');
    expect(firstStageAfter(cycle, schedule, at('2025-04-03T12:00:00.000Z')).name).toBe('overdue:3');
  });
});

describe('latestStageAt', () => {
  it('is undefined before the first stage', () => {
    expect(latestStageAt(cycle, schedule, at('2025-03-17T23:59:59.999Z'))).toBeUndefined();
  });

  it('is the stage whose time has just come', () => {
    expect(latestStageAt(cycle, schedule, at('2025-03-18T00:00:00.000Z'))?.name).toBe('lead:P14D');
    expect(latestStageAt(cycle, schedule, at('2025-03-30T10:00:00.000Z'))?.name).toBe('lead:P7D');
    expect(latestStageAt(cycle, schedule, at('2025-04-01T23:00:00.000Z'))?.name).toBe('due');
  });

  it('after a long downtime is only the latest missed stage', () => {
    expect(latestStageAt(cycle, schedule, at('2025-04-10T08:00:00.000Z'))?.name).toBe('overdue:9');
  });
});

describe('snoozeUntil', () => {
  const due = at(cycle.rotationDueAt);

  it('adds 1 or 3 days', () => {
    expect(snoozeUntil(at('2025-03-18T09:00:00.000Z'), 3, due)).toEqual({
      ok: true,
      until: at('2025-03-21T09:00:00.000Z'),
      clamped: false,
    });
    expect(snoozeUntil(at('2025-03-18T09:00:00.000Z'), 1, due)).toMatchObject({ ok: true });
  });

  it('never goes past the due date', () => {
    expect(snoozeUntil(at('2025-03-30T09:00:00.000Z'), 3, due)).toEqual({
      ok: true,
      until: due,
      clamped: true,
    });
  });

  it('is refused once due, and for other lengths', () => {
    expect(snoozeUntil(due, 1, due)).toMatchObject({ ok: false, reason: 'due' });
    expect(snoozeUntil(at('2025-04-05T00:00:00.000Z'), 3, due)).toMatchObject({
      ok: false,
      reason: 'due',
    });
    expect(snoozeUntil(at('2025-03-18T00:00:00.000Z'), 2, due)).toMatchObject({
      ok: false,
      reason: 'days',
    });
  });

  it('is offered only when it ends before the due date', () => {
    expect(canSnoozeFor(at('2025-03-25T00:00:00.000Z'), 3, due)).toBe(true);
    expect(canSnoozeFor(at('2025-03-31T00:00:00.000Z'), 1, due)).toBe(false);
  });

  it('round-trips its stage name', () => {
    const until = at('2025-03-21T09:00:00.000Z');
    expect(snoozeEndOf(snoozeStageName(until))).toEqual(until);
    expect(snoozeEndOf('lead:P7D')).toBeUndefined();
    expect(snoozeEndOf('snooze:garbage')).toBeUndefined();
  });
});

describe('urgency', () => {
  const due = at(cycle.rotationDueAt);
  const urgencyOf = (name: string) => stageUrgency(stageNamed(cycle, schedule, name)!, due);

  it('escalates from calm to alarm', () => {
    expect(urgencyOf('lead:P14D')).toBe('calm');
    expect(urgencyOf('lead:P7D')).toBe('calm');
    expect(urgencyOf('lead:P1D')).toBe('firm');
    expect(urgencyOf('due')).toBe('urgent');
    expect(urgencyOf('overdue:1')).toBe('alarm');
  });

  it('words a snooze by the time left', () => {
    expect(urgencyAt(at('2025-03-21T00:00:00.000Z'), due)).toBe('calm');
    expect(urgencyAt(at('2025-03-28T00:00:00.000Z'), due)).toBe('firm');
    expect(urgencyAt(due, due)).toBe('urgent');
  });
});
