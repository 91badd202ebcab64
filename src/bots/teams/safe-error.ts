/**
 * What of an error may be logged. The SDK's HTTP errors carry the request body (a card) and
 * the response body; neither is logged, only the status. Other errors keep a short message
 * and their stack, which is where a bug is found.
 */
export function safeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { errorType: typeof err };
  const status = (err as { status?: unknown }).status;
  if (typeof status === 'number') return { errorName: err.name, status };
  return {
    errorName: err.name,
    errorMessage: err.message.slice(0, 200),
    stack: err.stack?.split('\n').slice(0, 8).join('\n'),
  };
}
