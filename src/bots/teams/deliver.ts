import type { DeliveryResult } from '../../core/notifier.js';

/** How often and how long a send is retried. */
export interface RetryPolicy {
  /** Tries in all, the first one included. */
  attempts: number;
  /** First back-off after a 5xx or a network error; doubles each time. */
  baseDelayMs: number;
  /** No wait is longer, whatever Retry-After says. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 500, maxDelayMs: 10_000 };

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The facts of a failed connector call, without the request or response body. */
export interface SendFailure {
  status?: number;
  /** The connector's error code, e.g. `ConversationBlockedByUser`. */
  code?: string;
  retryAfterMs?: number;
  /** A network failure (no HTTP answer): worth retrying. */
  network: boolean;
}

/** Reads status, error code and Retry-After from what the SDK's HTTP client throws. */
export function describeSendError(err: unknown): SendFailure {
  const e = err as {
    status?: unknown;
    response?: { headers?: { get?: (name: string) => string | null }; data?: unknown };
  };
  const status = typeof e?.status === 'number' ? e.status : undefined;
  const data = e?.response?.data as { error?: { code?: unknown } } | undefined;
  const code = typeof data?.error?.code === 'string' ? data.error.code.slice(0, 60) : undefined;
  const retryAfter = e?.response?.headers?.get?.('retry-after') ?? undefined;
  return {
    status,
    code,
    retryAfterMs: parseRetryAfter(retryAfter),
    network: status === undefined && err instanceof TypeError,
  };
}

/** Retry-After as seconds or an HTTP date, in milliseconds; undefined if unreadable. */
export function parseRetryAfter(
  value: string | null | undefined,
  now = Date.now(),
): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Runs one send with bounded retries and answers in the core's terms: 403 (bot removed,
 * blocked, `MessageWritesBlocked`) is `gone`; 429 is retried after
 * Retry-After (capped) and then `rate_limited`; 5xx and network failures are retried with
 * back-off and then `failed`; anything else is `failed` at once.
 */
export async function deliver(
  send: () => Promise<string>,
  policy: RetryPolicy = DEFAULT_RETRY,
  sleep: Sleep = realSleep,
): Promise<DeliveryResult> {
  let last: SendFailure = { network: false };
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    try {
      return { ok: true, ref: await send() };
    } catch (err) {
      last = describeSendError(err);
    }
    const detail = detailOf(last);
    // Note: a 404 can mean a deleted message as much as a deleted chat, so it is not `gone`.
    if (last.status === 403) return { ok: false, reason: 'gone', detail };
    const transient = last.status === 429 || (last.status ?? 0) >= 500 || last.network;
    if (!transient) return { ok: false, reason: 'failed', detail };
    if (attempt === policy.attempts) break;
    await sleep(waitBefore(attempt, last, policy));
  }
  const detail = detailOf(last);
  if (last.status === 429) {
    return { ok: false, reason: 'rate_limited', retryAfterMs: last.retryAfterMs, detail };
  }
  return { ok: false, reason: 'failed', detail };
}

function waitBefore(attempt: number, failure: SendFailure, policy: RetryPolicy): number {
  const backoff = policy.baseDelayMs * 2 ** (attempt - 1);
  const wanted = failure.status === 429 ? (failure.retryAfterMs ?? backoff) : backoff;
  return Math.min(Math.max(0, wanted), policy.maxDelayMs);
}

function detailOf(failure: SendFailure): string {
  if (failure.network) return 'network_error';
  if (failure.status === undefined) return 'send_refused';
  return failure.code ? `http_${failure.status}:${failure.code}` : `http_${failure.status}`;
}
