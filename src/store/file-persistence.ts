import { join } from 'node:path';
import { ErrorCode, HaloConnectError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { DurableJsonFile } from './durable-json-file.js';
import { migrateFileData, type FileData } from './file-data.js';
import { FileJournal, type JournalContent } from './file-journal.js';
import { applyOps, type FileOp } from './file-ops.js';

/** Name of the snapshot inside DATA_DIR. */
export const DATA_FILE_NAME = 'halo-connect.json';
/** Name of the journal inside DATA_DIR. */
export const JOURNAL_FILE_NAME = 'halo-connect.journal';

/** The journal is compacted once it outgrows the snapshot, and this many bytes at least. */
export const COMPACT_FLOOR_BYTES = 1 << 20;

/** How often a read-only load reads again when a compaction ran between its two reads. */
const READ_ATTEMPTS = 20;

export interface FilePersistenceOptions {
  dataDir: string;
  logger: Logger;
  readOnly: boolean;
  compactFloorBytes?: number;
}

/** A compaction failed; `replaced` when the snapshot may already have been replaced. */
export class CompactionFailed extends Error {
  readonly replaced: boolean;

  constructor(replaced: boolean, cause: unknown) {
    super('compaction failed', { cause });
    this.name = 'CompactionFailed';
    this.replaced = replaced;
  }
}

/**
 * The file store's data on disk: a snapshot, `halo-connect.json` ({@link DurableJsonFile}),
 * and the journal of every batch committed since, `halo-connect.journal` ({@link
 * FileJournal}). A commit appends one line; a compaction writes the data as the next
 * snapshot generation and starts an empty journal that continues it.
 *
 * A crash at any point leaves a pair that loads: a snapshot and its journal, or (between the
 * two renames of a compaction) a new snapshot and the previous generation's journal, which
 * the snapshot already contains and which is then discarded.
 */
export class FilePersistence {
  readonly snapshot: DurableJsonFile<FileData>;
  readonly journal: FileJournal;
  readonly #logger: Logger;
  readonly #readOnly: boolean;
  readonly #floor: number;
  #snapshotBytes = 0;

  constructor(options: FilePersistenceOptions) {
    this.snapshot = new DurableJsonFile(join(options.dataDir, DATA_FILE_NAME));
    this.journal = new FileJournal(join(options.dataDir, JOURNAL_FILE_NAME));
    this.#logger = options.logger;
    this.#readOnly = options.readOnly;
    this.#floor = options.compactFloorBytes ?? COMPACT_FLOOR_BYTES;
  }

  /** True once the journal has outgrown the snapshot (and the floor). */
  get compactionDue(): boolean {
    return this.journal.size > Math.max(this.#snapshotBytes, this.#floor);
  }

  async removeLeftovers(): Promise<void> {
    await this.snapshot.removeLeftovers();
    await this.journal.removeLeftovers();
  }

  /**
   * Reads the snapshot, migrates it, and replays its journal onto it. Unless read-only, the
   * files are then made ready to append to: a torn last line is cut off, an outdated journal
   * replaced, and a migrated snapshot written out (as a compaction).
   */
  async load(): Promise<FileData> {
    const { data, applied, journal } = await this.#read();
    if (this.#readOnly) return data;
    if (journal?.torn) {
      this.#logger.warn(
        { path: this.journal.path, line: journal.torn.line, bytes: journal.torn.bytes },
        'the journal ends in a write that was cut short (the process was stopped during it); ' +
          'that change was never acknowledged and is dropped',
      );
    }
    if (applied.length > 0) {
      await this.compact(data);
      this.#logger.info({ path: this.snapshot.path, applied }, 'data file migrated');
    } else if (journal === null || journal.generation !== data.generation) {
      if (journal !== null) {
        this.#logger.info(
          { path: this.journal.path, generation: journal.generation },
          'the journal is older than the snapshot, which already holds it; starting a new one',
        );
      }
      await this.journal.reset(data.generation);
    } else {
      await this.journal.open(journal.size);
    }
    return data;
  }

  /**
   * Appends one batch and waits until it is durable. The ops are serialised at once, before
   * anything is awaited: they may refer to records that later batches change in place.
   */
  append(ops: readonly FileOp[]): Promise<void> {
    return this.journal.append(`${JSON.stringify(ops)}\n`);
  }

  /**
   * Writes `data` as the next snapshot generation and replaces the journal with an empty one
   * that continues it. `data` must not change meanwhile. Throws {@link CompactionFailed}:
   * when not `replaced`, the previous snapshot and journal are in place and still valid;
   * otherwise the files must be loaded again before the next append.
   */
  async compact(data: FileData): Promise<void> {
    const started = performance.now();
    const journalBytes = this.journal.size;
    const generation = data.generation + 1;
    let bytes: number;
    try {
      bytes = await this.snapshot.writeTemp({ ...data, generation });
    } catch (error) {
      await this.snapshot.removeLeftovers();
      throw new CompactionFailed(false, error);
    }
    try {
      await this.snapshot.replaceWithTemp();
      data.generation = generation;
      this.#snapshotBytes = bytes;
      await this.journal.reset(generation);
    } catch (error) {
      throw new CompactionFailed(true, error);
    }
    this.#logger.debug(
      {
        generation,
        snapshotBytes: bytes,
        journalBytes,
        ms: Math.round(performance.now() - started),
      },
      'data file compacted',
    );
  }

  async close(): Promise<void> {
    await this.journal.close();
  }

  /**
   * Reads the snapshot, then the journal. Read-only, beside a running writer, a compaction
   * may land between the two reads (the journal then continues a newer snapshot): read again.
   */
  async #read(): Promise<{ data: FileData; applied: string[]; journal: JournalContent | null }> {
    for (let attempt = 1; ; attempt++) {
      const snapshot = await this.snapshot.readSized();
      const { data, applied } = migrateFileData(snapshot?.value ?? null, this.snapshot.path);
      if (!Number.isSafeInteger(data.generation) || data.generation < 0) {
        throw new HaloConnectError(
          ErrorCode.Store,
          `${this.snapshot.path} has no valid generation; restore it from a backup`,
        );
      }
      const journal = await this.journal.read();
      if (journal !== null && journal.generation > data.generation) {
        if (this.#readOnly && attempt < READ_ATTEMPTS) {
          // A writer compacting again and again (a tiny compaction floor, a busy machine):
          // give it a moment more each time.
          await new Promise((resolve) => setTimeout(resolve, attempt * 5));
          continue;
        }
        throw this.#newerJournal(journal.generation, data.generation);
      }
      this.#snapshotBytes = snapshot?.bytes ?? 0;
      if (journal?.generation === data.generation) this.#replay(data, journal);
      return { data, applied, journal };
    }
  }

  #replay(data: FileData, journal: JournalContent): void {
    const auditIds = new Set(data.audit.map((event) => event.id));
    for (const { line, ops } of journal.batches) {
      try {
        applyOps(data, ops, auditIds);
      } catch (error) {
        throw this.journal.badLine(
          line,
          `is not a valid journal entry (${(error as Error).message})`,
        );
      }
    }
  }

  #newerJournal(journal: number, snapshot: number): HaloConnectError {
    return new HaloConnectError(
      ErrorCode.Store,
      `${this.journal.path} continues generation ${journal} of the data, but ` +
        `${this.snapshot.path} is generation ${snapshot}: the snapshot is older than its ` +
        'journal (restored from a backup without the journal made with it?), and loading ' +
        'them would lose changes. Restore both files from the same backup; or, to start from ' +
        'the snapshot alone and lose the changes the journal holds, move the journal away',
    );
  }
}
