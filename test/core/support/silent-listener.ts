import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP listener on 127.0.0.1 that accepts connections and never says anything: a TLS
 * handshake to it stalls, an HTTP request waits forever. It counts what it accepted and
 * what is still open.
 */
export interface SilentListener {
  port: number;
  accepted(): number;
  open(): number;
  close(): Promise<void>;
}

/** Starts a `SilentListener`. */
export async function startSilentListener(): Promise<SilentListener> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    accepted: () => accepted,
    open: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
