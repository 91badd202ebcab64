import type { HaloResponse } from '../net/halo-request.js';
import type { AgentFacts, CheckResult } from '../report.js';
import { ADVICE } from './advice.js';
import { failed, passed, warned } from './check-result.js';
import { jsonObject } from './http-answer.js';

/**
 * The `agent` check for a 200 from `GET /api/Agent/me`: the agent exists, is not disabled
 * (a failure) and is API-only (a warning otherwise: it works, but holds a licence and is
 * a login a person could use).
 */
export function checkAgentAnswer(
  response: HaloResponse,
  ms: number,
): { check: CheckResult; facts?: AgentFacts } {
  const body = jsonObject(response);
  if (!body || typeof body.id !== 'number') {
    const message = 'Halo did not name an agent for the application: it has no login agent.';
    return { check: failed('agent', message, ADVICE.loginAgent, ms) };
  }
  const facts: AgentFacts = {
    id: body.id,
    name: displayName(body.name),
    isApiAgent: body.isapiagent === true,
    isAdmin: body.is_admin === true,
    isDisabled: body.isdisabled === true,
  };
  const who = `The application logs in as ${facts.name ? `"${facts.name}"` : `agent ${facts.id}`}`;
  if (facts.isDisabled) {
    return {
      check: failed('agent', `${who}, which is disabled.`, ADVICE.agentDisabled, ms),
      facts,
    };
  }
  if (!facts.isApiAgent) {
    const message =
      `${who}, which is not an API-only agent: ` +
      'it holds a licence and a person could log in with it.';
    return { check: warned('agent', message, ADVICE.agentNotApiOnly, ms), facts };
  }
  return { check: passed('agent', `${who}, an active API-only agent.`, ms), facts };
}

/** The agent's name as Halo gave it, without control characters, at most 60 characters. */
function displayName(name: unknown): string | undefined {
  if (typeof name !== 'string') return undefined;
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return clean === '' ? undefined : clean.slice(0, 60);
}
