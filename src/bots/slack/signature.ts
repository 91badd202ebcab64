import { verifySlackRequest } from '@slack/bolt';

/** The outcome of checking a request's Slack signature. */
export type SignatureCheck = 'ok' | 'missing' | 'stale' | 'mismatch';

const WINDOW_SECONDS = 5 * 60;

/**
 * Checks `x-slack-signature` over the raw body with Bolt's `verifySlackRequest` (HMAC-SHA256,
 * constant-time comparison). The timestamp must be within five minutes of now in either
 * direction; Bolt itself only refuses old ones.
 */
export function checkSlackSignature(
  signingSecret: string,
  rawBody: string,
  signature: string | undefined,
  timestamp: string | undefined,
  nowMs: number,
): SignatureCheck {
  if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) return 'missing';
  const seconds = Number(timestamp);
  if (Math.abs(nowMs / 1000 - seconds) > WINDOW_SECONDS) return 'stale';
  try {
    verifySlackRequest({
      signingSecret,
      body: rawBody,
      headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': seconds },
      nowMilliseconds: nowMs,
    });
    return 'ok';
  } catch {
    return 'mismatch';
  }
}
