import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One call the bot made: a Web API method or a post to a `response_url`. */
export interface SlackCall {
  /** `chat.postMessage`, `views.update`, … or `response_url`. */
  method: string;
  /**
   * Form fields with `view`, `blocks` and `attachments` JSON-decoded; for a response_url
   * post, its JSON.
   */
  params: Record<string, unknown>;
  /** The bearer token the call carried, if any. */
  token?: string;
  /** For a response_url post: the id in its path. */
  responseId?: string;
  /** The status the fake answered with, and the JSON it answered. */
  status: number;
  answer?: unknown;
  raw: string;
}

/** A scripted answer: an HTTP status with headers, or a Slack `ok: false` error. */
export type ScriptedAnswer =
  { status: number; headers?: Record<string, string>; body?: unknown } | { error: string };

/** Facts `users.info` reports for a user id; unknown users are plain members. */
export interface FakeUser {
  is_admin?: boolean;
  is_owner?: boolean;
  is_restricted?: boolean;
  is_ultra_restricted?: boolean;
}

const JSON_FIELDS = new Set(['view', 'blocks', 'attachments']);

/**
 * A local Slack Web API for the adapter's `SLACK_API_URL`. It parses form-encoded calls,
 * records every call (and every post to a `response_url` under `/respond/<id>`), answers
 * like Slack does for the methods the bot uses, and can be scripted: answers queued per
 * method (429 with Retry-After, 500, `not_in_channel`), users with admin or guest facts,
 * channels the bot is not in, modals the person has closed.
 */
export class FakeSlackApi {
  readonly calls: SlackCall[] = [];
  readonly users = new Map<string, FakeUser>();
  readonly notInChannel = new Set<string>();
  readonly closedViews = new Set<string>();
  readonly #queued = new Map<string, ScriptedAnswer[]>();
  readonly #waiters = new Set<(call: SlackCall) => boolean>();
  /** What `oauth.v2.access` hands out: a fresh install, or a rotated token pair. */
  oauthTokens = { access: 'xoxb-oauth-install-token', refresh: 'xoxe-oauth-refresh-1' };
  #server: Server | undefined;
  #views = 0;
  #ts = 1_700_000_000;
  url = '';

  static async start(): Promise<FakeSlackApi> {
    const fake = new FakeSlackApi();
    fake.#server = createServer((req, res) => void fake.#handle(req, res));
    await new Promise<void>((resolve) => fake.#server!.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.#server.address() as AddressInfo).port}`;
    return fake;
  }

  /** The Web API base URL to configure as `SLACK_API_URL`. */
  get apiUrl(): string {
    return `${this.url}/api/`;
  }

  /** A `response_url` that lands here, recorded with `responseId`. */
  responseUrl(id: string): string {
    return `${this.url}/respond/${id}`;
  }

  /** Answers the next calls of `method` with these, in order, before the normal answer. */
  queue(method: string, ...answers: ScriptedAnswer[]): void {
    this.#queued.set(method, [...(this.#queued.get(method) ?? []), ...answers]);
  }

  callsOf(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** The view id Slack gave the modal of a views.open call. */
  openedViewId(call: SlackCall): string {
    const id = (call.answer as { view?: { id?: string } } | undefined)?.view?.id;
    if (!id) throw new Error('views.open was not answered with a view');
    return id;
  }

  /** The view id of the n-th views.open since the last reset (default the last one). */
  viewId(index = -1): string {
    const call = this.callsOf('views.open').at(index);
    if (!call) throw new Error('no modal was opened');
    return this.openedViewId(call);
  }

  responsesTo(id: string): SlackCall[] {
    return this.calls.filter((c) => c.method === 'response_url' && c.responseId === id);
  }

  /** Everything the bot ever sent to Slack, as one string (for canary searches). */
  transcript(): string {
    return this.calls.map((c) => c.raw).join('\n');
  }

  /** Polls until `predicate` holds, at most `timeoutMs`; throws with `what` otherwise. */
  async waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /**
   * The first call, recorded from now on, that `predicate` accepts; for many flows at once,
   * where polling `calls` would cost more than the flows. Rejects after `timeoutMs`.
   */
  nextCall(predicate: (call: SlackCall) => boolean, timeoutMs = 30_000): Promise<SlackCall> {
    return new Promise((resolve, reject) => {
      const waiter = (call: SlackCall) => {
        if (!predicate(call)) return false;
        clearTimeout(timer);
        resolve(call);
        return true;
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error('timed out waiting for a Slack call'));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  reset(): void {
    this.calls.length = 0;
    this.#queued.clear();
    this.users.clear();
    this.notInChannel.clear();
    this.closedViews.clear();
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = new URL(req.url ?? '/', this.url).pathname;
    const respond = /^\/respond\/([^/]+)$/.exec(path);
    if (respond) {
      this.#record({
        method: 'response_url',
        params: parseJson(raw),
        responseId: respond[1],
        status: 200,
        raw,
      });
      send(res, 200, { ok: true });
      return;
    }
    const method = /^\/api\/([\w.]+)$/.exec(path)?.[1] ?? 'unknown';
    const params = parseParams(raw, req.headers['content-type']);
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const answer = this.#queued.get(method)?.shift() ?? this.#answer(method, params);
    const status = 'status' in answer ? answer.status : 200;
    const body =
      'error' in answer
        ? { ok: false, error: answer.error }
        : (answer.body ?? { ok: status === 200 });
    this.#record({ method, params, token, status, answer: body, raw });
    send(res, status, body, 'status' in answer ? answer.headers : undefined);
  }

  #record(call: SlackCall): void {
    this.calls.push(call);
    for (const waiter of this.#waiters) if (waiter(call)) this.#waiters.delete(waiter);
  }

  #oauth(params: Record<string, unknown>): Record<string, unknown> {
    return installAnswerFields(this, params.grant_type === 'refresh_token');
  }

  #answer(method: string, params: Record<string, unknown>): ScriptedAnswer {
    const ok = (body: Record<string, unknown>) => ({ status: 200, body: { ok: true, ...body } });
    switch (method) {
      case 'auth.test':
        return ok({ team_id: 'T0001', user_id: 'UBOT', bot_id: 'BBOT' });
      case 'users.info':
        return ok({
          user: { id: params.user, real_name: 'Test User', ...this.users.get(String(params.user)) },
        });
      case 'views.open':
        this.#views += 1;
        return ok({ view: { id: `V${this.#views}`, hash: `h${this.#views}` } });
      case 'views.update':
        return this.closedViews.has(String(params.view_id))
          ? { error: 'not_found' }
          : ok({ view: { id: params.view_id, hash: `h${++this.#views}` } });
      case 'oauth.v2.access':
        return ok(this.#oauth(params));
      case 'views.publish':
        return ok({ view: { id: 'VHOME' } });
      case 'chat.postMessage':
      case 'chat.postEphemeral':
      case 'chat.update':
        if (this.notInChannel.has(String(params.channel))) return { error: 'not_in_channel' };
        return ok({ channel: params.channel, ts: String(params.ts ?? `${++this.#ts}.000100`) });
      default:
        return { error: 'unknown_method' };
    }
  }
}

function installAnswerFields(fake: FakeSlackApi, refreshing: boolean): Record<string, unknown> {
  const { access, refresh } = fake.oauthTokens;
  const common = { app_id: 'A0001', token_type: 'bot', access_token: access, bot_user_id: 'UBOT' };
  const team = { id: 'T0001', name: 'Acme' };
  return refreshing
    ? {
        ...common,
        scope: 'commands,chat:write,users:read',
        refresh_token: refresh,
        expires_in: 43_200,
        team,
        enterprise: null,
        is_enterprise_install: false,
      }
    : {
        ...common,
        scope: 'commands,chat:write,users:read',
        authed_user: { id: 'UADMIN01' },
        team,
        enterprise: null,
        is_enterprise_install: false,
      };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseParams(raw: string, contentType: string | undefined): Record<string, unknown> {
  if ((contentType ?? '').includes('application/json')) return parseJson(raw);
  const params: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    params[key] = JSON_FIELDS.has(key) ? parseJson(value) : value;
  }
  return params;
}

function parseJson(raw: string): Record<string, unknown> {
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return { unparsed: raw };
  }
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
