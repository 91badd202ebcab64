import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Envelope } from './envelope.js';
import { ErrorCode, HaloConnectError } from './errors.js';
import type { KeyRing } from './key-ring.js';
import type { Vault } from './vault.js';

const ALGORITHM = 'aes-256-gcm';
/** 96 bits: the IV length GCM is designed for (NIST SP 800-38D). */
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * A Vault over AES-256-GCM: a random 96-bit IV per seal, a 16-byte tag that is always
 * checked, the sealing key's id in the envelope and `aad` bound as associated data.
 *
 * `open` throws HaloConnectError(KeyMissing) when the envelope's key id is not in the ring,
 * and HaloConnectError(Decrypt) when anything was altered (IV, tag, ciphertext) or the aad
 * is not the one it was sealed with. Neither message holds key material or plain text.
 */
export function createAesVault(ring: KeyRing): Vault {
  return {
    activeKeyId: ring.activeKeyId,
    keyIds: ring.keyIds,
    seal: (plain, aad) => seal(ring, plain, aad),
    open: (envelope, aad) => open(ring, envelope, aad),
  };
}

function seal(ring: KeyRing, plain: string, aad: string): Envelope {
  const kid = ring.activeKeyId;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, ring.key(kid)!, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return {
    v: 1,
    kid,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ct: ct.toString('base64'),
  };
}

function open(ring: KeyRing, envelope: Envelope, aad: string): string {
  const parts = decodeEnvelope(envelope, aad);
  const key = ring.key(envelope.kid);
  if (key === undefined) {
    throw new HaloConnectError(
      ErrorCode.KeyMissing,
      `the secret of ${aad} was sealed with key id "${envelope.kid}", which is not in the key ` +
        `ring (${ring.keyIds.join(', ')}); add that key to MASTER_KEY as ` +
        `${envelope.kid}:<base64>, after the active key, and restart`,
    );
  }
  try {
    const decipher = createDecipheriv(ALGORITHM, key, parts.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(parts.tag);
    return Buffer.concat([decipher.update(parts.ct), decipher.final()]).toString('utf8');
  } catch (error) {
    throw new HaloConnectError(
      ErrorCode.Decrypt,
      `the secret of ${aad} did not decrypt: it was altered, or it belongs to another record`,
      { cause: error },
    );
  }
}

function decodeEnvelope(envelope: Envelope, aad: string): { iv: Buffer; tag: Buffer; ct: Buffer } {
  const iv = decodeBase64(envelope?.iv);
  const tag = decodeBase64(envelope?.tag);
  const ct = decodeBase64(envelope?.ct);
  const wellFormed =
    envelope?.v === 1 &&
    typeof envelope.kid === 'string' &&
    iv?.length === IV_BYTES &&
    tag?.length === TAG_BYTES &&
    ct !== undefined;
  if (!wellFormed) {
    throw new HaloConnectError(
      ErrorCode.Decrypt,
      `the secret of ${aad} is not a well-formed version 1 envelope (kid, 12-byte iv, ` +
        `16-byte tag, ciphertext); it was altered or written by something else`,
    );
  }
  return { iv, tag, ct };
}

/** Strict base64: a value that does not encode back to itself was altered. */
function decodeBase64(value: unknown): Buffer | undefined {
  if (typeof value !== 'string') return undefined;
  const bytes = Buffer.from(value, 'base64');
  return bytes.toString('base64') === value ? bytes : undefined;
}
