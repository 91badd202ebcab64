import { HaloConnectError, type ErrorCode } from '../errors.js';

/**
 * Why a request to Halo did not produce an HTTP answer.
 *
 * - `address`: the URL or a resolved address is refused by the address policy.
 * - `dns`, `refused`, `reset`, `tls`, `network`: the connection failed at that layer.
 * - `connect-timeout`: no connection within the connect timeout.
 * - `timeout`: connected or not, no complete answer within the request timeout.
 * - `cancelled`: the caller's signal aborted the request (for example the verification
 *   deadline).
 */
export type NetworkFailureReason =
  | 'address'
  | 'dns'
  | 'refused'
  | 'reset'
  | 'tls'
  | 'network'
  | 'connect-timeout'
  | 'timeout'
  | 'cancelled';

/**
 * A HaloConnectError for outbound calls: `code` is AddressRefused, HaloUnreachable or
 * HaloTimeout, and `reason` says which layer failed. The message names the host and the
 * failure, never a request body, a header or a token.
 */
export class HaloNetworkError extends HaloConnectError {
  readonly reason: NetworkFailureReason;
  readonly host: string;

  constructor(
    code: ErrorCode,
    reason: NetworkFailureReason,
    host: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.name = 'HaloNetworkError';
    this.reason = reason;
    this.host = host;
  }
}
