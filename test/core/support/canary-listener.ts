import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** A loopback listener that only counts: any connection to it means a guard let one through. */
export interface CanaryListener {
  port: number;
  /** Connections accepted so far. */
  count(): number;
  close(): Promise<void>;
}

/**
 * Counts every TCP connection it receives, on IPv4 and (when the host has it) IPv6 loopback,
 * and closes each at once.
 */
export async function startCanaryListener(): Promise<CanaryListener> {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  const listen = (host: string, ipv6Only?: boolean) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: 0, host, ipv6Only }, () => resolve());
    });
  // '::' without ipv6Only takes both families; a host without IPv6 gets 127.0.0.1 only.
  await listen('::', false).catch(() => listen('127.0.0.1'));
  return {
    port: (server.address() as AddressInfo).port,
    count: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
