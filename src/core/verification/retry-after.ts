const DEFAULT_SECONDS = 60;

/**
 * Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP date (RFC 9110).
 * Missing or unreadable: 60 s. At least 1 s.
 */
export function parseRetryAfter(header: string | undefined, now: Date): number {
  const value = header?.trim() ?? '';
  if (/^\d+$/.test(value)) return Math.max(1, Number(value));
  const date = Date.parse(value);
  if (Number.isNaN(date)) return DEFAULT_SECONDS;
  return Math.max(1, Math.ceil((date - now.getTime()) / 1000));
}
