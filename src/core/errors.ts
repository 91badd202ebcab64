/**
 * Stable error codes. Callers branch on `code`, never on message text.
 */
export const ErrorCode = {
  Config: 'halo_connect.config',
  InvalidInput: 'halo_connect.invalid_input',
  AddressRefused: 'halo_connect.address_refused',
  HaloUnreachable: 'halo_connect.halo_unreachable',
  HaloTimeout: 'halo_connect.halo_timeout',
  HaloResponse: 'halo_connect.halo_response',
  BodyTooLarge: 'halo_connect.body_too_large',
  Decrypt: 'halo_connect.decrypt',
  KeyMissing: 'halo_connect.key_missing',
  Store: 'halo_connect.store',
  Conflict: 'halo_connect.conflict',
  StoreLocked: 'halo_connect.store_locked',
  NotFound: 'halo_connect.not_found',
  Forbidden: 'halo_connect.forbidden',
  RateLimited: 'halo_connect.rate_limited',
  Platform: 'halo_connect.platform',
  Unknown: 'halo_connect.unknown',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * The one error base of the project. `message` is safe to show an operator: it never holds a
 * secret. Detail that could, goes in `cause`, and that is redacted before it is logged.
 */
export class HaloConnectError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HaloConnectError';
    this.code = code;
  }
}

/** Wraps anything thrown into a HaloConnectError, keeping the original as `cause`. */
export function toHaloConnectError(
  error: unknown,
  message = 'unexpected failure',
): HaloConnectError {
  if (error instanceof HaloConnectError) return error;
  return new HaloConnectError(ErrorCode.Unknown, message, { cause: error });
}
