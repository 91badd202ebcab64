import type { HaloCredentials } from './credentials.js';

/**
 * The token endpoint: `{authServer}/token`, plus `?tenant=` when a tenant is given, as
 * Halo's own clients build it.
 *
 * @example buildTokenUrl({ authServer: 'https://acme.halopsa.com/auth', tenant: 'acme' })
 * // 'https://acme.halopsa.com/auth/token?tenant=acme'
 */
export function buildTokenUrl(credentials: Pick<HaloCredentials, 'authServer' | 'tenant'>): string {
  const base = `${credentials.authServer.replace(/\/+$/, '')}/token`;
  return credentials.tenant ? `${base}?tenant=${encodeURIComponent(credentials.tenant)}` : base;
}

/**
 * The Resource Server (API base) that goes with an Authorisation Server: the same origin
 * plus `/api`. For `https://acme.halopsa.com/auth` that is `https://acme.halopsa.com/api`.
 *
 * Note: a hosted Halo may show a separate authorisation host (for example
 * `https://auth.haloservicedesk.com`) whose API lives on the instance's own host. The
 * instance cannot be known from the authorisation host alone, so this still answers
 * `{origin}/api`; the probes then fail with "not found" and the report says to check the
 * address.
 */
export function resolveResourceServer(authServer: string): string {
  return `${new URL(authServer).origin}/api`;
}
