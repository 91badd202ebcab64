import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ErrorCode, HaloConnectError } from '../core/errors.js';
import { KEY_BYTES, parseMasterKey, type KeyRing } from '../core/key-ring.js';
import { fsyncDirectory } from './durable-json-file.js';

/** Name of the generated key file inside DATA_DIR. */
export const KEY_FILE_NAME = 'master.key';

export interface ResolveKeyRingOptions {
  /** MASTER_KEY, when set. It wins over any key file. */
  masterKey?: string;
  dataDir: string;
  /** Generate a key file when none exists (the default). Tools that only read pass false. */
  create?: boolean;
}

export interface ResolvedKeyRing {
  ring: KeyRing;
  /** `file-generated`: a new key was written just now and must be backed up. */
  source: 'env' | 'file-generated' | 'file';
  /** The key file, unless the ring came from MASTER_KEY. */
  path?: string;
  /** Things the start-up log should say at `warn`, e.g. loose file permissions. */
  warnings: string[];
}

/**
 * Finds the master key ring: MASTER_KEY when set, else `DATA_DIR/master.key`, generated with
 * 32 random bytes (mode 0600, written atomically, never over an existing file) when absent.
 *
 * Throws HaloConnectError(Config) when the key file can be read by other users, when it does
 * not hold a valid key, or when `create` is false and there is none. Note: a generated key
 * lives next to the data it protects; in production back it up and keep the backup apart
 * from the data, or set MASTER_KEY from a secret store.
 */
export async function resolveKeyRing(options: ResolveKeyRingOptions): Promise<ResolvedKeyRing> {
  if (options.masterKey !== undefined && options.masterKey.trim() !== '') {
    return { ring: parseMasterKey(options.masterKey), source: 'env', warnings: [] };
  }
  const dataDir = resolve(options.dataDir);
  const path = join(dataDir, KEY_FILE_NAME);
  const existing = await readKeyFile(path);
  if (existing !== undefined) return { ...existing, source: 'file', path };
  if (options.create === false) {
    throw new HaloConnectError(
      ErrorCode.Config,
      `no master key: MASTER_KEY is not set and there is no key file at ${path}; set MASTER_KEY ` +
        'or run halo-connect once to generate the key file',
    );
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const created = await createKeyFile(path);
  const read = await readKeyFile(path);
  if (read === undefined) throw new HaloConnectError(ErrorCode.Config, `${path} vanished`);
  const warnings = [...read.warnings];
  if (created && (await exists(join(dataDir, 'halo-connect.json')))) {
    warnings.push(
      `a new key file was generated at ${path} but DATA_DIR already holds data: secrets ` +
        'sealed with an earlier key will not open; restore the earlier master.key from backup',
    );
  }
  return { ring: read.ring, source: created ? 'file-generated' : 'file', path, warnings };
}

async function readKeyFile(
  path: string,
): Promise<{ ring: KeyRing; warnings: string[] } | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new HaloConnectError(ErrorCode.Config, `cannot read the key file ${path}`, {
      cause: error,
    });
  }
  const warnings = await checkPermissions(path);
  return { ring: parseMasterKey(text, `the key file ${path}`), warnings };
}

/**
 * Other users must not read the key: refused. Group access is only warned about, since
 * some mounted volumes cannot hold a stricter mode. Windows reports no POSIX modes.
 */
async function checkPermissions(path: string): Promise<string[]> {
  if (process.platform === 'win32') return [];
  const mode = (await stat(path)).mode & 0o777;
  const shown = mode.toString(8).padStart(4, '0');
  if (mode & 0o007) {
    throw new HaloConnectError(
      ErrorCode.Config,
      `the key file ${path} can be read by other users (mode ${shown}); run chmod 600 ${path}`,
    );
  }
  if (mode & 0o070) {
    return [`the key file ${path} is open to its group (mode ${shown}); run chmod 600 ${path}`];
  }
  return [];
}

/**
 * Writes a fresh key to a temporary file, fsyncs it and links it into place: `link` fails
 * when the file exists, so two processes starting together never overwrite each other's key.
 * Returns false when another process won.
 */
async function createKeyFile(path: string): Promise<boolean> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const flags = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY;
  const handle = await open(temp, flags, 0o600);
  try {
    await handle.writeFile(`${randomBytes(KEY_BYTES).toString('base64')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, path);
    await fsyncDirectory(join(path, '..'));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
