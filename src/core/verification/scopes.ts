import { REQUIRED_SCOPES } from '../guide.js';

/**
 * What a granted wildcard stands for.
 *
 * Note: Halo does not document its wildcards. `all` is read as covering `all:standard` and
 * `all:teams`, and `admin` as covering `admin:webhooks`; `all` does not cover
 * `admin:webhooks`, since Halo lists admin scopes apart. The webhooks probe shows the truth.
 */
const COVERED_BY: Record<string, readonly string[]> = {
  'all:standard': ['all'],
  'all:teams': ['all'],
  'admin:webhooks': ['admin'],
};

/** Splits a granted `scope` string (space separated; commas tolerated). */
export function parseScopes(scope: string): string[] {
  return scope.split(/[\s,]+/).filter((s) => s !== '');
}

function coversScope(granted: readonly string[], scope: string): boolean {
  return granted.includes(scope) || (COVERED_BY[scope] ?? []).some((w) => granted.includes(w));
}

/** The required scopes the granted list does not cover, in the guide's order. */
export function missingScopes(granted: readonly string[]): string[] {
  return REQUIRED_SCOPES.filter((scope) => !coversScope(granted, scope));
}

/** Scopes that let the application create and change invoices. */
export function allowsInvoiceWrites(granted: readonly string[]): boolean {
  return ['edit:invoices', 'all:standard', 'all'].some((s) => granted.includes(s));
}
