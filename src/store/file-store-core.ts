import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ErrorCode, HaloConnectError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { lockDataDir } from './data-dir-lock.js';
import type { FileData } from './file-data.js';
import type { FileOp } from './file-ops.js';
import { JournalDamaged } from './file-journal.js';
import { CompactionFailed, FilePersistence } from './file-persistence.js';
import { GroupCommitQueue, type Tx } from './group-commit-queue.js';

/** After a failed compaction, the next is tried no sooner than this. */
const COMPACT_RETRY_MS = 60_000;

/** What a file store change records: see {@link FileOp}. */
export type FileTx = Tx<FileOp>;

export interface FileStoreOptions {
  dataDir: string;
  logger: Logger;
  /**
   * Read the files without taking the lock; every write throws. Safe next to a running bot:
   * the load reads again when a compaction lands between its reads of the snapshot and the
   * journal. For tools that only read (`keys check`, copy).
   */
  readOnly?: boolean;
  /** A lock not refreshed for this long is taken over (default 10 s, at least 2 s). */
  lockStaleMs?: number;
  /** How often the lock is refreshed (default 2 s, at least 1 s). */
  lockUpdateMs?: number;
  /** How long `init` waits for a held lock (default: stale time plus one refresh). */
  lockWaitMs?: number;
  /**
   * The journal is compacted once it is larger than the snapshot and than this many bytes
   * (default 1 MiB), so that a small store does not compact all the time.
   */
  compactFloorBytes?: number;
  /**
   * Starts a compaction when the process can spare the time; the bot passes its follow-up
   * gate, so a compaction waits for a burst of platform requests to end (within limits)
   * instead of sharing the event loop with their answers. Default: at once.
   */
  runWhenQuiet?: (work: () => Promise<void>) => Promise<void>;
}

/**
 * The file store's machinery under its record methods: the DATA_DIR lock, the data in memory
 * and on disk ({@link FilePersistence}), the {@link GroupCommitQueue} every change goes
 * through, and background compaction. `onLoad` is called with the data each time it is
 * (re)loaded, for the store to rebuild what it derives from it.
 */
export class FileStoreCore {
  readonly dataDir: string;
  readonly files: FilePersistence;
  readonly #options: FileStoreOptions;
  readonly #logger: Logger;
  readonly #onLoad: (data: FileData) => void;
  readonly #queue: GroupCommitQueue<FileData, FileOp>;
  #data: FileData | undefined;
  #release: (() => Promise<void>) | undefined;
  #closed = false;
  #lost: Error | undefined;
  #compaction: Promise<void> | undefined;
  #compactAfter = 0;

  constructor(options: FileStoreOptions, onLoad: (data: FileData) => void) {
    this.#options = options;
    this.#onLoad = onLoad;
    this.dataDir = resolve(options.dataDir);
    this.#logger = options.logger.child({ store: 'file' });
    this.files = new FilePersistence({
      dataDir: this.dataDir,
      logger: this.#logger,
      readOnly: options.readOnly ?? false,
      compactFloorBytes: options.compactFloorBytes,
    });
    this.#queue = new GroupCommitQueue({
      data: () => this.#data!,
      write: (ops, whole) => this.#write(ops, whole),
      writeFailed: (error) => this.#writeFailed(error),
    });
  }

  async init(): Promise<void> {
    if (this.#options.readOnly) return this.#load();
    await mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    const staleMs = Math.max(this.#options.lockStaleMs ?? 10_000, 2_000);
    const updateMs = Math.min(this.#options.lockUpdateMs ?? 2_000, staleMs / 2);
    this.#release = await lockDataDir(this.dataDir, {
      staleMs,
      updateMs,
      waitMs: this.#options.lockWaitMs ?? staleMs + updateMs,
      logger: this.#logger,
      onLost: (error) => this.#markLost(error, 'the file store lost its lock on DATA_DIR'),
    });
    try {
      await this.files.removeLeftovers();
      await this.#load();
    } catch (error) {
      await this.files.close();
      await this.#releaseLock();
      throw error;
    }
  }

  /** Waits for the writes queued so far and a compaction they started. */
  async idle(): Promise<void> {
    await this.#queue.idle();
    await this.#compaction;
  }

  /** Waits for queued writes and a running compaction (one not yet started is skipped). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue.idle();
    await this.files.close();
    await this.#releaseLock();
  }

  async ping(): Promise<void> {
    this.data();
    if (this.#lost) throw this.#lostError();
    const mode = this.#options.readOnly ? constants.R_OK : constants.W_OK;
    await access(this.dataDir, mode).catch((error: unknown) => {
      throw new HaloConnectError(ErrorCode.Store, `DATA_DIR (${this.dataDir}) is not usable`, {
        cause: error,
      });
    });
  }

  /** The data in memory; throws Store when the store is not open. */
  data(): FileData {
    if (this.#closed) throw new HaloConnectError(ErrorCode.Store, 'the file store is closed');
    if (!this.#data) throw new HaloConnectError(ErrorCode.Store, 'the file store is not open');
    return this.#data;
  }

  /** Queues a change; resolves with its result once it is durable. */
  mutate<R>(apply: (data: FileData, tx: FileTx) => R): Promise<R> {
    try {
      this.data();
      if (this.#options.readOnly) {
        throw new HaloConnectError(ErrorCode.Store, 'the file store was opened read-only');
      }
      if (this.#lost) throw this.#lostError();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#queue.run(apply);
  }

  async #load(): Promise<void> {
    const data = await this.files.load();
    this.#onLoad(data);
    this.#data = data;
  }

  /** Commits one batch: a journal line, or (for an import) the data whole. */
  async #write(ops: readonly FileOp[], whole: boolean): Promise<void> {
    if (whole) await this.files.compact(this.#data!);
    else await this.files.append(ops);
    if (this.files.compactionDue) this.#scheduleCompaction();
  }

  /** Puts memory back to what the files hold, since the batch was not written. */
  async #writeFailed(error: unknown): Promise<Error> {
    this.#logger.error({ err: error, path: this.files.journal.path }, 'data file write failed');
    await this.#reload();
    if (error instanceof JournalDamaged) {
      this.#markLost(error, 'the journal could not be cut back after a failed write');
    }
    // An import's snapshot may have been renamed in place before the failure: then it stands.
    const outcome =
      error instanceof CompactionFailed && error.replaced
        ? 'the data files were read back, and hold this change only if its snapshot was saved'
        : 'nothing of this change was saved';
    return new HaloConnectError(ErrorCode.Store, `could not write to ${this.dataDir}; ${outcome}`, {
      cause: error,
    });
  }

  /** Loads the files again; if even that fails, writes are refused from now on. */
  async #reload(): Promise<void> {
    try {
      await this.#load();
    } catch (reloadError) {
      this.#markLost(reloadError as Error, 'the data files could not be read back');
    }
  }

  /**
   * Queues one compaction, which the queue runs alone once the batches before it are
   * written and `runWhenQuiet` lets it start; a write's caller never waits for it.
   *
   * Note: while it runs, the queue is held: changes queued meanwhile wait, so the data does
   * not change under the serialiser, which yields to the event loop between chunks. That is
   * the simplest correct choice; it delays writes only while a compaction runs, which happens
   * once the journal has grown as large as the snapshot.
   */
  #scheduleCompaction(): void {
    if (this.#compaction || Date.now() < this.#compactAfter) return;
    const runWhenQuiet = this.#options.runWhenQuiet ?? ((work) => work());
    this.#compaction = runWhenQuiet(() => this.#queue.exclusive(() => this.#compact()))
      .catch((error: unknown) => {
        this.#logger.warn({ err: error }, 'compaction could not start; it is tried again later');
      })
      .finally(() => (this.#compaction = undefined));
  }

  async #compact(): Promise<void> {
    if (this.#closed || this.#lost || !this.files.compactionDue) return;
    try {
      await this.files.compact(this.#data!);
    } catch (error) {
      this.#compactAfter = Date.now() + COMPACT_RETRY_MS;
      const replaced = error instanceof CompactionFailed && error.replaced;
      this.#logger.warn(
        { err: error, path: this.files.snapshot.path },
        replaced
          ? 'compaction failed after replacing the snapshot; reading the data files again'
          : 'compaction failed; the snapshot and journal are unchanged, it is tried again later',
      );
      if (replaced) await this.#reload();
    }
  }

  /** From now on every write is refused: another process may own the data. */
  #markLost(error: Error, what: string): void {
    this.#lost = error;
    this.#logger.error(
      { err: error, dataDir: this.dataDir },
      `${what}; writes are refused until halo-connect restarts`,
    );
  }

  #lostError(): HaloConnectError {
    return new HaloConnectError(
      ErrorCode.StoreLocked,
      `this process lost its lock on DATA_DIR (${this.dataDir}), or its data could not be ` +
        're-read; writes are refused to protect the data: restart halo-connect',
      { cause: this.#lost },
    );
  }

  async #releaseLock(): Promise<void> {
    const release = this.#release;
    this.#release = undefined;
    await release?.().catch((error: unknown) => {
      this.#logger.warn({ err: error }, 'could not release the DATA_DIR lock');
    });
  }
}
