import type { CredentialsForm, FieldId, FieldProblem, HaloCredentials } from './credentials.js';
import { FIELD_LABELS } from './credentials.js';
import { describeAuthServerProblem, INPUT_MESSAGES as M } from './input-messages.js';
import { inspectParsedUrl } from './net/check-halo-url.js';
import { Secret } from './secret.js';

/** The URL helpers that go with normalised credentials. */
export { buildTokenUrl, resolveResourceServer } from './halo-urls.js';

/** How strict the Authorisation Server check is. */
export interface NormalizeOptions {
  /** Accept private and loopback Authorisation Servers (HALO_ALLOW_PRIVATE_NETWORK). */
  allowPrivateNetwork?: boolean;
}

/** Clean credentials and warnings, or every problem found (one per field at most). */
export type NormalizeResult =
  | { ok: true; value: HaloCredentials; warnings: FieldProblem[] }
  | { ok: false; problems: FieldProblem[] };

const GUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** A GUID (a client id's shape), or two joined by a hyphen (a client secret's). */
const GUID_OR_SECRET_RE = new RegExp(`^${GUID}(-${GUID})?$`, 'i');
/** A Halo client secret anywhere inside a longer value. */
const SECRET_INSIDE_RE = new RegExp(`${GUID}-${GUID}`, 'i');
/** Below this, a secret found inside another value would be a coincidence, not a paste. */
const MIN_SECRET_MATCH = 16;
const PLAUSIBLE_SECRET_RE = /^[A-Za-z0-9._~+/=-]{20,}$/;
const TENANT_RE = /^[a-z0-9][a-z0-9-]{0,62}$/i;
const SCHEME_RE = /^[a-z][a-z0-9+.-]*:\/\//i;
/** Whitespace, zero-width characters and quotes that a copy from a page or a chat carries. */
const JUNK = '\\s\\u200B-\\u200D\\uFEFF"\'`\\u2018\\u2019\\u201C\\u201D';
const EDGE_JUNK_RE = new RegExp(`^[${JUNK}]+|[${JUNK}]+$`, 'g');
const JUNK_CHAR_RE = new RegExp(`[${JUNK}]`);
const INNER_SPACE_RE = /[\s\u200B-\u200D\uFEFF]/;
const QUOTE_RE = /["'`\u2018\u2019\u201C\u201D]/;
/** Halo's hosted domains, where the tenant is the first label of the host. */
const HALO_HOSTED_DOMAINS = [
  'halopsa.com',
  'haloitsm.com',
  'haloservicedesk.com',
  'nethelpdesk.com',
];

type Parsed<T> = T | { problem: string };

/** The Halo shape a value has: a GUID (client id), two joined GUIDs (secret), or neither. */
type Shape = 'guid' | 'secret' | undefined;

function shapeOf(value: string): Shape {
  const match = GUID_OR_SECRET_RE.exec(value);
  if (!match) return undefined;
  return match[1] ? 'secret' : 'guid';
}

/**
 * Cleans the four form fields and checks their shape, before anything is sent to Halo.
 * Surrounding whitespace and quotes are dropped; a pasted `/token` (with its `?tenant=`,
 * which fills an empty Tenant) is taken off the Authorisation Server; a Halo address in the
 * Tenant field becomes the tenant. Every problem names the field by its label and says how
 * to fix it; none repeats the secret or any part of it. A secret of an unusual but plausible
 * shape is only a warning, since Halo's format may change.
 *
 * @example normalizeCredentials({ authServer: 'https://acme.halopsa.com/auth/token/', … })
 * // { ok: true, value: { authServer: 'https://acme.halopsa.com/auth', … }, warnings: [] }
 */
export function normalizeCredentials(
  form: CredentialsForm,
  options: NormalizeOptions = {},
): NormalizeResult {
  const problems: FieldProblem[] = [];
  const warnings: FieldProblem[] = [];
  const clientId = clean(form.clientId);
  const secret = clean(form.clientSecret);
  const shapes = { clientId: shapeOf(clientId), secret: shapeOf(secret) };
  const auth = holdsSecret(form.authServer, secret)
    ? { problem: M.holdsSecret }
    : parseAuthServer(clean(form.authServer), options);
  const tenant = holdsSecret(form.tenant, secret)
    ? { problem: M.holdsSecret }
    : parseTenant(clean(form.tenant) || ('tenant' in auth ? auth.tenant : undefined));
  add(problems, 'authServer', 'problem' in auth ? auth.problem : undefined);
  add(warnings, 'authServer', 'warning' in auth ? auth.warning : undefined);
  add(problems, 'tenant', 'problem' in tenant ? tenant.problem : undefined);
  add(problems, 'clientId', clientIdProblem(clientId, secret, shapes));
  add(problems, 'clientSecret', secretProblem(secret, clientId, shapes));
  if (problems.length > 0 || 'problem' in auth || 'problem' in tenant) {
    return { ok: false, problems };
  }
  add(warnings, 'clientSecret', shapes.secret === 'secret' ? undefined : M.secretUnusualShape);
  const value: HaloCredentials = {
    authServer: auth.authServer,
    clientId,
    clientSecret: new Secret(secret),
  };
  if (tenant.tenant) value.tenant = tenant.tenant;
  return { ok: true, value, warnings };
}

/**
 * Whether a value typed into a field other than the secret holds the secret: a Halo secret's
 * shape anywhere in it, or the text typed as the secret. Such a value is refused, never kept
 * in the form, never fetched, never shown.
 */
export function holdsSecret(value: string | undefined, secret: string | undefined): boolean {
  if (!value) return false;
  if (SECRET_INSIDE_RE.test(value)) return true;
  const typed = clean(secret).toLowerCase();
  return typed.length >= MIN_SECRET_MATCH && value.toLowerCase().includes(typed);
}

/**
 * The non-secret fields as typed, to show again in the form after a refusal, without any
 * that holds the secret (see `holdsSecret`).
 */
export function keepableValues(
  form: CredentialsForm,
): Partial<Record<Exclude<FieldId, 'clientSecret'>, string>> {
  const kept: Partial<Record<Exclude<FieldId, 'clientSecret'>, string>> = {};
  for (const field of ['authServer', 'tenant', 'clientId'] as const) {
    const value = form[field];
    if (value !== undefined && !holdsSecret(value, form.clientSecret)) kept[field] = value;
  }
  return kept;
}

/** Adds a field's problem or warning, worded after the field's label; nothing for none. */
function add(list: FieldProblem[], field: FieldId, text: string | undefined): void {
  if (text) list.push({ field, message: `${FIELD_LABELS[field]} ${text}` });
}

function clean(value: string | undefined): string {
  if (!value) return '';
  // Most values come without junk at either end, and then there is nothing to scan.
  const ends = value[0]! + value[value.length - 1]!;
  return JUNK_CHAR_RE.test(ends) ? value.replace(EDGE_JUNK_RE, '') : value;
}

function parseLenient(raw: string): URL | undefined {
  try {
    return new URL(SCHEME_RE.test(raw) ? raw : `https://${raw}`);
  } catch {
    return undefined;
  }
}

function parseAuthServer(
  raw: string,
  options: NormalizeOptions,
): Parsed<{ authServer: string; tenant?: string; warning?: string }> {
  if (raw === '') return { problem: M.authServerEmpty };
  const url = parseLenient(raw);
  if (!url) return { problem: M.authServerNotUrl };
  const { path, warning } = cleanAuthPath(url.pathname);
  const authServer = `${url.protocol}//${url.host}${path}`;
  // The URL as pasted: the cleaned address has the same scheme and host, and drops the
  // user-info this refuses.
  const verdict = inspectParsedUrl(url, {
    allowPrivateNetwork: options.allowPrivateNetwork ?? false,
  });
  if (!verdict.ok) return { problem: describeAuthServerProblem(verdict.problem) };
  const tenant = url.search ? (url.searchParams.get('tenant') ?? undefined) : undefined;
  return { authServer, tenant, warning };
}

/** Drops trailing slashes and a pasted `/token`; turns a pasted Resource Server into `/auth`. */
function cleanAuthPath(pathname: string): { path: string; warning?: string } {
  const lower = pathname.toLowerCase();
  if (!lower.endsWith('/') && !lower.endsWith('/token') && !lower.endsWith('/api')) {
    return { path: pathname };
  }
  let path = pathname.replace(/\/+$/, '');
  while (/\/token$/i.test(path)) path = path.replace(/\/token$/i, '').replace(/\/+$/, '');
  if (!/\/api$/i.test(path)) return { path };
  return { path: path.replace(/\/api$/i, '/auth'), warning: M.authServerWasResource };
}

function parseTenant(raw: string | undefined): Parsed<{ tenant?: string }> {
  if (!raw) return {};
  const tenant = /[./:]/.test(raw) ? tenantFromAddress(raw) : raw;
  if (tenant === undefined) return { problem: M.tenantUnreadable };
  return TENANT_RE.test(tenant) ? { tenant } : { problem: M.tenantShape };
}

/** `https://acme.halopsa.com/…` or `acme.halopsa.com` → `acme`; any other host → undefined. */
function tenantFromAddress(raw: string): string | undefined {
  const hostname = parseLenient(raw)?.hostname ?? '';
  const domain = HALO_HOSTED_DOMAINS.find((d) => hostname.endsWith(`.${d}`));
  return domain ? hostname.slice(0, -domain.length - 1).split('.')[0] : undefined;
}

/** The shapes of the cleaned client id and secret, found once for every check below. */
interface Shapes {
  clientId: Shape;
  secret: Shape;
}

function clientIdProblem(raw: string, secret: string, shapes: Shapes): string | undefined {
  if (raw === '') return M.clientIdEmpty;
  if (INNER_SPACE_RE.test(raw)) return M.innerSpace;
  if (shapes.clientId === 'secret') {
    return `${M.clientIdLooksLikeSecret}${shapes.secret === 'guid' ? M.swapped : ''}`;
  }
  // Typed into both fields: the secret's own check says so.
  if (raw.toLowerCase() !== secret.toLowerCase() && holdsSecret(raw, secret)) return M.holdsSecret;
  return shapes.clientId === 'guid' ? undefined : M.clientIdShape;
}

/** What is wrong with the secret, worded without any part of it. */
function secretProblem(raw: string, clientId: string, shapes: Shapes): string | undefined {
  if (raw === '') return M.secretEmpty;
  if (INNER_SPACE_RE.test(raw)) return M.innerSpace;
  if (QUOTE_RE.test(raw)) return M.quotes;
  if (raw.toLowerCase() === clientId.toLowerCase()) return M.secretSameAsClientId;
  if (shapes.secret === 'guid') {
    return shapes.clientId === 'secret' ? M.secretLooksLikeClientId : M.secretHalf;
  }
  if (shapes.secret !== 'secret' && !PLAUSIBLE_SECRET_RE.test(raw)) return M.secretShape;
  return undefined;
}
