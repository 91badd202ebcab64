import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Quiet } from './quiet.js';

/**
 * A lean local Bot Framework connector for benchmarks: the `serviceUrl` of the activities.
 * Every member lookup answers a non-guest user, every send or reply gets a new id, every
 * update succeeds. It keeps no history, only a count and the time of the last call.
 */
export class FakeConnector {
  readonly quiet = new Quiet();
  readonly #server: Server;
  #nextId = 1;
  url = '';

  private constructor() {
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  static async start(): Promise<FakeConnector> {
    const connector = new FakeConnector();
    await new Promise<void>((resolve) => connector.#server.listen(0, '127.0.0.1', resolve));
    const { port } = connector.#server.address() as AddressInfo;
    connector.url = `http://127.0.0.1:${port}/`;
    return connector;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.quiet.touch();
    for await (const _chunk of req) {
      // Drain the body; its content does not matter here.
    }
    const path = new URL(req.url ?? '/', 'http://connector').pathname;
    const member = /\/members\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && member) {
      const id = decodeURIComponent(member[1]!);
      return send(res, 200, { id, name: 'Bench User', aadObjectId: id, userRole: 'user' });
    }
    if (req.method === 'POST') return send(res, 201, { id: `activity-${this.#nextId++}` });
    if (req.method === 'PUT') return send(res, 200, { id: path.split('/').pop() });
    send(res, 404, { error: { code: 'NotFound' } });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
