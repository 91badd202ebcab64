import { ErrorCode, HaloConnectError } from '../errors.js';
import { HaloNetworkError, type NetworkFailureReason } from './halo-network-error.js';

/** What `haloRequest` knows about a failed call. */
export interface FailureContext {
  host: string;
  timeoutMs: number;
  /** The request's own timeout fired. */
  timedOut: boolean;
  /** The caller's signal fired. */
  cancelled: boolean;
}

type UnreachableReason = Extract<
  NetworkFailureReason,
  'dns' | 'refused' | 'reset' | 'tls' | 'network'
>;

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET']);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * Maps whatever a request to Halo threw to a HaloConnectError: HaloConnectErrors pass
 * through, timeouts become HaloTimeout, the rest HaloUnreachable with the failing layer as
 * `reason`. The original error is kept as `cause`; the message names only the host.
 */
export function toHaloNetworkError(error: unknown, context: FailureContext): HaloConnectError {
  if (error instanceof HaloConnectError) return error;
  const { host } = context;
  const code = errorCode(error);
  const cause = { cause: error };
  if (context.cancelled) {
    const message = `The request to ${host} was stopped before Halo answered.`;
    return new HaloNetworkError(ErrorCode.HaloTimeout, 'cancelled', host, message, cause);
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    const message = `Could not connect to ${host} in time.`;
    return new HaloNetworkError(ErrorCode.HaloTimeout, 'connect-timeout', host, message, cause);
  }
  if (context.timedOut || TIMEOUT_CODES.has(code)) {
    const message = `No answer from ${host} within ${formatSeconds(context.timeoutMs)}.`;
    return new HaloNetworkError(ErrorCode.HaloTimeout, 'timeout', host, message, cause);
  }
  const reason = unreachableReason(code);
  const message = UNREACHABLE_MESSAGES[reason](host, code);
  return new HaloNetworkError(ErrorCode.HaloUnreachable, reason, host, message, cause);
}

const UNREACHABLE_MESSAGES: Record<UnreachableReason, (host: string, code: string) => string> = {
  dns: (host) => `Could not find ${host}: the name does not resolve (DNS).`,
  refused: (host) => `${host} refused the connection.`,
  reset: (host) => `${host} closed the connection before answering.`,
  tls: (host, code) => `The secure connection to ${host} failed (${code}).`,
  network: (host) => `Could not reach ${host}.`,
};

function unreachableReason(code: string): UnreachableReason {
  if (DNS_CODES.has(code)) return 'dns';
  if (code === 'ECONNREFUSED') return 'refused';
  if (RESET_CODES.has(code)) return 'reset';
  if (/CERT|TLS|SSL|EPROTO|UNABLE_TO_/.test(code)) return 'tls';
  return 'network';
}

/** The error's `code`, or its cause's: undici and Node put it on one or the other. */
function errorCode(error: unknown): string {
  for (let e: unknown = error, depth = 0; e && depth < 3; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return 'unknown';
}

/** `300` → `0.3 s`, `10000` → `10 s`. */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
