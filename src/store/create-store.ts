import type { Logger } from '../core/logger.js';
import { FileStore, type FileStoreOptions } from './file-store.js';
import { PostgresStore } from './postgres-store.js';
import type { SnapshotStore } from './store-snapshot.js';

export interface CreateStoreOptions {
  /** DATABASE_URL: when set, PostgreSQL is used and `dataDir` holds no data. */
  databaseUrl?: string;
  /** DATA_DIR: where the file store keeps `halo-connect.json` and `halo-connect.journal`. */
  dataDir: string;
  logger: Logger;
  /** Extra settings for the file store (read-only, lock timings, when to compact). */
  file?: Omit<FileStoreOptions, 'dataDir' | 'logger'>;
}

/**
 * The store the settings ask for: PostgreSQL when DATABASE_URL is set, else the file store
 * in DATA_DIR. Call `init()` on the result before use.
 */
export function createStore(options: CreateStoreOptions): SnapshotStore {
  if (options.databaseUrl !== undefined && options.databaseUrl !== '') {
    return new PostgresStore({ connectionString: options.databaseUrl, logger: options.logger });
  }
  return new FileStore({ ...options.file, dataDir: options.dataDir, logger: options.logger });
}
