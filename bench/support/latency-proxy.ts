import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface LatencyProxy {
  /** `127.0.0.1:<port>`: put it where the target's host and port would be. */
  host: string;
  /** Connections accepted so far: each cost a handshake round trip. */
  connections: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy that makes loopback behave like a network with a round-trip time of `rttMs`:
 * every byte takes `rttMs / 2` each way, and the first byte of a new connection waits one
 * more round trip, the TCP handshake a real client would have waited for before sending.
 * TLS passes through untouched, so its handshake costs its real round trips too.
 *
 * Note: order is kept per direction; bandwidth is unlimited.
 */
export async function startLatencyProxy(targetPort: number, rttMs: number): Promise<LatencyProxy> {
  const sockets = new Set<Socket>();
  const state = { connections: 0 };
  const server: Server = createServer((client) => {
    state.connections += 1;
    const upstream = connect(targetPort, '127.0.0.1');
    const handshakeDone = performance.now() + rttMs;
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    pipeDelayed(client, upstream, rttMs / 2, handshakeDone);
    pipeDelayed(upstream, client, rttMs / 2, 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    get connections() {
      return state.connections;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Forwards `from` to `to`, each chunk `delayMs` later and never before `notBefore`. */
function pipeDelayed(from: Socket, to: Socket, delayMs: number, notBefore: number): void {
  let last = 0;
  const later = (action: () => void) => {
    const at = Math.max(Math.max(performance.now(), notBefore) + delayMs, last);
    last = at;
    setTimeout(action, at - performance.now());
  };
  from.on('data', (chunk: Buffer) => later(() => to.destroyed || to.write(chunk)));
  from.on('end', () => later(() => to.end()));
}
