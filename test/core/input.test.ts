import { describe, expect, it } from 'vitest';
import type { CredentialsForm, FieldId } from '../../src/core/credentials.js';
import {
  buildTokenUrl,
  normalizeCredentials,
  resolveResourceServer,
} from '../../src/core/input.js';

const ID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const SECRET = '7c9e6679-7425-40de-944b-e07fc1f90ae7-1b4e28ba-2fa1-41d2-883f-0016d3cca427';
const AUTH = 'https://acme.halopsa.com/auth';

function form(overrides: CredentialsForm): CredentialsForm {
  return { authServer: AUTH, clientId: ID, clientSecret: SECRET, ...overrides };
}

describe('normalizeCredentials: values that are cleaned up', () => {
  it.each([
    ['surrounding spaces and quotes', { authServer: `  "${AUTH}" ` }, AUTH, undefined],
    ['trailing slashes', { authServer: `${AUTH}///` }, AUTH, undefined],
    ['a pasted /token', { authServer: `${AUTH}/token` }, AUTH, undefined],
    ['/token/ with a trailing slash', { authServer: `${AUTH}/token/` }, AUTH, undefined],
    ['/token with ?tenant=', { authServer: `${AUTH}/token?tenant=acme` }, AUTH, 'acme'],
    ['no scheme', { authServer: 'acme.halopsa.com/auth' }, AUTH, undefined],
    [
      'a separate auth host',
      { authServer: 'https://auth.haloservicedesk.com/' },
      'https://auth.haloservicedesk.com',
      undefined,
    ],
    ['a tenant pasted as a URL', { tenant: 'https://acme.halopsa.com/' }, AUTH, 'acme'],
    ['a tenant pasted as a host', { tenant: 'acme.haloitsm.com' }, AUTH, 'acme'],
    ['a quoted tenant', { tenant: "'acme-uk'" }, AUTH, 'acme-uk'],
  ])('%s', (_name, overrides, authServer, tenant) => {
    const result = normalizeCredentials(form(overrides));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.authServer).toBe(authServer);
    expect(result.value.tenant).toBe(tenant);
    expect(result.warnings).toEqual([]);
  });

  it('keeps the tenant field over a ?tenant= in the address', () => {
    const result = normalizeCredentials(
      form({ authServer: `${AUTH}/token?tenant=x`, tenant: 'acme' }),
    );
    expect(result.ok && result.value.tenant).toBe('acme');
  });

  it('strips quotes and whitespace around the secret and wraps it', () => {
    const result = normalizeCredentials(form({ clientSecret: ` \u201C${SECRET}\u201D\n` }));
    expect(result.ok && result.value.clientSecret.reveal()).toBe(SECRET);
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });

  it('turns a pasted Resource Server into the Authorisation Server, with a warning', () => {
    const result = normalizeCredentials(form({ authServer: 'https://acme.halopsa.com/api/' }));
    expect(result.ok && result.value.authServer).toBe(AUTH);
    expect(result.ok && result.warnings).toEqual([
      {
        field: 'authServer',
        message: expect.stringMatching(/^Authorisation Server .*Resource Server.*\/auth/),
      },
    ]);
  });

  it('accepts a plausible secret of another shape with a warning, not an error', () => {
    const result = normalizeCredentials(form({ clientSecret: 'Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4' }));
    expect(result.ok).toBe(true);
    expect(result.ok && result.warnings.map((w) => w.field)).toEqual(['clientSecret']);
    expect(result.ok && result.warnings[0]?.message).toMatch(/^Client Secret .*regenerate/);
  });

  it('allows http to a loopback host only with allowPrivateNetwork', () => {
    const local = form({ authServer: 'http://127.0.0.1:4000/auth' });
    expect(normalizeCredentials(local).ok).toBe(false);
    const allowed = normalizeCredentials(local, { allowPrivateNetwork: true });
    expect(allowed.ok && allowed.value.authServer).toBe('http://127.0.0.1:4000/auth');
    const remote = form({ authServer: 'http://acme.halopsa.com/auth' });
    expect(normalizeCredentials(remote, { allowPrivateNetwork: true }).ok).toBe(false);
  });
});

describe('normalizeCredentials: problems name the field and the fix', () => {
  const HALF = SECRET.slice(0, 36);
  it.each<[string, CredentialsForm, FieldId, RegExp]>([
    [
      'empty Authorisation Server',
      { authServer: '' },
      'authServer',
      /^Authorisation Server is empty: copy it from API Details/,
    ],
    [
      'not a URL',
      { authServer: 'https://exa mple.com' },
      'authServer',
      /^Authorisation Server is not a web address/,
    ],
    [
      'ftp scheme',
      { authServer: 'ftp://acme.halopsa.com/auth' },
      'authServer',
      /^Authorisation Server must start with https:\/\//,
    ],
    [
      'plain http',
      { authServer: 'http://acme.halopsa.com/auth' },
      'authServer',
      /^Authorisation Server must start with https:\/\//,
    ],
    [
      'user-info',
      { authServer: 'https://admin:hunter2@acme.halopsa.com/auth' },
      'authServer',
      /^Authorisation Server must not contain a user name or password/,
    ],
    [
      'a private address',
      { authServer: 'https://10.1.2.3/auth' },
      'authServer',
      /^Authorisation Server points to a private network address.*HALO_ALLOW_PRIVATE_NETWORK/,
    ],
    [
      'the metadata address',
      { authServer: 'https://169.254.169.254/auth' },
      'authServer',
      /^Authorisation Server points to a cloud metadata/,
    ],
    [
      'a tenant with spaces',
      { tenant: 'acme corp' },
      'tenant',
      /^Tenant can only hold letters, digits and hyphens: paste the Tenant shown under API Details/,
    ],
    [
      'a tenant on a custom domain',
      { tenant: 'https://help.acme.com' },
      'tenant',
      /^Tenant looks like a web address/,
    ],
    [
      'empty Client ID',
      { clientId: ' ' },
      'clientId',
      /^Client ID is empty: copy it from the application/,
    ],
    [
      'a Client ID that is not a GUID',
      { clientId: 'acme-api' },
      'clientId',
      /^Client ID must be an ID of 36 characters/,
    ],
    [
      'a Client ID with a line break',
      { clientId: `${ID.slice(0, 10)}\n${ID.slice(10)}` },
      'clientId',
      /^Client ID contains spaces or line breaks/,
    ],
    [
      'the secret in the Client ID field',
      { clientId: SECRET, clientSecret: ID },
      'clientId',
      /^Client ID looks like a client secret.*swapped/,
    ],
    ['empty secret', { clientSecret: '' }, 'clientSecret', /^Client Secret is empty: .*regenerate/],
    [
      'half a secret',
      { clientSecret: HALF },
      'clientSecret',
      /^Client Secret looks like only half of it: .*73 characters/,
    ],
    [
      'the other half',
      { clientSecret: SECRET.slice(37) },
      'clientSecret',
      /^Client Secret looks like only half of it/,
    ],
    [
      'secret equal to the Client ID',
      { clientSecret: ID.toUpperCase() },
      'clientSecret',
      /^Client Secret is the same as the Client ID/,
    ],
    [
      'a secret with a space inside',
      { clientSecret: `${SECRET.slice(0, 37)} ${SECRET.slice(37)}` },
      'clientSecret',
      /^Client Secret contains spaces or line breaks: paste it again as one line/,
    ],
    [
      'a secret broken over two lines',
      { clientSecret: `${SECRET.slice(0, 37)}\r\n${SECRET.slice(37)}` },
      'clientSecret',
      /^Client Secret contains spaces or line breaks/,
    ],
    [
      'a quote inside the secret',
      { clientSecret: `${SECRET.slice(0, 37)}"${SECRET.slice(37)}` },
      'clientSecret',
      /^Client Secret contains quote marks/,
    ],
    [
      'a secret that is too short',
      { clientSecret: 'abc123' },
      'clientSecret',
      /^Client Secret does not look like a Halo client secret: .*regenerate/,
    ],
  ])('%s', (_name, overrides, field, message) => {
    const result = normalizeCredentials(form(overrides));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const problem = result.problems.find((p) => p.field === field);
    expect(problem?.message).toMatch(message);
  });

  it('reports every field at once', () => {
    const result = normalizeCredentials({});
    expect(result.ok ? [] : result.problems.map((p) => p.field)).toEqual([
      'authServer',
      'clientId',
      'clientSecret',
    ]);
  });

  it('never repeats the secret, or any half of it, in a problem', () => {
    const canary = 'cafef00d-1234-4abc-8def-0123456789ab-deadbeef-5678-4abc-8def-ba9876543210';
    const pastes = [
      canary.slice(0, 36),
      canary.slice(37),
      `${canary.slice(0, 40)} ${canary.slice(40)}`,
      `${canary}'x`,
      canary.slice(0, 12),
    ];
    for (const clientSecret of pastes) {
      const text = JSON.stringify(normalizeCredentials(form({ clientSecret, clientId: canary })));
      for (const part of [canary.slice(0, 36), canary.slice(37), canary.slice(0, 12)]) {
        expect(text).not.toContain(part);
      }
    }
  });
});

describe('token URL and resource server', () => {
  it('builds the token URL with an encoded tenant', () => {
    expect(buildTokenUrl({ authServer: AUTH })).toBe(`${AUTH}/token`);
    expect(buildTokenUrl({ authServer: AUTH, tenant: 'a b&c' })).toBe(
      `${AUTH}/token?tenant=a%20b%26c`,
    );
  });

  it('puts the API under /api on the same origin', () => {
    expect(resolveResourceServer(AUTH)).toBe('https://acme.halopsa.com/api');
    expect(resolveResourceServer('https://halo.example.com:8443/auth')).toBe(
      'https://halo.example.com:8443/api',
    );
    expect(resolveResourceServer('https://auth.haloservicedesk.com')).toBe(
      'https://auth.haloservicedesk.com/api',
    );
  });
});
