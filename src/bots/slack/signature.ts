import { createHmac, timingSafeEqual } from 'node:crypto';

/** The outcome of checking a request's Slack signature. */
export type SignatureCheck = 'ok' | 'missing' | 'stale' | 'mismatch';

const WINDOW_SECONDS = 5 * 60;
const SIGNATURE_RE = /^v0=([0-9a-f]{64})$/;

/**
 * Checks `x-slack-signature` (HMAC-SHA256 of `v0:<timestamp>:<body>`) over the raw body
 * bytes, as Slack computes it, and compares in constant time. The timestamp must be within
 * five minutes of now in either direction.
 *
 * Note: the bytes are checked, not a decoded string: decoding first would turn every
 * invalid UTF-8 sequence into U+FFFD, so a correctly signed body would fail the check and be
 * refused as forged instead of as unreadable.
 */
export function checkSlackSignature(
  signingSecret: string,
  rawBody: Uint8Array,
  signature: string | undefined,
  timestamp: string | undefined,
  nowMs: number,
): SignatureCheck {
  if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) return 'missing';
  const seconds = Number(timestamp);
  if (Math.abs(nowMs / 1000 - seconds) > WINDOW_SECONDS) return 'stale';
  const given = SIGNATURE_RE.exec(signature)?.[1];
  if (!given) return 'mismatch';
  const expected = createHmac('sha256', signingSecret)
    .update(`v0:${timestamp}:`)
    .update(rawBody)
    .digest();
  return timingSafeEqual(expected, Buffer.from(given, 'hex')) ? 'ok' : 'mismatch';
}
