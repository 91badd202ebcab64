import { isIP, type Socket } from 'node:net';
import type { buildConnector } from 'undici';

/**
 * A connector that also returns the socket it is connecting, as undici's `buildConnector`
 * does (its types say `void`), or nothing when it refuses before creating one.
 */
export type SocketConnector = (
  options: buildConnector.Options,
  callback: buildConnector.Callback,
) => Socket | undefined;

/** A connected socket nobody has taken yet, and how to stop watching it. */
interface Waiting {
  socket: Socket;
  release(): void;
}

/**
 * Connections opened ahead of the requests that will use them (see
 * `HaloDispatcher.preconnect`). Each one is opened by the dispatcher's own connector, so it
 * passed the same address checks and is pinned to the same address as any other; once
 * connected it waits here, idle and unreferenced, until the dispatcher's connector is asked
 * for a connection to the same origin and takes it instead of opening a new one.
 *
 * A waiting socket is destroyed when its idle time runs out, when the `signal` it was
 * opened with aborts, or when `clear()` is called; one still connecting is destroyed on
 * the same events.
 */
export class ReadySockets {
  readonly #idleMs: number;
  readonly #waiting = new Map<string, Waiting[]>();
  readonly #connecting = new Set<(error: Error) => void>();

  constructor(idleMs: number) {
    this.#idleMs = idleMs;
  }

  /** A waiting, still usable socket for these connect options, now owned by the caller. */
  take(options: buildConnector.Options): Socket | undefined {
    const list = this.#waiting.get(keyOf(options));
    while (list?.length) {
      const { socket, release } = list.shift()!;
      release();
      if (usable(socket)) return socket.ref();
      socket.destroy();
    }
    return undefined;
  }

  /**
   * Opens one connection with `connect` and keeps it waiting. Resolves when it waits (with
   * no value) or when it could not be opened (with the error); never rejects.
   */
  open(
    connect: SocketConnector,
    options: buildConnector.Options,
    signal?: AbortSignal,
  ): Promise<Error | undefined> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve(abortError(signal));
      let settled = false;
      const settle = (error: Error | undefined) => {
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        this.#connecting.delete(cancel);
        resolve(error);
      };
      /** Stops an attempt still connecting; the error also clears undici's connect timer. */
      const cancel = (error: Error) => {
        if (settled) return;
        settle(error);
        socket?.destroy(error);
      };
      const onAbort = () => cancel(abortError(signal));
      const socket = connect(options, (error, connected) => {
        if (settled) {
          connected?.destroy();
          return;
        }
        if (error || !connected) return settle(error ?? new Error('no socket'));
        settle(undefined);
        this.#keep(keyOf(options), connected, signal);
      });
      if (settled) return;
      this.#connecting.add(cancel);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Destroys every waiting and every connecting socket (the dispatcher is closing). */
  clear(): void {
    for (const cancel of [...this.#connecting]) cancel(new Error('dispatcher closed'));
    for (const list of this.#waiting.values()) {
      for (const { socket, release } of list) {
        release();
        socket.destroy();
      }
    }
    this.#waiting.clear();
  }

  #keep(key: string, socket: Socket, signal: AbortSignal | undefined): void {
    // A connection nobody took must not keep the process alive.
    socket.unref();
    const drop = () => {
      const list = this.#waiting.get(key) ?? [];
      const index = list.indexOf(waiting);
      if (index >= 0) list.splice(index, 1);
      if (list.length === 0) this.#waiting.delete(key);
      waiting.release();
      socket.destroy();
    };
    const timer = setTimeout(drop, this.#idleMs).unref();
    socket.once('close', drop);
    signal?.addEventListener('abort', drop, { once: true });
    const waiting: Waiting = {
      socket,
      release: () => {
        clearTimeout(timer);
        socket.off('close', drop);
        signal?.removeEventListener('abort', drop);
      },
    };
    const list = this.#waiting.get(key) ?? [];
    list.push(waiting);
    this.#waiting.set(key, list);
  }
}

/**
 * The connect options undici's client passes for an origin: host and port as the URL has
 * them (port empty for the scheme's default), the IPv6 host without brackets, no server
 * name (the connector derives it from the host, and sends none for an IP address).
 */
export function connectOptionsFor(origin: URL): buildConnector.Options {
  const { hostname } = origin;
  return {
    hostname: hostname.startsWith('[') ? hostname.slice(1, -1) : hostname,
    host: origin.host,
    protocol: origin.protocol,
    port: origin.port,
  };
}

/** Which requests a waiting socket can serve: same scheme, host, port and TLS server name. */
function keyOf(options: buildConnector.Options): string {
  const { protocol, hostname } = options;
  const port = options.port || (protocol === 'https:' ? '443' : '80');
  const servername = options.servername || (isIP(hostname) === 0 ? hostname : '');
  return `${protocol}//${hostname}:${port} ${protocol === 'https:' ? servername : ''}`;
}

/** Open both ways, and nothing came from the server before any request (a 408, a close). */
function usable(socket: Socket): boolean {
  const open = !socket.destroyed && socket.writable && socket.readable && !socket.readableEnded;
  return open && socket.readableLength === 0;
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error('pre-connect aborted');
}
