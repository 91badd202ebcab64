import { open, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ErrorCode, HaloConnectError } from '../core/errors.js';
import { fsyncDirectory, writeAll } from './durable-json-file.js';

/** The journal format this code writes and reads, named in the header line. */
const JOURNAL_FORMAT = 1;

const NEWLINE = 0x0a;

/** What {@link FileJournal.read} found. */
export interface JournalContent {
  /** The snapshot generation the journal continues (its header). */
  generation: number;
  /** Each committed batch, oldest first, as parsed, with its 1-based line in the file. */
  batches: Array<{ line: number; ops: unknown }>;
  /** Bytes up to the end of the last whole line: where the next append goes. */
  size: number;
  /** A last line cut short (no newline, or not JSON): an append a killed process began. */
  torn?: { line: number; bytes: number };
}

/**
 * The append-only journal next to the snapshot (`DATA_DIR/halo-connect.journal`, mode
 * 0600), one JSON value per line. The first line is a header, `{"journal":1,"generation":n}`,
 * naming the snapshot generation it continues; each following line is one committed batch.
 *
 * A batch is durable once its line is written and fdatasynced: its cost follows the size of
 * the change, not of the data. The journal is only ever created whole (temporary file, fsync,
 * rename, directory fsync), so its header is never torn.
 *
 * Note: appends must not overlap; the FileStore's commit queue guarantees it.
 */
export class FileJournal {
  readonly path: string;
  readonly #temp: string;
  #handle: FileHandle | undefined;
  #size = 0;

  constructor(path: string) {
    this.path = path;
    this.#temp = join(dirname(path), `.${basename(path)}.tmp`);
  }

  /** Bytes of the journal as last written or opened: every batch acknowledged so far. */
  get size(): number {
    return this.#size;
  }

  /**
   * Reads and parses the journal, or null when there is none (missing or empty). Throws
   * Store for a bad header, or a line that does not parse with more lines after it: that is
   * damage, not a torn append, and dropping it would lose acknowledged changes.
   */
  async read(): Promise<JournalContent | null> {
    const buffer = await readFile(this.path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw new HaloConnectError(ErrorCode.Store, `cannot read ${this.path}`, { cause: error });
    });
    if (buffer === null || buffer.length === 0) return null;
    const batches: JournalContent['batches'] = [];
    let generation: number | undefined;
    let start = 0;
    for (let line = 1; start < buffer.length; line++) {
      const newline = buffer.indexOf(NEWLINE, start);
      const end = newline === -1 ? buffer.length : newline;
      const value = parseLine(buffer.toString('utf8', start, end));
      const isLast = end + 1 >= buffer.length;
      if (line === 1) {
        generation = headerGeneration(value);
        if (generation === undefined || newline === -1) throw this.#badHeader();
      } else if (value === undefined || newline === -1) {
        if (!isLast) throw this.badLine(line, 'is not valid JSON, yet lines follow it');
        return {
          generation: generation!,
          batches,
          size: start,
          torn: { line, bytes: end - start },
        };
      } else {
        batches.push({ line, ops: value });
      }
      start = end + 1;
    }
    return { generation: generation!, batches, size: start };
  }

  /**
   * Opens the journal for appending after its first `size` bytes; anything after them (a
   * torn append) is cut off first.
   */
  async open(size: number): Promise<void> {
    await this.close();
    const handle = await open(this.path, 'a', 0o600);
    try {
      const { size: actual } = await handle.stat();
      if (actual !== size) {
        await handle.truncate(size);
        await handle.datasync();
      }
    } catch (error) {
      await handle.close();
      throw error;
    }
    this.#handle = handle;
    this.#size = size;
  }

  /**
   * Appends `text` (whole lines) and waits until it is on disk. On failure the journal is
   * cut back to what it held before, so a batch that was not acknowledged never comes back;
   * if even that fails, the error is a {@link JournalDamaged}.
   */
  async append(text: string): Promise<void> {
    const handle = this.#handle;
    if (handle === undefined) throw new Error(`${this.path} is not open`);
    const bytes = Buffer.from(text, 'utf8');
    try {
      await writeAll(handle, bytes);
      await handle.datasync();
    } catch (error) {
      try {
        await handle.truncate(this.#size);
        await handle.datasync();
      } catch (truncateError) {
        throw new JournalDamaged(this.path, error, truncateError);
      }
      throw error;
    }
    this.#size += bytes.length;
  }

  /**
   * Replaces the journal, atomically and durably, with an empty one that continues snapshot
   * generation `generation`, and opens it for appending.
   */
  async reset(generation: number): Promise<void> {
    await this.close();
    const header = `${JSON.stringify({ journal: JOURNAL_FORMAT, generation })}\n`;
    const handle = await open(this.#temp, 'w', 0o600);
    try {
      await handle.writeFile(header);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(this.#temp, this.path);
    await fsyncDirectory(dirname(this.path));
    await this.open(Buffer.byteLength(header));
  }

  /** Removes a temporary file a killed writer left behind. */
  async removeLeftovers(): Promise<void> {
    await unlink(this.#temp).catch(() => undefined);
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close();
  }

  /** The error for a damaged line: what is wrong with it, and how to recover. */
  badLine(line: number, what: string): HaloConnectError {
    return new HaloConnectError(
      ErrorCode.Store,
      `${this.path} line ${line} ${what}: the journal is damaged. Restore DATA_DIR (both ` +
        'halo-connect files) from a backup; or, with halo-connect stopped and losing the ' +
        `changes from that line on, keep only the first ${line - 1} lines of the journal ` +
        `(head -n ${line - 1})`,
    );
  }

  #badHeader(): HaloConnectError {
    return new HaloConnectError(
      ErrorCode.Store,
      `${this.path} does not start with a halo-connect journal header; restore DATA_DIR from ` +
        'a backup, or move the file away to start from the snapshot alone (the changes it ' +
        'holds are then lost)',
    );
  }
}

/** An append failed and the journal could not be cut back: it may hold an unacknowledged batch. */
export class JournalDamaged extends Error {
  constructor(path: string, error: unknown, truncateError: unknown) {
    super(`could not write ${path}, nor cut it back after the failed write`, {
      cause: new AggregateError([error, truncateError]),
    });
    this.name = 'JournalDamaged';
  }
}

function parseLine(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function headerGeneration(value: unknown): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { journal, generation } = value as Record<string, unknown>;
  if (journal !== JOURNAL_FORMAT || !Number.isSafeInteger(generation)) return undefined;
  return generation as number;
}
