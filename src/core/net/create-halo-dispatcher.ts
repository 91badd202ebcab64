import { promises as dns } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { ErrorCode, type HaloConnectError } from '../errors.js';
import { checkAddress } from './check-address.js';
import {
  checkHaloUrl,
  hostOf,
  refusedAddressMessage,
  type HaloUrlPolicy,
} from './check-halo-url.js';
import { HaloNetworkError } from './halo-network-error.js';
import { connectOptionsFor, ReadySockets, type SocketConnector } from './ready-sockets.js';
import { toHaloNetworkError } from './to-halo-network-error.js';

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

/** Options of `HaloDispatcher.preconnect`. */
export interface PreconnectOptions {
  /** Aborting it destroys the connections still connecting or still waiting to be used. */
  signal?: AbortSignal;
}

/** How a `preconnect` went; it never throws. */
export interface PreconnectOutcome {
  /** Kept-alive connections already idle in the pool, counted towards `count`. */
  idle: number;
  /** Connections opened and now waiting for a request. */
  opened: number;
  /** Connections that could not be opened, refused ones included. */
  failed: number;
  /** The first failure, e.g. AddressRefused; names the host only. */
  error?: HaloConnectError;
}

/** How long a kept-alive or pre-opened connection may stay idle. */
const KEEP_ALIVE_MS = 10_000;

/** An undici dispatcher that connects only to addresses the policy allows. */
export class HaloDispatcher extends Agent {
  readonly allowPrivateNetwork: boolean;
  readonly #connect: SocketConnector;
  readonly #ready: ReadySockets;
  readonly #connectTimeoutMs: number;

  constructor(options: HaloDispatcherOptions) {
    const connect = createGuardedConnector(options);
    const ready = new ReadySockets(KEEP_ALIVE_MS);
    super({
      // A connection opened ahead by `preconnect` first; otherwise a new one. Both come from
      // the same guarded connector.
      connect: (connectOptions, callback) => {
        const socket = ready.take(connectOptions);
        // undici expects the callback later, never from inside the connector call.
        if (socket) process.nextTick(callback, null, socket);
        else connect(connectOptions, callback);
      },
      keepAliveTimeout: KEEP_ALIVE_MS,
    });
    this.allowPrivateNetwork = options.allowPrivateNetwork;
    this.#connect = connect;
    this.#ready = ready;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  }

  /**
   * Makes `count` connections to `origin` ready without sending any request: the kept-alive
   * connections idle in the pool count, and the rest are opened (TCP, and TLS for https), so
   * that requests dispatched there a moment later find them ready instead of paying the
   * handshakes. They go through the same guarded connector as every request: the
   * URL is checked as `haloRequest` checks it, and each address is checked and pinned at
   * connect time, so a refused origin gets no connection at all.
   *
   * Resolves once every attempt has connected or failed; never rejects. A connection nobody
   * takes is closed after the keep-alive idle time, when `signal` aborts, or when the
   * dispatcher closes.
   */
  async preconnect(
    origin: string | URL,
    count: number,
    options: PreconnectOptions = {},
  ): Promise<PreconnectOutcome> {
    const { signal } = options;
    let url: URL;
    try {
      url = checkHaloUrl(origin, this);
    } catch (error) {
      return { idle: 0, opened: 0, failed: count, error: error as HaloConnectError };
    }
    const stats = this.stats[url.origin];
    const idle = Math.min(count, stats && 'free' in stats ? stats.free : 0);
    const wanted = this.closed || this.destroyed ? 0 : count - idle;
    const connectOptions = connectOptionsFor(url);
    const attempts = Array.from({ length: wanted }, () =>
      this.#ready.open(this.#connect, connectOptions, signal),
    );
    const errors = (await Promise.all(attempts)).filter((e): e is Error => e !== undefined);
    const outcome: PreconnectOutcome = {
      idle,
      opened: wanted - errors.length,
      failed: errors.length,
    };
    if (errors[0]) {
      outcome.error = toHaloNetworkError(errors[0], {
        host: hostOf(url),
        timeoutMs: this.#connectTimeoutMs,
        timedOut: false,
        cancelled: signal?.aborted ?? false,
      });
    }
    return outcome;
  }

  /** Closes as undici does, and first the connections `preconnect` opened that wait unused. */
  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    this.#ready.clear();
    return callback ? super.close(callback) : super.close();
  }

  /** Destroys as undici does, and first the connections `preconnect` opened that wait unused. */
  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(
    errOrCallback?: Error | null | (() => void),
    callback?: () => void,
  ): Promise<void> | void {
    this.#ready.clear();
    if (typeof errOrCallback === 'function') return super.destroy(errOrCallback);
    if (callback) return super.destroy(errOrCallback ?? null, callback);
    return super.destroy(errOrCallback ?? null);
  }
}

/**
 * The one way the bot talks to Halo. Every connection resolves the host itself, checks
 * every address the name resolves to against the address policy (see `checkAddress`), and
 * connects to the checked address only: the socket's lookup answers with that one address,
 * so a second DNS answer cannot swap it. IP literal hosts are checked the same way.
 * Connections are kept alive, so the token request and the probes share them, and
 * `preconnect` opens more ahead of time through the same checks.
 *
 * Redirects are never followed (no redirect interceptor is installed); use `haloRequest`,
 * which also checks the URL before any connection.
 */
export function createHaloDispatcher(options: HaloDispatcherOptions): HaloDispatcher {
  return new HaloDispatcher(options);
}

function createGuardedConnector(options: HaloDispatcherOptions): SocketConnector {
  const policy: HaloUrlPolicy = { allowPrivateNetwork: options.allowPrivateNetwork };
  const resolveHost = options.lookup ?? ((hostname) => dns.lookup(hostname, { all: true }));
  // undici's connector returns the socket it creates; its types say `void`.
  const connector = buildConnector({
    timeout: options.connectTimeoutMs ?? 10_000,
    lookup: createPinnedLookup(resolveHost, policy),
    ...(options.ca ? { ca: options.ca } : {}),
  }) as unknown as SocketConnector;
  return (connectOptions, callback) => {
    const { hostname } = connectOptions;
    // Node skips `lookup` for an IP literal, so a literal is checked here instead.
    const refusal = isIP(hostname) !== 0 ? refuseAddress(hostname, hostname, policy) : undefined;
    if (refusal) {
      process.nextTick(callback, refusal, null);
      return undefined;
    }
    return connector(connectOptions, callback);
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
