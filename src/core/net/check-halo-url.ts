import { isIP } from 'node:net';
import { ErrorCode } from '../errors.js';
import { classifyAddress, judgeAddress, type AddressKind } from './check-address.js';
import { HaloNetworkError } from './halo-network-error.js';

/** Why a Halo URL is refused before any connection is attempted. */
export type HaloUrlProblem =
  | { kind: 'not-a-url' }
  | { kind: 'scheme' }
  | { kind: 'plain-http' }
  | { kind: 'user-info' }
  | { kind: 'address'; description: string; privateNetwork: boolean };

/** The parsed URL, or why it is refused. */
export type HaloUrlVerdict = { ok: true; url: URL } | { ok: false; problem: HaloUrlProblem };

/** The address policy: HALO_ALLOW_PRIVATE_NETWORK. */
export interface HaloUrlPolicy {
  allowPrivateNetwork: boolean;
}

/**
 * Checks a URL the bot is about to fetch, before any DNS or connection: https only (http
 * only to a loopback host and only with `allowPrivateNetwork`), no user-info, and an IP
 * literal host in any spelling (`2130706433`, `0177.0.0.1`, `0x7f.1`, `127.1`, `[::1]`) is
 * normalised by WHATWG URL parsing and then classified like a resolved address. `localhost`
 * and `*.localhost` count as loopback (RFC 6761) without asking DNS.
 *
 * Note: a host name is only checked here by its name; the addresses it resolves to are
 * checked at connect time by the dispatcher (see `createHaloDispatcher`).
 */
export function inspectHaloUrl(input: string | URL, policy: HaloUrlPolicy): HaloUrlVerdict {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return { ok: false, problem: { kind: 'not-a-url' } };
  }
  return inspectParsedUrl(url, policy);
}

/**
 * `inspectHaloUrl` for a URL the caller has just parsed and keeps to itself: the verdict
 * holds that same object, so nothing is parsed twice.
 */
export function inspectParsedUrl(url: URL, policy: HaloUrlPolicy): HaloUrlVerdict {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { ok: false, problem: { kind: 'scheme' } };
  }
  if (url.username !== '' || url.password !== '') {
    return { ok: false, problem: { kind: 'user-info' } };
  }
  const host = hostOf(url);
  // An address literal is classified once; the same kind decides loopback and policy.
  const kind = isIP(host) !== 0 ? classifyAddress(host) : undefined;
  const loopback = kind ? kind === 'loopback' : isLoopbackName(host);
  if (url.protocol === 'http:' && !(loopback && policy.allowPrivateNetwork)) {
    return { ok: false, problem: { kind: 'plain-http' } };
  }
  const addressProblem = checkHost(host, kind, loopback, policy);
  return addressProblem ? { ok: false, problem: addressProblem } : { ok: true, url };
}

/**
 * `inspectHaloUrl` for callers that fetch: returns the parsed URL or throws a
 * HaloNetworkError (AddressRefused, or InvalidInput for something that is not a URL).
 */
export function checkHaloUrl(input: string | URL, policy: HaloUrlPolicy): URL {
  const verdict = inspectHaloUrl(input, policy);
  if (verdict.ok) return verdict.url;
  const host = safeHost(input);
  const { problem } = verdict;
  const code = problem.kind === 'not-a-url' ? ErrorCode.InvalidInput : ErrorCode.AddressRefused;
  throw new HaloNetworkError(code, 'address', host, describeUrlProblem(problem, host));
}

/** One sentence saying why a Halo URL is refused; names the host, never user-info. */
export function describeUrlProblem(problem: HaloUrlProblem, host: string): string {
  switch (problem.kind) {
    case 'not-a-url':
      return 'The Halo address is not a valid URL.';
    case 'scheme':
      return 'The Halo address must start with https://.';
    case 'plain-http':
      return (
        'Plain http:// is only allowed to this machine with HALO_ALLOW_PRIVATE_NETWORK; ' +
        'use https://.'
      );
    case 'user-info':
      return 'The Halo address must not contain a user name or password.';
    case 'address':
      return refusedAddressMessage(host, problem);
  }
}

/**
 * The message for an address the policy refuses, shared with the connect-time check;
 * `resolvedTo` is the address a host name resolved to.
 */
export function refusedAddressMessage(
  host: string,
  refusal: { description: string; privateNetwork: boolean },
  resolvedTo?: string,
): string {
  const what = resolvedTo
    ? `it resolves to ${refusal.description} (${resolvedTo})`
    : `it is ${refusal.description}`;
  const hint = refusal.privateNetwork
    ? ' A self-hosted Halo on your own network needs HALO_ALLOW_PRIVATE_NETWORK=true.'
    : '';
  return `Refused to connect to ${host}: ${what}.${hint}`;
}

function checkHost(
  host: string,
  kind: AddressKind | undefined,
  loopback: boolean,
  policy: HaloUrlPolicy,
): HaloUrlProblem | undefined {
  if (kind) {
    const verdict = judgeAddress(host, kind, policy);
    if (verdict.allowed) return undefined;
    const { description, privateNetwork } = verdict;
    return { kind: 'address', description, privateNetwork };
  }
  if (loopback && !policy.allowPrivateNetwork) {
    return { kind: 'address', description: 'a loopback (this machine) name', privateNetwork: true };
  }
  return undefined;
}

/** The host without IPv6 brackets, lower case (WHATWG URL already lower-cases names). */
export function hostOf(url: URL): string {
  const name = url.hostname;
  return name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
}

/** `localhost` and `*.localhost` (RFC 6761), with or without the root's trailing dot. */
function isLoopbackName(host: string): boolean {
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  return name === 'localhost' || name.endsWith('.localhost');
}

function safeHost(input: string | URL): string {
  try {
    return hostOf(new URL(input));
  } catch {
    return 'the Halo address';
  }
}
