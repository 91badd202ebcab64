import { describe, expect, it, vi } from 'vitest';
import { PendingWork } from '../../src/core/pending-work.js';

/** A promise settled from outside. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('PendingWork', () => {
  it('is idle at once when nothing was added', async () => {
    const pending = new PendingWork();
    await expect(pending.idle()).resolves.toBeUndefined();
    expect(pending.size).toBe(0);
  });

  it('waits for every piece, including one added while it waits', async () => {
    const pending = new PendingWork();
    const first = deferred();
    const second = deferred();
    pending.add(first.promise);
    let idle = false;
    const waiting = pending.idle().then(() => (idle = true));
    pending.add(second.promise);
    first.resolve();
    await Promise.resolve();
    await Promise.resolve();
    expect(idle).toBe(false);
    expect(pending.size).toBe(1);
    second.resolve();
    await waiting;
    expect(idle).toBe(true);
    expect(pending.size).toBe(0);
  });

  it('counts a rejected piece as settled and hands its error to `failed`', async () => {
    const pending = new PendingWork();
    const failed = vi.fn();
    pending.add(Promise.reject(new Error('no')), failed);
    await pending.idle();
    expect(failed).toHaveBeenCalledWith(new Error('no'));
    expect(pending.size).toBe(0);
  });

  it('keeps the count right when `failed` throws, and does not hide that error', async () => {
    const pending = new PendingWork();
    const job = deferred();
    pending.add(job.promise, () => {
      throw new Error('logger broke');
    });
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      job.reject(new Error('no'));
      await pending.idle();
      expect(pending.size).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      process.off('unhandledRejection', unhandled);
    }
    // A broken `failed` is a bug: it surfaces as an unhandled rejection, not silence.
    expect(unhandled).toHaveBeenCalledTimes(1);
  });
});
