import { webApi } from '@slack/bolt';

/** What a failed Slack Web API call means for whoever made it. */
export type SlackFailure =
  | { kind: 'rate_limited'; retryAfterMs: number; detail: string }
  | { kind: 'transient'; detail: string }
  | { kind: 'platform'; error: string; detail: string };

/**
 * Classifies anything a WebClient call threw: a 429 with its Retry-After, a 5xx or network
 * failure worth retrying, or Slack's own error code (`not_in_channel`, `is_archived`, …).
 * The `detail` is secret-free and fit for a log line.
 */
export function classifySlackError(error: unknown): SlackFailure {
  if (error instanceof webApi.WebAPIRateLimitedError) {
    return { kind: 'rate_limited', retryAfterMs: error.retryAfter * 1000, detail: 'ratelimited' };
  }
  if (error instanceof webApi.WebAPIPlatformError) {
    const code = typeof error.data?.error === 'string' ? error.data.error : 'unknown_error';
    if (code === 'ratelimited') return { kind: 'rate_limited', retryAfterMs: 1000, detail: code };
    return { kind: 'platform', error: code, detail: code };
  }
  if (error instanceof webApi.WebAPIHTTPError) {
    const detail = `http_${error.statusCode}`;
    return error.statusCode >= 500
      ? { kind: 'transient', detail }
      : { kind: 'platform', error: detail, detail };
  }
  if (error instanceof webApi.WebAPIRequestError)
    return { kind: 'transient', detail: 'request_failed' };
  return { kind: 'platform', error: 'unexpected', detail: 'unexpected' };
}

/** A log-safe summary of an error thrown by a Slack call or a listener (no bodies, no tokens). */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };
  const failure = classifySlackError(error);
  return {
    name: error.name,
    code: (error as { code?: unknown }).code,
    message: error.message.replace(/\b(xox[abeoprs]|xapp)-[A-Za-z0-9-]+/g, '[token]').slice(0, 300),
    ...(failure.detail !== 'unexpected' ? { slack: failure.detail } : {}),
  };
}
