import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, HaloConnectError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { createStore } from './create-store.js';
import { DATA_FILE_NAME } from './file-store.js';
import type { SnapshotStore } from './store-snapshot.js';

/** True for a `postgres://` or `postgresql://` URL; anything else is a DATA_DIR path. */
export function isDatabaseUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** The location as it may be printed: a database URL loses its password. */
export function describeLocation(location: string): string {
  if (!isDatabaseUrl(location)) return location;
  try {
    const url = new URL(location);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return 'a PostgreSQL URL';
  }
}

export interface OpenStoreAtOptions {
  logger: Logger;
  /** File store only: read without the lock (next to a running bot); writes throw. */
  readOnly?: boolean;
  /** File store only: refuse at once when the lock is held, instead of waiting. */
  failFastOnLock?: boolean;
  /** File store only: the data file must already exist (a copy's source). */
  mustExist?: boolean;
}

/**
 * Opens and initialises the store at a DATA_DIR path or a PostgreSQL URL, for the command
 * line tools. Throws HaloConnectError(Store) when `mustExist` and there is no data file, and
 * whatever `init` throws (StoreLocked for a file store in use).
 */
export async function openStoreAt(
  location: string,
  options: OpenStoreAtOptions,
): Promise<SnapshotStore> {
  const url = isDatabaseUrl(location);
  if (!url && options.mustExist && !(await isFile(join(location, DATA_FILE_NAME)))) {
    throw new HaloConnectError(
      ErrorCode.Store,
      `there is no ${DATA_FILE_NAME} in ${location}; give the DATA_DIR of a halo-connect file store`,
    );
  }
  const store = createStore({
    databaseUrl: url ? location : undefined,
    dataDir: location,
    logger: options.logger,
    file: { readOnly: options.readOnly, lockWaitMs: options.failFastOnLock ? 0 : undefined },
  });
  await store.init();
  return store;
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}
