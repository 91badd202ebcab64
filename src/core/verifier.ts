import type { Clock } from './clock.js';
import type { HaloCredentials } from './credentials.js';
import { ErrorCode } from './errors.js';
import { REQUIRED_SCOPES } from './guide.js';
import { buildTokenUrl, resolveResourceServer } from './halo-urls.js';
import type { Logger } from './logger.js';
import type { HaloDispatcher } from './net/create-halo-dispatcher.js';
import { haloRequest, type HaloResponse } from './net/halo-request.js';
import { CHECK_IDS, type AgentFacts, type CheckId, type CheckResult } from './report.js';
import { checkAgentAnswer } from './verification/agent-check.js';
import { passed, skipped } from './verification/check-result.js';
import { checkInvoiceWrites, checkScopes, checkVisibility } from './verification/derived-checks.js';
import { PROBES, checkProbeAnswer, type ProbeId } from './verification/probes.js';
import { requestFailure, type StopReason } from './verification/request-failure.js';
import { parseScopes } from './verification/scopes.js';
import { timed } from './verification/timed.js';
import { checkTokenAnswer } from './verification/token-check.js';
import { VerificationRun } from './verification/verification-run.js';
import type { HaloToken, HaloVerifier, TokenOutcome } from './verifier-types.js';

/** What the verifier is built from; the composition root passes them. */
export interface VerifierOptions {
  /** From `createHaloDispatcher`: the address policy and kept-alive connections. */
  dispatcher: HaloDispatcher;
  logger: Logger;
  clock: Clock;
  /** Each request to Halo; default 10 s. */
  requestTimeoutMs?: number;
  /** The whole verification; default 25 s. */
  deadlineMs?: number;
}

interface TokenAttempt {
  reachable: CheckResult;
  token: CheckResult;
  value?: HaloToken;
}

interface ProbeResult {
  check: CheckResult;
  response?: HaloResponse;
  agent?: AgentFacts;
}

/** The probes sent at once after the token: one connection each. */
const PROBE_COUNT = Object.keys(PROBES).length;

/** The checks that need a token: every one after `token`, in the report's order. */
const LATER_CHECKS = CHECK_IDS.slice(CHECK_IDS.indexOf('token') + 1);

function skipMessage(stop: StopReason | undefined, failedCheck: 'reachable' | 'token'): string {
  if (stop) return 'Skipped: the verification stopped before Halo answered.';
  return failedCheck === 'reachable'
    ? 'Skipped: Halo could not be reached, so this could not be checked.'
    : 'Skipped: Halo issued no token, so this could not be checked.';
}

/**
 * The Halo verifier: one token request, then every probe at once over kept-alive
 * connections, so a verification costs two round trips. The probes' connections are opened
 * during the token request (`HaloDispatcher.preconnect`), so a verification against a Halo
 * the bot has no connection to yet pays the handshakes only once. Reads only; nothing in
 * Halo is created, changed or deleted. Log lines carry check ids, statuses, the host and timings,
 * never the secret, the token or a response body.
 */
export function createVerifier(options: VerifierOptions): HaloVerifier {
  const { dispatcher, clock, requestTimeoutMs = 10_000, deadlineMs = 25_000 } = options;
  const log = options.logger.child({ subsystem: 'verifier' });

  async function attemptToken(
    credentials: HaloCredentials,
    signal: AbortSignal | undefined,
    stopReason: () => StopReason | undefined,
  ): Promise<TokenAttempt> {
    const secret = credentials.clientSecret.reveal();
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: credentials.clientId,
      client_secret: secret,
      scope: REQUIRED_SCOPES.join(' '),
    }).toString();
    const headers = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    const url = buildTokenUrl(credentials);
    const outcome = await timed(() =>
      haloRequest(dispatcher, {
        method: 'POST',
        url,
        headers,
        body,
        timeoutMs: requestTimeoutMs,
        signal,
      }),
    );
    const failure = { deadlineMs, stop: stopReason() };
    if (!outcome.ok && outcome.error.code !== ErrorCode.BodyTooLarge) {
      const reachable = requestFailure('reachable', outcome.error, outcome.ms, failure);
      return { reachable, token: skipped('token', skipMessage(failure.stop, 'reachable')) };
    }
    const host = new URL(url).host;
    const reachable = passed('reachable', `Reached ${host}.`, outcome.ms);
    if (!outcome.ok) {
      return { reachable, token: requestFailure('token', outcome.error, outcome.ms, failure) };
    }
    const context = {
      now: clock.now(),
      resourceServer: resolveResourceServer(credentials.authServer),
      redact: [secret],
    };
    const { check, token } = checkTokenAnswer(outcome.value, outcome.ms, context);
    return { reachable, token: check, value: token };
  }

  async function probe(id: ProbeId, token: HaloToken, run: VerificationRun): Promise<ProbeResult> {
    const spec = PROBES[id];
    const headers = { authorization: `Bearer ${token.accessToken}`, accept: 'application/json' };
    const url = `${token.resourceServer}${spec.path}`;
    const outcome = await timed(() =>
      haloRequest(dispatcher, {
        method: 'GET',
        url,
        headers,
        timeoutMs: requestTimeoutMs,
        signal: run.signal,
      }),
    );
    if (!outcome.ok) {
      const failure = { deadlineMs, stop: run.stopReason() };
      return { check: run.record(requestFailure(id, outcome.error, outcome.ms, failure)) };
    }
    const response = outcome.value;
    if (id === 'agent' && response.status === 200) {
      const { check, facts } = checkAgentAnswer(response, outcome.ms);
      return { check: run.record(check), response, agent: facts };
    }
    const context = {
      now: clock.now(),
      resourceServer: token.resourceServer,
      redact: [token.accessToken],
    };
    return { check: run.record(checkProbeAnswer(spec, response, outcome.ms, context)), response };
  }

  /** A check worked out from others, or skipped when the deadline cut one of those short. */
  function derive(
    run: VerificationRun,
    id: CheckId,
    inputs: CheckResult[],
    work: () => CheckResult,
  ) {
    const cut = run.stopReason() !== undefined && inputs.some((c) => c.status === 'fail');
    run.record(
      cut ? skipped(id, 'Skipped: the verification stopped before this was known.') : work(),
    );
  }

  /** Every probe at once; each derived check as soon as what it needs is in. */
  async function probeAll(run: VerificationRun, token: HaloToken, granted: string[]) {
    const agent = probe('agent', token, run);
    const customers = probe('customers.read', token, run);
    const invoices = probe('invoices.read', token, run);
    const others = [probe('purchaseOrders.read', token, run), probe('webhooks', token, run)];
    const visibility = customers.then((c) =>
      derive(run, 'visibility', [c.check], () => checkVisibility(c.check, c.response)),
    );
    const writes = Promise.all([agent, invoices]).then(([a, i]) =>
      derive(run, 'invoices.write', [a.check, i.check], () =>
        checkInvoiceWrites({ granted, agent: a.agent, invoicesRead: i.check }),
      ),
    );
    await Promise.all([...others, visibility, writes]);
    return (await agent).agent;
  }

  /**
   * Opens the probes' connections while the token request is in flight, so that after the
   * token only the probes' own round trip remains: one per probe, less the one the token
   * request's kept-alive connection provides when the API shares its origin. Never awaited
   * by the verification; a failure is only logged, and whatever is still connecting or
   * unused when `signal` aborts is closed.
   */
  function preconnectProbes(credentials: HaloCredentials, host: string, signal: AbortSignal) {
    const failed = (err: unknown) => log.debug({ host, err }, 'pre-connect failed');
    try {
      const resourceOrigin = new URL(resolveResourceServer(credentials.authServer)).origin;
      const sharesToken = new URL(buildTokenUrl(credentials)).origin === resourceOrigin;
      const count = PROBE_COUNT - (sharesToken ? 1 : 0);
      dispatcher.preconnect(resourceOrigin, count, { signal }).then((outcome) => {
        const { idle, opened, error } = outcome;
        const fields = { host, idle, opened, failed: outcome.failed, reason: error?.message };
        log.debug(fields, 'pre-connect finished');
      }, failed);
    } catch (err) {
      failed(err);
    }
  }

  return {
    async verify(credentials, verifyOptions = {}) {
      const host = new URL(credentials.authServer).host;
      const run = new VerificationRun({ deadlineMs, clock, log, host, ...verifyOptions });
      // Aborts the pre-connect when the verification ends, whichever way it ends.
      const ended = new AbortController();
      try {
        run.record(passed('input', 'The form values are well-formed.', 0));
        // The token request first, so that it opens its own connection; then the probes'.
        const pending = attemptToken(credentials, run.signal, () => run.stopReason());
        preconnectProbes(credentials, host, AbortSignal.any([run.signal, ended.signal]));
        const attempt = await pending;
        run.record(attempt.reachable);
        run.record(attempt.token);
        const token = attempt.value;
        if (!token) {
          const failedCheck = attempt.reachable.status === 'fail' ? 'reachable' : 'token';
          const message = skipMessage(run.stopReason(), failedCheck);
          for (const id of LATER_CHECKS) run.record(skipped(id, message));
          return run.finish();
        }
        const granted = parseScopes(token.scope);
        run.record(checkScopes(granted));
        const agent = await probeAll(run, token, granted);
        return run.finish({ agent, grantedScopes: granted, resourceServer: token.resourceServer });
      } finally {
        ended.abort();
      }
    },

    async fetchToken(credentials, signal): Promise<TokenOutcome> {
      const stop = () => (signal?.aborted ? 'cancelled' : undefined);
      const attempt = await attemptToken(credentials, signal, stop);
      if (attempt.value) return { ok: true, token: attempt.value };
      const check = attempt.reachable.status === 'fail' ? attempt.reachable : attempt.token;
      const host = new URL(credentials.authServer).host;
      log.info({ host, check: check.id, status: check.status }, 'no Halo token');
      return { ok: false, check };
    },
  };
}
