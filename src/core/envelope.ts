/**
 * An encrypted value as it is stored: AES-256-GCM, the key id that sealed it, and the
 * base64 IV, tag and ciphertext. The record's identity is bound as associated data, so the
 * envelope only opens on the record it was sealed for.
 */
export interface Envelope {
  v: 1;
  kid: string;
  iv: string;
  tag: string;
  ct: string;
}
