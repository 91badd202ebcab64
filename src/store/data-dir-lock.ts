import { join, resolve } from 'node:path';
import lockfile from 'proper-lockfile';
import { ErrorCode, HaloConnectError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

/** Name of the lock directory inside DATA_DIR. */
export const LOCK_NAME = 'halo-connect.lock';

const RETRY_EVERY_MS = 250;

export interface DataDirLockOptions {
  /** A lock not refreshed for this long belongs to a dead process and is taken over. */
  staleMs: number;
  /** How often the holder refreshes the lock; at most half of `staleMs`. */
  updateMs: number;
  /** How long to wait for a held lock to be released or to go stale before giving up. */
  waitMs: number;
  logger: Logger;
  /** Called when the lock was lost (refresh failed too long, or taken over). */
  onLost(error: Error): void;
}

/**
 * Takes the lock that gives one process DATA_DIR. The lock is a directory whose mtime the
 * holder refreshes every `updateMs`; when the holder dies, even by SIGKILL, the refreshes
 * stop and after `staleMs` the next process takes the lock over. Returns the release function.
 *
 * Throws HaloConnectError(StoreLocked) when another live process holds it after `waitMs`.
 */
export async function lockDataDir(
  dataDir: string,
  options: DataDirLockOptions,
): Promise<() => Promise<void>> {
  const dir = resolve(dataDir);
  const lockfilePath = join(dir, LOCK_NAME);
  const attempt = (retries: number) =>
    lockfile.lock(dir, {
      lockfilePath,
      realpath: false,
      stale: options.staleMs,
      update: options.updateMs,
      retries: { retries, factor: 1, minTimeout: RETRY_EVERY_MS, maxTimeout: RETRY_EVERY_MS },
      onCompromised: (error) => options.onLost(error),
    });
  try {
    return await attempt(0);
  } catch (error) {
    if (!isLocked(error)) throw lockError(dir, error);
    if (options.waitMs <= 0) throw lockedError(dir, options.staleMs, error);
    options.logger.info(
      { dataDir: dir, waitMs: options.waitMs },
      'DATA_DIR is locked; waiting for the holder to stop or its lock to go stale',
    );
  }
  try {
    return await attempt(Math.ceil(options.waitMs / RETRY_EVERY_MS));
  } catch (error) {
    throw isLocked(error) ? lockedError(dir, options.staleMs, error) : lockError(dir, error);
  }
}

function isLocked(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ELOCKED';
}

function lockedError(dir: string, staleMs: number, cause: unknown): HaloConnectError {
  return new HaloConnectError(
    ErrorCode.StoreLocked,
    `another halo-connect process holds DATA_DIR (${dir}): stop it before starting this one. ` +
      'Only one process may use the file store; run several replicas with DATABASE_URL ' +
      `(PostgreSQL) instead. If that process died, its lock (${join(dir, LOCK_NAME)}) is ` +
      `released ${Math.ceil(staleMs / 1000)} s after it stopped.`,
    { cause },
  );
}

function lockError(dir: string, cause: unknown): HaloConnectError {
  return new HaloConnectError(
    ErrorCode.Store,
    `cannot take the lock on DATA_DIR (${dir}); check that the directory exists and is writable`,
    { cause },
  );
}
