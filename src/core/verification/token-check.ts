import { REQUIRED_SCOPES } from '../guide.js';
import type { HaloResponse } from '../net/halo-request.js';
import type { CheckResult } from '../report.js';
import type { HaloToken } from '../verifier-types.js';
import { ADVICE, rateLimitAdvice, scopesAdvice } from './advice.js';
import { failed, passed } from './check-result.js';
import { describeAnswer, isHtml, jsonObject } from './http-answer.js';
import { parseRetryAfter } from './retry-after.js';

/** What `checkTokenAnswer` needs besides the answer. */
export interface TokenContext {
  now: Date;
  resourceServer: string;
  /** Values that must never reach a message: the secret. */
  redact: readonly string[];
}

const DEFAULT_EXPIRES_IN_SECONDS = 3600;

/**
 * The `token` check for Halo's answer to the token request, and the token when there is one.
 * invalid_client and a Halo error page point to the application step, invalid_scope to the
 * scopes step, 404/405 and redirects to a wrong Authorisation Server, 429 to waiting.
 */
export function checkTokenAnswer(
  response: HaloResponse,
  ms: number,
  context: TokenContext,
): { check: CheckResult; token?: HaloToken } {
  const token = response.status === 200 ? readToken(response, context) : undefined;
  if (token) {
    const minutes = Math.round((token.expiresAt.getTime() - context.now.getTime()) / 60_000);
    return {
      check: passed('token', `Halo issued an access token valid for ${minutes} min.`, ms),
      token,
    };
  }
  return { check: tokenFailure(response, ms, context) };
}

function readToken(response: HaloResponse, context: TokenContext): HaloToken | undefined {
  const body = jsonObject(response);
  const accessToken = body?.access_token;
  if (typeof accessToken !== 'string' || accessToken === '') return undefined;
  const expiresIn = Number(body?.expires_in);
  const seconds =
    Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : DEFAULT_EXPIRES_IN_SECONDS;
  return {
    accessToken,
    tokenType: typeof body?.token_type === 'string' ? body.token_type : 'Bearer',
    expiresAt: new Date(context.now.getTime() + seconds * 1000),
    scope: typeof body?.scope === 'string' ? body.scope : '',
    resourceServer: context.resourceServer,
  };
}

function tokenFailure(response: HaloResponse, ms: number, context: TokenContext): CheckResult {
  const { status } = response;
  const answer = describeAnswer(response, context.redact);
  const oauthError = String(jsonObject(response)?.error ?? '');
  if (status === 429) {
    const seconds = parseRetryAfter(response.headers['retry-after'], context.now);
    const message = `Halo is limiting requests (HTTP 429): try again in ${seconds} s.`;
    return failed('token', message, rateLimitAdvice(seconds), ms, { retryAfterSeconds: seconds });
  }
  if (oauthError === 'invalid_scope') {
    const message =
      `Halo refused the requested scopes (${answer}): ` + 'the application does not grant them.';
    return failed('token', message, scopesAdvice(REQUIRED_SCOPES), ms);
  }
  if (oauthError === 'invalid_client' || oauthError === 'unauthorized_client' || status === 401) {
    const message = `Halo rejected the Client ID or Client Secret (${answer}).`;
    return failed('token', message, ADVICE.invalidClient, ms);
  }
  if (status === 404 || status === 405 || (status >= 300 && status < 400)) {
    const message =
      `There is no token endpoint at this address (${answer}): ` +
      'the Authorisation Server is not the right one.';
    return failed('token', message, ADVICE.authServer, ms);
  }
  if (status === 500 && isHtml(response)) {
    const message =
      `Halo answered with an error page (${answer}): usually the Tenant is missing or ` +
      'wrong, or the application has no login agent.';
    return failed('token', message, ADVICE.tenantOrLoginAgent, ms);
  }
  if (status === 502 || status === 503 || status === 504) {
    return failed('token', `Halo is not available right now (${answer}).`, ADVICE.tryAgain, ms);
  }
  if (status === 200) {
    const message =
      'Halo answered, but not with a token: the Authorisation Server is not the right one.';
    return failed('token', message, ADVICE.authServer, ms);
  }
  return failed('token', `Halo refused the token request (${answer}).`, ADVICE.invalidClient, ms);
}
