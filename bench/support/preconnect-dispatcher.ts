import { isIP, type Socket } from 'node:net';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import type { HaloDispatcher } from '../../src/core/net/index.js';

/** Connections opened ahead of the probes: one per probe that cannot share the token's. */
const PROBES_AHEAD = 4;

/**
 * A bench-only prototype of a proposed product fix, NOT the product's dispatcher: while the
 * token request is in flight, open the connections the probes will need (TCP and TLS
 * handshakes included) to the same origin, so that after the token only the probes' own
 * round trip remains. It leaves out the product's address policy (the sandbox is on
 * loopback); it exists to measure what the fix would save.
 */
class PreconnectingAgent extends Agent {
  readonly allowPrivateNetwork = true;
  readonly #ready: Map<string, Socket[]>;
  readonly #connect: buildConnector.connector;

  constructor(ca: string | Buffer | undefined) {
    const connect = buildConnector({ timeout: 10_000, ...(ca ? { ca } : {}) });
    const ready = new Map<string, Socket[]>();
    super({
      keepAliveTimeout: 10_000,
      connect: (options, callback) => {
        const socket = ready.get(keyOf(options))?.shift();
        // undici expects the callback later, never from inside the connector call.
        if (socket && !socket.destroyed) process.nextTick(callback, null, socket);
        else connect(options, callback);
      },
    });
    this.#ready = ready;
    this.#connect = connect;
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler) {
    if (options.method === 'POST' && /\/token(\?|$)/.test(options.path) && options.origin) {
      this.#preconnect(new URL(String(options.origin)));
    }
    return super.dispatch(options, handler);
  }

  #preconnect(origin: URL): void {
    const options: buildConnector.Options = {
      hostname: origin.hostname,
      host: origin.host,
      protocol: origin.protocol,
      port: origin.port || (origin.protocol === 'https:' ? '443' : '80'),
      // As undici does: no server name for an IP address (RFC 6066).
      ...(isIP(origin.hostname) ? {} : { servername: origin.hostname }),
    };
    const key = keyOf(options);
    for (let i = 0; i < PROBES_AHEAD; i++) {
      this.#connect(options, (error, socket) => {
        if (error || !socket) return;
        // A connection nobody took must not keep the process alive.
        socket.unref();
        const list = this.#ready.get(key) ?? [];
        list.push(socket);
        this.#ready.set(key, list);
      });
    }
  }
}

function keyOf(options: buildConnector.Options): string {
  return `${options.protocol}//${options.hostname}:${options.port}`;
}

/** The prototype, typed as the product's dispatcher so the real verifier can use it. */
export function createPreconnectingDispatcher(ca?: string | Buffer): HaloDispatcher {
  return new PreconnectingAgent(ca) as unknown as HaloDispatcher;
}
