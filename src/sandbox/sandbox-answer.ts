import type { SandboxScenario } from './scenarios.js';

/** What the sandbox answers to one request, before latency is added. */
export interface SandboxAnswer {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
  /** For the request log. */
  clientId?: string;
  /** The scenario's extra delay. */
  delayMs?: number;
}

/** A token the sandbox issued: opaque to the client, mapped to its scenario here. */
export interface IssuedToken {
  scenario: SandboxScenario;
  scopes: readonly string[];
  expiresAt: number;
}

/** The sandbox's memory: issued tokens and revoked client ids. */
export interface SandboxState {
  scenarios: readonly SandboxScenario[];
  tokens: Map<string, IssuedToken>;
  revoked: Set<string>;
}

/** A JSON answer with the given status. */
export function jsonAnswer(status: number, value: unknown): SandboxAnswer {
  return { status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(value) };
}

/** Halo's hosted error page, as reported for a missing tenant or login agent. */
export function errorPageAnswer(): SandboxAnswer {
  const body =
    '<!DOCTYPE html><html><head><title>Sorry, something went wrong</title></head>' +
    '<body><h1>Sorry, something went wrong</h1>' +
    '<p>An error occurred while processing your request.</p></body></html>';
  return { status: 500, contentType: 'text/html; charset=utf-8', body };
}

/** Tags an answer with its scenario: the client id for the log, the scenario's delay. */
export function withScenario(answer: SandboxAnswer, scenario: SandboxScenario): SandboxAnswer {
  return { ...answer, clientId: scenario.clientId, delayMs: scenario.delayMs };
}
