import type { Envelope } from './envelope.js';

/**
 * Seals and opens values with the key ring. `aad` is the record's identity (for example
 * `connection:slack:T123`): an envelope opens only with the aad it was sealed with.
 */
export interface Vault {
  readonly activeKeyId: string;
  readonly keyIds: readonly string[];
  seal(plain: string, aad: string): Envelope;
  /** Throws HaloConnectError(KeyMissing) naming the key id, or (Decrypt) on any tampering. */
  open(envelope: Envelope, aad: string): string;
}
