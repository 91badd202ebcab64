import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Quiet } from './quiet.js';

/** A call the bot made: a Web API method with its form fields (`view` decoded), or a reply. */
export interface SlackCall {
  method: string;
  params: Record<string, unknown>;
  /** What the fake answered. */
  answer: Record<string, unknown>;
}

/**
 * A lean local Slack Web API for benchmarks: answers the methods the bot uses, treats every
 * user as a workspace admin, keeps no history (a long run must not grow it), and tells a
 * listener about each call. Posts to `/respond/<id>` stand for `response_url` replies.
 */
export class FakeSlack {
  readonly quiet = new Quiet();
  /** Called with every call, e.g. to find the modal a click opened. */
  onCall: (call: SlackCall) => void = () => undefined;
  readonly #server: Server;
  #views = 0;
  url = '';

  private constructor() {
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  static async start(): Promise<FakeSlack> {
    const fake = new FakeSlack();
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.#server.address() as AddressInfo).port}`;
    return fake;
  }

  /** What to configure as `SLACK_API_URL`. */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  responseUrl(id: string): string {
    return `${this.url}/respond/${id}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.quiet.touch();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = req.url ?? '/';
    if (path.startsWith('/respond/')) {
      this.onCall({ method: 'response_url', params: parseJson(raw), answer: { ok: true } });
      return send(res, { ok: true });
    }
    const method = path.replace(/^\/api\//, '').split('?')[0]!;
    const params = parseForm(raw, req.headers['content-type']);
    const answer = this.#answer(method, params);
    this.onCall({ method, params, answer });
    send(res, answer);
  }

  #answer(method: string, params: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return { ok: true, team_id: 'T0001', user_id: 'UBOT', bot_id: 'BBOT' };
      case 'users.info':
        return { ok: true, user: { id: params.user, real_name: 'Bench Admin', is_admin: true } };
      case 'views.open':
        this.#views += 1;
        return { ok: true, view: { id: `V${this.#views}`, hash: `h${this.#views}` } };
      case 'views.update':
        return { ok: true, view: { id: params.view_id, hash: `h${++this.#views}` } };
      case 'chat.postMessage':
      case 'chat.postEphemeral':
      case 'chat.update':
        return { ok: true, channel: params.channel, ts: `${Date.now() / 1000}` };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }
}

function send(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function parseForm(raw: string, contentType: string | undefined): Record<string, unknown> {
  if ((contentType ?? '').includes('application/json')) return parseJson(raw);
  const params: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    params[key] = key === 'view' ? parseJson(value) : value;
  }
  return params;
}

function parseJson(raw: string): Record<string, unknown> {
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return {};
  }
}
