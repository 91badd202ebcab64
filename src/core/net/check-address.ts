import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** What an IP address is, as far as the address policy cares. */
export type AddressKind =
  | 'public'
  | 'private'
  | 'loopback'
  | 'link-local'
  | 'unique-local'
  | 'carrier-grade-nat'
  | 'metadata'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'special';

/** Whether the bot may connect to an address, and if not, how to say why. */
export type AddressVerdict =
  | { allowed: true; address: string; kind: AddressKind }
  | {
      allowed: false;
      address: string;
      kind: AddressKind;
      /** For a message: "a private network address". */
      description: string;
      /** True when `allowPrivateNetwork` would allow it. */
      privateNetwork: boolean;
    };

/** Kinds that HALO_ALLOW_PRIVATE_NETWORK opens up: a self-hosted Halo on a LAN, the sandbox. */
const PRIVATE_NETWORK_KINDS: ReadonlySet<AddressKind> = new Set([
  'private',
  'loopback',
  'link-local',
  'unique-local',
  'carrier-grade-nat',
]);

const DESCRIPTIONS: Record<AddressKind, string> = {
  public: 'a public address',
  private: 'a private network address',
  loopback: 'a loopback (this machine) address',
  'link-local': 'a link-local address',
  'unique-local': 'a private (unique-local) IPv6 address',
  'carrier-grade-nat': 'a carrier-grade NAT address',
  metadata: 'a cloud metadata service address',
  unspecified: 'the unspecified address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved address',
  special: 'a special-purpose address',
};

/** Cloud instance metadata services: never a Halo, whatever the policy says. */
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254']);

const IPV4_KINDS: Partial<Record<string, AddressKind>> = {
  unicast: 'public',
  private: 'private',
  loopback: 'loopback',
  linkLocal: 'link-local',
  carrierGradeNat: 'carrier-grade-nat',
  unspecified: 'unspecified',
  multicast: 'multicast',
  broadcast: 'broadcast',
  reserved: 'reserved',
};

const IPV6_KINDS: Partial<Record<string, AddressKind>> = {
  unicast: 'public',
  loopback: 'loopback',
  linkLocal: 'link-local',
  uniqueLocal: 'unique-local',
  unspecified: 'unspecified',
  multicast: 'multicast',
  reserved: 'reserved',
};

/**
 * Addresses classified lately: the same few (a Halo's, the sandbox's) come back on every
 * connection and every form, and parsing one costs far more than a lookup. Bounded; the
 * oldest goes first.
 */
const KINDS = new Map<string, AddressKind>();
const MAX_KINDS = 1_000;

/**
 * Classifies an IP address with ipaddr.js. IPv4-mapped (`::ffff:a.b.c.d`) and
 * IPv4-compatible (`::a.b.c.d`) IPv6 addresses are unwrapped and the inner IPv4 address is
 * what counts. Ranges ipaddr.js names but this policy does not list (6to4, Teredo, NAT64,
 * benchmarking and the like) are `special`.
 *
 * Throws when `address` is not an IP address literal.
 */
export function classifyAddress(address: string): AddressKind {
  const known = KINDS.get(address);
  if (known) return known;
  if (isIP(address) === 0) throw new TypeError('not an IP address literal');
  const parsed = ipaddr.parse(address);
  const kind =
    parsed.kind() === 'ipv6'
      ? classifyIPv6(parsed as ipaddr.IPv6)
      : classifyIPv4(parsed as ipaddr.IPv4);
  if (KINDS.size >= MAX_KINDS) KINDS.delete(KINDS.keys().next().value!);
  KINDS.set(address, kind);
  return kind;
}

function classifyIPv4(ip: ipaddr.IPv4): AddressKind {
  if (METADATA_ADDRESSES.has(ip.toString())) return 'metadata';
  return IPV4_KINDS[ip.range()] ?? 'special';
}

function classifyIPv6(ip: ipaddr.IPv6): AddressKind {
  if (METADATA_ADDRESSES.has(ip.toString())) return 'metadata';
  const range = ip.range();
  if (range === 'ipv4Mapped') return classifyIPv4(ip.toIPv4Address());
  if (range === 'unicast' && isIPv4Compatible(ip)) return classifyIPv4(lastIPv4(ip));
  return IPV6_KINDS[range] ?? 'special';
}

function lastIPv4(ip: ipaddr.IPv6): ipaddr.IPv4 {
  const [high = 0, low = 0] = ip.parts.slice(-2);
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

/** `::a.b.c.d` (deprecated by RFC 4291, still routed by some stacks to the IPv4 address). */
function isIPv4Compatible(ip: ipaddr.IPv6): boolean {
  return ip.parts.slice(0, 6).every((part) => part === 0);
}

/**
 * Decides whether the bot may connect to `address`. Public addresses always; private,
 * loopback, link-local, unique-local and carrier-grade NAT addresses only with
 * `allowPrivateNetwork`.
 *
 * Note: metadata, unspecified, multicast, broadcast, reserved and other special-purpose
 * addresses are refused even with `allowPrivateNetwork`: no Halo lives there, and the
 * metadata service is the first thing a server-side request forgery goes for.
 */
export function checkAddress(
  address: string,
  options: { allowPrivateNetwork: boolean },
): AddressVerdict {
  return judgeAddress(address, classifyAddress(address), options);
}

/** {@link checkAddress} for an address already classified. */
export function judgeAddress(
  address: string,
  kind: AddressKind,
  options: { allowPrivateNetwork: boolean },
): AddressVerdict {
  const privateNetwork = PRIVATE_NETWORK_KINDS.has(kind);
  if (kind === 'public' || (options.allowPrivateNetwork && privateNetwork)) {
    return { allowed: true, address, kind };
  }
  return { allowed: false, address, kind, description: DESCRIPTIONS[kind], privateNetwork };
}
