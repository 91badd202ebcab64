import { toHaloConnectError, type HaloConnectError } from '../errors.js';

/** A result or the HaloConnectError it failed with, and how long it took. */
export type Timed<T> =
  { ok: true; value: T; ms: number } | { ok: false; error: HaloConnectError; ms: number };

/** Runs `work`, measuring it in whole milliseconds; never rejects. */
export async function timed<T>(work: () => Promise<T>): Promise<Timed<T>> {
  const start = performance.now();
  const ms = () => Math.round(performance.now() - start);
  try {
    const value = await work();
    return { ok: true, value, ms: ms() };
  } catch (error) {
    return {
      ok: false,
      error: toHaloConnectError(error, 'unexpected failure talking to Halo'),
      ms: ms(),
    };
  }
}
