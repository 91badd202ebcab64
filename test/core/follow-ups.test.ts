import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  FollowUps,
  MAX_RUNNING_FOLLOW_UPS,
  type FollowUpUrgency,
} from '../../src/core/follow-ups.js';
import { silentLogger } from '../../src/core/logger.js';

let gate: FollowUps;
let started: string[];

/** Queues a follow-up that records when it starts and then finishes at once. */
function follow(name: string, urgency: FollowUpUrgency = 'urgent') {
  return gate.start(urgency, async () => {
    started.push(name);
    return name;
  });
}

/** Lets microtasks run without moving the clock. */
async function flush(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
}

beforeEach(() => {
  vi.useFakeTimers();
  gate = new FollowUps({ logger: silentLogger, now: () => Date.now() });
  started = [];
});

afterEach(() => {
  vi.useRealTimers();
});

describe('FollowUps', () => {
  it('starts at once when no request is being answered', async () => {
    await expect(follow('alone')).resolves.toBe('alone');
    expect(gate.waiting).toBe(0);
  });

  it('holds work started during a request until 10 ms after the last answer', async () => {
    gate.requestStarted();
    const done = follow('after the ack');
    await flush();
    expect(started).toEqual([]);
    expect(gate.waiting).toBe(1);
    gate.requestEnded();
    await vi.advanceTimersByTimeAsync(9);
    expect(started).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await expect(done).resolves.toBe('after the ack');
  });

  it('stays shut while requests keep coming, even with none in flight at times', async () => {
    void follow('click');
    gate.requestStarted();
    void follow('first click');
    for (let i = 0; i < 20; i++) {
      gate.requestEnded(); // answered; the same client's next request follows 5 ms later
      await vi.advanceTimersByTimeAsync(5);
      gate.requestStarted();
    }
    expect(started).toEqual(['click']);
    gate.requestEnded();
    await vi.advanceTimersByTimeAsync(10);
    expect(started).toEqual(['click', 'first click']);
  });

  it('starts urgent work before normal work when the gate opens', async () => {
    gate.requestStarted();
    void follow('post', 'normal');
    void follow('modal', 'urgent');
    void follow('reply', 'urgent');
    gate.requestEnded();
    await vi.advanceTimersByTimeAsync(10);
    expect(started).toEqual(['modal', 'reply', 'post']);
  });

  it('never holds work longer than its urgency allows, however busy', async () => {
    gate.requestStarted(); // a request that never ends
    void follow('modal', 'urgent');
    void follow('post', 'normal');
    await vi.advanceTimersByTimeAsync(999);
    expect(started).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(started).toEqual(['modal']);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(started).toEqual(['modal', 'post']);
  });

  it('holds background work longest, and starts it last when the gate opens', async () => {
    gate.requestStarted();
    void follow('compaction', 'background');
    void follow('post', 'normal');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(started).toEqual(['post']);
    await vi.advanceTimersByTimeAsync(27_999);
    expect(started).toEqual(['post']);
    await vi.advanceTimersByTimeAsync(1);
    expect(started).toEqual(['post', 'compaction']);

    void follow('second compaction', 'background');
    void follow('modal', 'urgent');
    gate.requestEnded();
    await vi.advanceTimersByTimeAsync(10);
    expect(started.slice(2)).toEqual(['modal', 'second compaction']);
  });

  it('lets a pause start only a few long jobs, never urgent work or overdue jobs', async () => {
    const finish: Array<() => void> = [];
    const long = (name: string) =>
      gate.start('normal', async () => {
        started.push(name);
        await new Promise<void>((resolve) => finish.push(resolve));
      });
    gate.requestStarted();
    for (let i = 0; i < 20; i++) void long(`verify ${i}`);
    gate.requestEnded();
    await vi.advanceTimersByTimeAsync(10);
    expect(started).toHaveLength(MAX_RUNNING_FOLLOW_UPS);
    // Urgent work has places of its own: long verifications never hold up a modal.
    void follow('modal', 'urgent');
    await flush();
    expect(started.at(-1)).toBe('modal');
    // A job that ends makes room for the next at once while the gate is open...
    finish.shift()!();
    await flush();
    expect(started).toHaveLength(MAX_RUNNING_FOLLOW_UPS + 2);
    // ...but not while requests are being answered; their deadline still holds.
    gate.requestStarted();
    finish.shift()!();
    await flush();
    expect(started).toHaveLength(MAX_RUNNING_FOLLOW_UPS + 2);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(started).toHaveLength(21);
    gate.requestEnded();
    for (const done of finish.splice(0)) done();
    await gate.idle();
  });

  it('lets a pause start only a few urgent jobs too, the rest as those end', async () => {
    const finish: Array<() => void> = [];
    gate.requestStarted();
    for (let i = 0; i < MAX_RUNNING_FOLLOW_UPS + 2; i++) {
      void gate.start('urgent', async () => {
        started.push(`reply ${i}`);
        await new Promise<void>((resolve) => finish.push(resolve));
      });
    }
    gate.requestEnded();
    await vi.advanceTimersByTimeAsync(10);
    expect(started).toHaveLength(MAX_RUNNING_FOLLOW_UPS);
    finish.shift()!();
    await flush();
    expect(started).toHaveLength(MAX_RUNNING_FOLLOW_UPS + 1);
    // The last one does not wait past its deadline, whatever runs.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(started).toHaveLength(MAX_RUNNING_FOLLOW_UPS + 2);
    for (const done of finish.splice(0)) done();
    await gate.idle();
  });

  it('passes failures to the caller and waits for queued work in idle()', async () => {
    gate.requestStarted();
    const failing = gate.start('normal', () => Promise.reject(new Error('boom')));
    failing.catch(() => undefined);
    let idle = false;
    void gate.idle().then(() => (idle = true));
    await flush();
    expect(idle).toBe(false);
    gate.requestEnded();
    await vi.advanceTimersByTimeAsync(10);
    await expect(failing).rejects.toThrow('boom');
    await flush();
    expect(idle).toBe(true);
  });

  it('counts a request whose caller went away as ended, once', async () => {
    gate.requestStarted();
    gate.requestEnded();
    gate.requestEnded();
    gate.requestStarted();
    void follow('held');
    await vi.advanceTimersByTimeAsync(20);
    expect(started).toEqual([]);
    gate.requestEnded();
    await vi.advanceTimersByTimeAsync(10);
    expect(started).toEqual(['held']);
  });
});
