import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the bot made to the connector, as received. */
export interface ConnectorCall {
  method: string;
  kind: 'send' | 'reply' | 'update' | 'member' | 'other';
  conversationId: string;
  /** PUT: the updated activity; reply: the activity replied to. */
  activityId?: string;
  /** The id the connector gave a new activity. */
  createdId?: string;
  authorization?: string;
  /** The status the fake answered with. */
  status?: number;
  body: unknown;
  raw: string;
}

/** A scripted answer that replaces the normal one. */
export interface ScriptedFailure {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface Member {
  id: string;
  name: string;
  aadObjectId: string;
  userRole?: 'user' | 'guest';
}

const ROUTE = /^\/v3\/conversations\/([^/]+)\/(activities|members)(?:\/([^/?]+))?\/?$/;

/**
 * A local Bot Framework connector: the `serviceUrl` of the test activities. It records every
 * call (send, reply, update, member lookup), answers like the real one, and can be scripted
 * to fail the next calls of a kind with 403, 429 or 5xx.
 */
export class FakeConnector {
  readonly calls: ConnectorCall[] = [];
  readonly members = new Map<string, Member>();
  readonly #failures = new Map<ConnectorCall['kind'], ScriptedFailure[]>();
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

  /** The next calls of `kind` get these answers, one each, in order. */
  fail(kind: ConnectorCall['kind'], ...answers: ScriptedFailure[]): void {
    this.#failures.set(kind, [...(this.#failures.get(kind) ?? []), ...answers]);
  }

  /** New messages (sends and replies), in order. */
  get posted(): ConnectorCall[] {
    return this.calls.filter((c) => (c.kind === 'send' || c.kind === 'reply') && c.createdId);
  }

  get updates(): ConnectorCall[] {
    return this.calls.filter((c) => c.kind === 'update');
  }

  /** The latest body of a posted activity: its post, or the last update of it. */
  latest(activityId: string): unknown {
    const versions = this.calls.filter(
      (c) =>
        c.createdId === activityId ||
        (c.kind === 'update' && c.activityId === activityId && (c.status ?? 500) < 300),
    );
    return versions.at(-1)?.body;
  }

  /** Polls until `check` answers something truthy, for at most `timeoutMs`. */
  async waitFor<T>(check: () => T | undefined | false, timeoutMs = 5_000): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value) return value;
      if (Date.now() > until) throw new Error('fake connector: the expected call did not come');
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://connector');
    const match = ROUTE.exec(url.pathname);
    const call: ConnectorCall = {
      method: req.method ?? '',
      kind: 'other',
      conversationId: decodeSegment(match?.[1] ?? ''),
      activityId: match?.[3] ? decodeSegment(match[3]) : undefined,
      authorization: req.headers.authorization,
      body: raw ? (JSON.parse(raw) as unknown) : undefined,
      raw,
    };
    if (match?.[2] === 'members' && req.method === 'GET') call.kind = 'member';
    else if (match?.[2] === 'activities' && req.method === 'POST')
      call.kind = call.activityId ? 'reply' : 'send';
    else if (match?.[2] === 'activities' && req.method === 'PUT') call.kind = 'update';
    this.calls.push(call);
    const failure = this.#failures.get(call.kind)?.shift();
    if (failure) {
      const body = failure.body ?? { error: { code: 'Scripted', message: 'scripted failure' } };
      return this.#answer(call, res, failure.status, body, failure.headers);
    }
    this.#answerNormally(call, res);
  }

  #answerNormally(call: ConnectorCall, res: ServerResponse): void {
    switch (call.kind) {
      case 'send':
      case 'reply':
        call.createdId = `activity-${this.#nextId++}`;
        return this.#answer(call, res, 201, { id: call.createdId });
      case 'update':
        return this.#answer(call, res, 200, { id: call.activityId });
      case 'member': {
        const member = this.members.get(call.activityId ?? '');
        if (!member)
          return this.#answer(call, res, 404, { error: { code: 'MemberNotFoundInConversation' } });
        return this.#answer(call, res, 200, { ...member, userRole: member.userRole ?? 'user' });
      }
      default:
        return this.#answer(call, res, 404, { error: { code: 'NotFound' } });
    }
  }

  #answer(
    call: ConnectorCall,
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    call.status = status;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }
}

/** A path segment decoded; kept as sent when it is not valid percent-encoding. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
