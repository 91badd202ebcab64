import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';

/** A server a benchmark started: where it listens and how to stop it. */
export interface BareServer {
  url: string;
  close(): Promise<void>;
  /** Resolves once the work it started after answering is done (the bot; else at once). */
  idle?(): Promise<void>;
}

/** Listens on a loopback port (default: any free one) with the bot's keep-alive setting. */
export async function listen(web: express.Express, port = 0): Promise<BareServer> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = web.listen(port, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  server.keepAliveTimeout = 5_000;
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
