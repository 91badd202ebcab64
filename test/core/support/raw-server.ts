import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RawServer {
  url: string;
  /** Requests seen, by path. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

/** A plain HTTP server on 127.0.0.1 for answers the sandbox will not give. */
export async function startRawServer(handler: http.RequestListener): Promise<RawServer> {
  const hits = new Map<string, number>();
  const server = http.createServer((req, res) => {
    hits.set(req.url ?? '/', (hits.get(req.url ?? '/') ?? 0) + 1);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
