import { ErrorCode, HaloConnectError } from '../core/errors.js';

/**
 * Wraps a driver error as HaloConnectError(Store) naming the operation and the SQLSTATE or
 * network code; the driver's error stays as `cause`.
 */
export function storeError(operation: string, cause: unknown): HaloConnectError {
  if (cause instanceof HaloConnectError) return cause;
  const code = (cause as { code?: unknown })?.code;
  const reason = typeof code === 'string' ? ` (${code})` : '';
  const hint = isConnectionProblem(code)
    ? '; check that the database is reachable and DATABASE_URL is right'
    : '';
  return new HaloConnectError(
    ErrorCode.Store,
    `PostgreSQL could not ${operation}${reason}${hint}`,
    {
      cause,
    },
  );
}

/** Network errors, timeouts, and SQLSTATE classes 08 (connection) and 57P (shutdown). */
function isConnectionProblem(code: unknown): boolean {
  if (typeof code !== 'string') return true;
  return (
    code.startsWith('E') || code.startsWith('08') || code.startsWith('57P') || code === '28P01'
  );
}
