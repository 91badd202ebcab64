import { ErrorCode, type HaloConnectError } from '../errors.js';
import { HaloNetworkError } from '../net/halo-network-error.js';
import { formatSeconds } from '../net/to-halo-network-error.js';
import type { CheckId, CheckResult } from '../report.js';
import { ADVICE } from './advice.js';
import { failed, type Advice } from './check-result.js';

/** Why a verification stopped early: its own deadline, or the caller's signal. */
export type StopReason = 'deadline' | 'cancelled';

/** The verification's deadline, and whether it stopped early. */
export interface FailureContext {
  deadlineMs: number;
  stop?: StopReason;
}

/**
 * The failing check for a request that got no usable HTTP answer. The message is the
 * error's own (it names the host only) or says the verification was stopped.
 */
export function requestFailure(
  id: CheckId,
  error: HaloConnectError,
  ms: number,
  context: FailureContext,
): CheckResult {
  if (context.stop) return failed(id, stoppedMessage(context), ADVICE.tryAgain, ms);
  return failed(id, error.message, adviceFor(id, error), ms);
}

function stoppedMessage(context: FailureContext): string {
  return context.stop === 'deadline'
    ? `Stopped: the verification reached its ${formatSeconds(context.deadlineMs)} limit ` +
        'before Halo answered.'
    : 'Stopped: the verification was cancelled before Halo answered.';
}

function adviceFor(id: CheckId, error: HaloConnectError): Advice {
  if (error.code === ErrorCode.BodyTooLarge) return ADVICE.resourceServer;
  if (!(error instanceof HaloNetworkError)) return ADVICE.tryAgain;
  switch (error.reason) {
    case 'address':
      return ADVICE.privateAddress;
    case 'dns':
      return ADVICE.authServer;
    case 'tls':
      return ADVICE.tls;
    case 'timeout':
    case 'connect-timeout':
    case 'cancelled':
      return id === 'reachable' ? ADVICE.unreachable : ADVICE.tryAgain;
    default:
      return ADVICE.unreachable;
  }
}
