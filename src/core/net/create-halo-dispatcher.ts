import { promises as dns } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { ErrorCode } from '../errors.js';
import { checkAddress } from './check-address.js';
import { refusedAddressMessage, type HaloUrlPolicy } from './check-halo-url.js';
import { HaloNetworkError } from './halo-network-error.js';

/** One answer of a name lookup, as `dns.lookup(name, { all: true })` gives it. */
export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to every address it has; tests inject one. */
export type ResolveHost = (hostname: string) => Promise<ResolvedAddress[]>;

/** Options of `createHaloDispatcher`. */
export interface HaloDispatcherOptions {
  /** Allow private, loopback and link-local addresses: HALO_ALLOW_PRIVATE_NETWORK. */
  allowPrivateNetwork: boolean;
  /** DNS, TCP and TLS together; default 10 s. */
  connectTimeoutMs?: number;
  /** Default: `dns.lookup` with `all: true`. */
  lookup?: ResolveHost;
  /**
   * Certificates to trust for Halo's TLS.
   *
   * Note: this replaces the system's roots, like Node's `tls` `ca` option. It exists for a
   * self-hosted Halo behind a private CA and for tests; leave it unset otherwise.
   */
  ca?: string | Buffer | Array<string | Buffer>;
}

/** An undici dispatcher that connects only to addresses the policy allows. */
export class HaloDispatcher extends Agent {
  readonly allowPrivateNetwork: boolean;

  constructor(options: HaloDispatcherOptions) {
    super({ connect: createGuardedConnector(options), keepAliveTimeout: 10_000 });
    this.allowPrivateNetwork = options.allowPrivateNetwork;
  }
}

/**
 * The one way the bot talks to Halo. Every connection resolves the host itself, checks
 * every address the name resolves to against the address policy (see `checkAddress`), and
 * connects to the checked address only: the socket's lookup answers with that one address,
 * so a second DNS answer cannot swap it. IP literal hosts are checked the same way.
 * Connections are kept alive, so the token request and the probes share them.
 *
 * Redirects are never followed (no redirect interceptor is installed); use `haloRequest`,
 * which also checks the URL before any connection.
 */
export function createHaloDispatcher(options: HaloDispatcherOptions): HaloDispatcher {
  return new HaloDispatcher(options);
}

function createGuardedConnector(options: HaloDispatcherOptions): buildConnector.connector {
  const policy: HaloUrlPolicy = { allowPrivateNetwork: options.allowPrivateNetwork };
  const resolveHost = options.lookup ?? ((hostname) => dns.lookup(hostname, { all: true }));
  const connector = buildConnector({
    timeout: options.connectTimeoutMs ?? 10_000,
    lookup: createPinnedLookup(resolveHost, policy),
    ...(options.ca ? { ca: options.ca } : {}),
  });
  return (connectOptions, callback) => {
    const { hostname } = connectOptions;
    // Node skips `lookup` for an IP literal, so a literal is checked here instead.
    const refusal = isIP(hostname) !== 0 ? refuseAddress(hostname, hostname, policy) : undefined;
    if (refusal) {
      process.nextTick(callback, refusal, null);
      return;
    }
    connector(connectOptions, callback);
  };
}

function createPinnedLookup(resolveHost: ResolveHost, policy: HaloUrlPolicy): LookupFunction {
  return (hostname, options, callback) => {
    resolveChecked(hostname, resolveHost, policy).then(
      (pinned) => {
        if (options.all) callback(null, [pinned]);
        else callback(null, pinned.address, pinned.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };
}

async function resolveChecked(
  hostname: string,
  resolveHost: ResolveHost,
  policy: HaloUrlPolicy,
): Promise<ResolvedAddress> {
  const addresses = await resolveHost(hostname);
  // Every answer must pass, not only the one used: a name that also points inside is refused.
  for (const { address } of addresses) {
    const refusal = refuseAddress(hostname, address, policy);
    if (refusal) throw refusal;
  }
  const [pinned] = addresses;
  if (!pinned) throw Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' });
  return pinned;
}

function refuseAddress(
  host: string,
  address: string,
  policy: HaloUrlPolicy,
): HaloNetworkError | undefined {
  const verdict = checkAddress(address, policy);
  if (verdict.allowed) return undefined;
  const message = refusedAddressMessage(host, verdict, host === address ? undefined : address);
  return new HaloNetworkError(ErrorCode.AddressRefused, 'address', host, message);
}
