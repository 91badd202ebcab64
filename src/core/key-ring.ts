import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { ErrorCode, HaloConnectError } from './errors.js';

/** AES-256 takes a 32-byte key. */
export const KEY_BYTES = 32;

const KEY_ID = /^[A-Za-z0-9._-]{1,32}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const EXPECTED =
  'expected base64 of 32 random bytes (for example from `openssl rand -base64 32`), ' +
  'or a key ring id:base64,id:base64 whose first key encrypts';

/**
 * The master keys, by id. The first one seals new envelopes; every one opens. The key bytes
 * never leave through `String()`, JSON or `util.inspect`: those show the ids only.
 */
export class KeyRing {
  /** The key that seals: the first of MASTER_KEY. */
  readonly activeKeyId: string;
  readonly #keys: Map<string, Buffer>;

  /** Takes `[id, key]` pairs, active key first. Throws on an empty ring or a bad entry. */
  constructor(entries: ReadonlyArray<readonly [string, Buffer]>) {
    const first = entries[0];
    if (first === undefined) throw configError('the key ring is empty; ' + EXPECTED);
    this.#keys = new Map();
    for (const [id, key] of entries) {
      if (!KEY_ID.test(id)) throw configError(`a key id is not 1-32 letters, digits, . _ or -`);
      if (key.length !== KEY_BYTES) throw configError(`key "${id}" is not 32 bytes; ${EXPECTED}`);
      if (this.#keys.has(id)) throw configError(`key id "${id}" appears twice in the key ring`);
      this.#keys.set(id, Buffer.from(key));
    }
    this.activeKeyId = first[0];
  }

  /** Every key id, active first. */
  get keyIds(): readonly string[] {
    return [...this.#keys.keys()];
  }

  /** The key bytes for `id`, or undefined when the ring does not hold it. */
  key(id: string): Buffer | undefined {
    return this.#keys.get(id);
  }

  toString(): string {
    return `KeyRing(${this.keyIds.join(', ')})`;
  }

  toJSON(): { activeKeyId: string; keyIds: readonly string[] } {
    return { activeKeyId: this.activeKeyId, keyIds: this.keyIds };
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * A short, stable id for a key given without one: 8 hex characters of a SHA-256 over the key
 * with a fixed prefix. It identifies the key in envelopes without revealing it.
 */
export function deriveKeyId(key: Buffer): string {
  return createHash('sha256').update('halo-connect key id\0').update(key).digest('hex').slice(0, 8);
}

/**
 * Parses MASTER_KEY (or a key file's text): base64 of exactly 32 bytes, whose id is derived
 * with {@link deriveKeyId}, or a ring `id:base64,id:base64` whose first key encrypts (an entry
 * may also omit its `id:`). `source` names where the value came from in errors.
 *
 * Throws HaloConnectError(Config) naming the entry and the expected form. Warning: the
 * message never contains the value or any part of it, whatever is wrong.
 *
 * @example parseMasterKey('k2:' + newKey + ',k1:' + oldKey).activeKeyId // 'k2'
 */
export function parseMasterKey(value: string, source = 'MASTER_KEY'): KeyRing {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) throw configError(`${source} is empty; ${EXPECTED}`);
  const single = entries.length === 1;
  const parsed = entries.map((entry, index) => {
    const where = single ? source : `${source} entry ${index + 1}`;
    return parseEntry(entry, where);
  });
  const ids = new Set<string>();
  for (const [id] of parsed) {
    if (ids.has(id)) {
      throw configError(`${source} lists key id "${id}" twice; each key needs its own id`);
    }
    ids.add(id);
  }
  return new KeyRing(parsed);
}

function parseEntry(entry: string, where: string): [string, Buffer] {
  const colon = entry.indexOf(':');
  const id = colon === -1 ? undefined : entry.slice(0, colon).trim();
  const encoded = colon === -1 ? entry : entry.slice(colon + 1).trim();
  if (id !== undefined && !KEY_ID.test(id)) {
    throw configError(
      `${where} has a key id that is not 1-32 letters, digits, . _ or -; ${EXPECTED}`,
    );
  }
  const named = id === undefined ? where : `${where} (key id "${id}")`;
  const key = decodeKey(encoded, named);
  return [id ?? deriveKeyId(key), key];
}

function decodeKey(encoded: string, where: string): Buffer {
  if (HEX_KEY.test(encoded)) {
    throw configError(
      `${where} looks like hex, not base64; convert it (xxd -r -p | base64) or generate ` +
        `a key with \`openssl rand -base64 32\``,
    );
  }
  const key = BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : undefined;
  if (key === undefined || key.length !== KEY_BYTES) {
    throw configError(`${where} is not base64 of exactly 32 bytes; ${EXPECTED}`);
  }
  return key;
}

function configError(message: string): HaloConnectError {
  return new HaloConnectError(ErrorCode.Config, message);
}
