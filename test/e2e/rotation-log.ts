import { expect } from 'vitest';

/** One pino JSON line of the bot. */
export interface LogEntry {
  /** Epoch milliseconds (the bot writes ISO times; `parseLog` converts them). */
  time: number;
  /** pino's number: 40 warn, 50 error. */
  level: number;
  msg: string;
  connectionId?: string;
  stage?: string;
  why?: string;
  direct?: boolean;
  cycle?: string;
  at?: string;
}

/** The messages logged at `error` or above: a bug, in any of these tests. */
export function errorsIn(lines: readonly string[]): string[] {
  return parseLog(lines)
    .filter((e) => e.level >= 50)
    .map((e) => e.msg);
}

/** A reminder the scheduler reported as posted. */
export interface SentStage {
  stage: string;
  time: number;
  direct: boolean;
}

/** The JSON lines among `lines` (a spawned process also prints other things). */
export function parseLog(lines: readonly string[]): LogEntry[] {
  return lines.flatMap((line) => {
    try {
      const entry = JSON.parse(line) as Omit<LogEntry, 'time'> & { time: string | number };
      return [{ ...entry, time: new Date(entry.time).getTime() }];
    } catch {
      return [];
    }
  });
}

function ofConnection(lines: readonly string[], msg: string, connectionId: string): LogEntry[] {
  return parseLog(lines).filter((e) => e.msg === msg && e.connectionId === connectionId);
}

/** The rotation stages posted for a connection (health notices left out), in order. */
export function sentStages(lines: readonly string[], connectionId: string): SentStage[] {
  return ofConnection(lines, 'reminder sent', connectionId)
    .filter((e) => !e.stage?.startsWith('health:'))
    .map((e) => ({ stage: e.stage ?? '', time: e.time, direct: e.direct ?? false }));
}

/** The names of `sentStages`. */
export function sentNames(lines: readonly string[], connectionId: string): string[] {
  return sentStages(lines, connectionId).map((s) => s.stage);
}

/** Reminders the scheduler skipped, with the reason it logged. */
export function skipped(lines: readonly string[], connectionId: string) {
  return ofConnection(lines, 'reminder skipped', connectionId).map((e) => ({
    stage: e.stage ?? '',
    why: e.why ?? '',
  }));
}

/** The start of the newest cycle the scheduler planned for a connection, if any yet. */
export function plannedCycle(lines: readonly string[], connectionId: string): Date | undefined {
  const planned = ofConnection(lines, 'rotation reminders planned', connectionId).at(-1);
  return planned?.cycle ? new Date(planned.cycle) : undefined;
}

/** The overdue number of a stage name, or undefined for any other stage. */
export function overdueNumber(stage: string): number | undefined {
  const match = /^overdue:(\d+)$/.exec(stage);
  return match ? Number(match[1]) : undefined;
}

/**
 * Asserts that `names` is `before` followed by overdue stages numbered on from `firstOverdue`
 * without a gap or a repeat, at least `minOverdue` of them: every stage once, in order.
 */
export function expectStageRun(
  names: readonly string[],
  before: readonly string[],
  minOverdue: number,
  firstOverdue = 1,
): void {
  expect(names.slice(0, before.length)).toEqual(before);
  const overdue = names.slice(before.length);
  expect(overdue.length).toBeGreaterThanOrEqual(minOverdue);
  expect(overdue).toEqual(overdue.map((_, i) => `overdue:${firstOverdue + i}`));
}
