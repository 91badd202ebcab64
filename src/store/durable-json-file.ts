import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Adapter } from 'lowdb';
import { TextFile } from 'lowdb/node';
import { ErrorCode, HaloConnectError } from '../core/errors.js';

/**
 * A lowdb adapter for a JSON file that survives a crash at any instant.
 *
 * lowdb's own `JSONFile` writes through steno: `writeFile` to a temporary file, then
 * `rename`. The rename makes the replacement atomic for other readers and after a killed
 * process, but nothing is fsynced, so after a power loss or kernel crash the renamed file can
 * be empty or partly written on common file systems. Here the temporary file is fsynced
 * before the rename and the directory after it, so an acknowledged write is on disk.
 *
 * Note: writes must not overlap; the FileStore's write queue guarantees it.
 */
export class DurableJsonFile<T> implements Adapter<T> {
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
    const text = await this.#reader.read();
    if (text === null) return null;
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new HaloConnectError(
        ErrorCode.Store,
        `${this.path} is not valid JSON; restore it from a backup, or move it away to start ` +
          'with an empty store',
        { cause: error },
      );
    }
  }

  async write(data: T): Promise<void> {
    const handle = await open(this.#temp, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(data));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(this.#temp, this.path);
    await fsyncDirectory(dirname(this.path));
  }

  /** Removes a temporary file a killed writer left behind. */
  async removeLeftovers(): Promise<void> {
    await unlink(this.#temp).catch(() => undefined);
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
