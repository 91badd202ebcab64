import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Adapter } from 'lowdb';
import { TextFile } from 'lowdb/node';
import { ErrorCode, HaloConnectError } from '../core/errors.js';

/** Records serialised between two yields to the event loop. */
const RECORDS_PER_CHUNK = 250;
/** Serialised text gathered before it is written out. */
const WRITE_EVERY_BYTES = 1 << 20;

/**
 * A lowdb adapter for a JSON file that survives a crash at any instant.
 *
 * lowdb's own `JSONFile` writes through steno: `writeFile` to a temporary file, then
 * `rename`. The rename makes the replacement atomic for other readers and after a killed
 * process, but nothing is fsynced, so after a power loss or kernel crash the renamed file can
 * be empty or partly written on common file systems. Here the temporary file is fsynced
 * before the rename and the directory after it, so an acknowledged write is on disk.
 *
 * The content is serialised a few hundred records at a time, yielding to the event loop in
 * between, so that writing a file of hundreds of megabytes never blocks it for long (one
 * `JSON.stringify` of 240 MB blocks it for seconds). The value must not change until the
 * write has finished.
 *
 * Note: writes must not overlap; the FileStore's commit queue guarantees it.
 */
export class DurableJsonFile<T extends object> implements Adapter<T> {
  readonly path: string;
  readonly #reader: TextFile;
  readonly #temp: string;

  constructor(path: string) {
    this.path = path;
    this.#reader = new TextFile(path);
    this.#temp = join(dirname(path), `.${basename(path)}.tmp`);
  }

  /** The parsed file, or null when it does not exist. Throws Store on unparsable JSON. */
  async read(): Promise<T | null> {
    return (await this.readSized())?.value ?? null;
  }

  /** As {@link read}, with the file's size in bytes. */
  async readSized(): Promise<{ value: T; bytes: number } | null> {
    const text = await this.#reader.read();
    if (text === null) return null;
    try {
      return { value: JSON.parse(text) as T, bytes: Buffer.byteLength(text) };
    } catch (error) {
      throw new HaloConnectError(
        ErrorCode.Store,
        `${this.path} is not valid JSON; restore it from a backup, or move it away to start ` +
          'with an empty store',
        { cause: error },
      );
    }
  }

  /** Replaces the file with `data`: {@link writeTemp}, then {@link replaceWithTemp}. */
  async write(data: T): Promise<void> {
    await this.writeTemp(data);
    await this.replaceWithTemp();
  }

  /**
   * Writes `data` to the temporary file next to the file, in chunks, and fsyncs it. Returns
   * its size in bytes. The file itself is untouched until {@link replaceWithTemp}.
   */
  async writeTemp(data: T): Promise<number> {
    const handle = await open(this.#temp, 'w', 0o600);
    let bytes = 0;
    try {
      let pending: string[] = [];
      let pendingLength = 0;
      const flush = async () => {
        const buffer = Buffer.from(pending.join(''), 'utf8');
        pending = [];
        pendingLength = 0;
        await writeAll(handle, buffer);
        bytes += buffer.length;
      };
      for (const piece of jsonPieces(data, RECORDS_PER_CHUNK)) {
        pending.push(piece);
        pendingLength += piece.length;
        if (pendingLength >= WRITE_EVERY_BYTES) await flush();
        else await nextTurn();
      }
      await flush();
      await handle.sync();
    } finally {
      await handle.close();
    }
    return bytes;
  }

  /** Renames the temporary file over the file and fsyncs the directory. */
  async replaceWithTemp(): Promise<void> {
    await rename(this.#temp, this.path);
    await fsyncDirectory(dirname(this.path));
  }

  /** Removes a temporary file a killed writer left behind. */
  async removeLeftovers(): Promise<void> {
    await unlink(this.#temp).catch(() => undefined);
  }
}

/**
 * `JSON.stringify(value)`, in pieces: the top-level object's own members one by one, and the
 * members of an object or array inside it `perPiece` at a time. Joined, the pieces are what
 * `JSON.stringify` gives for plain data (no `toJSON`, no cycles).
 */
export function* jsonPieces(value: object, perPiece: number): Generator<string> {
  let first = true;
  yield '{';
  for (const [key, member] of Object.entries(value)) {
    if (member === undefined || typeof member === 'function') continue;
    yield `${first ? '' : ','}${JSON.stringify(key)}:`;
    first = false;
    if (typeof member === 'object' && member !== null) yield* containerPieces(member, perPiece);
    else yield JSON.stringify(member);
  }
  yield '}';
}

function* containerPieces(container: object, perPiece: number): Generator<string> {
  if (Array.isArray(container)) {
    yield '[';
    for (let start = 0; start < container.length; start += perPiece) {
      const slice = container.slice(start, start + perPiece) as unknown[];
      const part = slice.map((value) => stringify(value) ?? 'null').join(',');
      yield start === 0 ? part : `,${part}`;
    }
    yield ']';
    return;
  }
  const record = container as Record<string, unknown>;
  // Note: keys, not Object.entries: the pairs of 100,000 records take three times as long to
  // build, all at once, blocking the event loop.
  const keys = Object.keys(record);
  let first = true;
  yield '{';
  for (let start = 0; start < keys.length; start += perPiece) {
    const parts: string[] = [];
    for (const key of keys.slice(start, start + perPiece)) {
      const text = stringify(record[key]);
      if (text === undefined) continue;
      parts.push(`${first ? '' : ','}${JSON.stringify(key)}:${text}`);
      first = false;
    }
    yield parts.join('');
  }
  yield '}';
}

/** `JSON.stringify`, typed as it behaves: undefined for undefined or a function. */
function stringify(value: unknown): string | undefined {
  return JSON.stringify(value) as string | undefined;
}

/** Writes the whole buffer at the handle's position (the end, for a handle opened to append). */
export async function writeAll(handle: FileHandle, buffer: Buffer): Promise<void> {
  let written = 0;
  while (written < buffer.length) {
    const { bytesWritten } = await handle.write(buffer, written, buffer.length - written);
    written += bytesWritten;
  }
}

/**
 * Makes a rename or link inside `dir` durable. Some platforms (Windows) cannot open a
 * directory for fsync; there the rename itself is all the file system offers.
 */
export async function fsyncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL') throw error;
  } finally {
    await handle?.close();
  }
}
