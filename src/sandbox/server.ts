import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { answerResource } from './answer-resource.js';
import { answerToken } from './answer-token.js';
import { jsonAnswer, type SandboxAnswer, type SandboxState } from './sandbox-answer.js';
import { SANDBOX_SCENARIOS, SANDBOX_TENANT, type SandboxScenario } from './scenarios.js';

/** Options of `startSandbox`. */
export interface SandboxOptions {
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Added before every answer, to make round trips visible. */
  latencyMs?: number;
  /** Serve HTTPS with this key and certificate (PEM). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** API applications served besides the built-in scenarios, e.g. one with a test's secret. */
  extraScenarios?: readonly SandboxScenario[];
}

/** One request as the sandbox saw it. Never holds a secret or a token. */
export interface SandboxRequestLog {
  method: string;
  /** Path and query, e.g. `/auth/token?tenant=sandbox`. */
  path: string;
  /** `performance.now()` when the request arrived and when its answer was sent. */
  startedAt: number;
  endedAt?: number;
  status?: number;
  clientId?: string;
  /** Which TCP connection carried it, numbered from 1: shows kept-alive reuse. */
  connection: number;
  /** `performance.now()` when that connection was accepted (after TLS, for HTTPS). */
  connectedAt: number;
}

/** A running sandbox. */
export interface Sandbox {
  /** e.g. `http://127.0.0.1:4000` */
  url: string;
  /** `{url}/auth`: what to paste as the Authorisation Server. */
  authServer: string;
  requests: SandboxRequestLog[];
  scenarios: readonly SandboxScenario[];
  /** Connections accepted so far, including any that never carried a request. */
  connections(): number;
  /** Deactivates a client: new token requests and its issued tokens get 401. */
  revoke(clientId: string): void;
  restore(clientId: string): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;

/**
 * A HaloPSA-like API for tests and demos: `POST /auth/token`, `GET /api/authinfo`,
 * `/api/Agent/me`, `/api/Client`, `/api/PurchaseOrder`, `/api/Invoice` and `/api/Webhook`,
 * with the answer shapes of the Halo reference notes. Each scenario (see `SANDBOX_SCENARIOS`)
 * is an API application with its own client id, and shows one way a real setup goes wrong.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const { port = 0, host = '127.0.0.1', latencyMs = 0, tls } = options;
  const scenarios = [...SANDBOX_SCENARIOS, ...(options.extraScenarios ?? [])];
  const state: SandboxState = {
    scenarios,
    tokens: new Map(),
    revoked: new Set(),
  };
  const requests: SandboxRequestLog[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const connectionIds = new WeakMap<Socket, number>();
  const connectedAt = new WeakMap<Socket, number>();
  let accepted = 0;
  let authServer = '';
  let nextConnectionId = 1;

  const handler: http.RequestListener = (req, res) => {
    if (!connectionIds.has(req.socket)) connectionIds.set(req.socket, nextConnectionId++);
    const entry: SandboxRequestLog = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      startedAt: performance.now(),
      connection: connectionIds.get(req.socket) ?? 0,
      connectedAt: connectedAt.get(req.socket) ?? 0,
    };
    requests.push(entry);
    readBody(req).then(
      (body) => {
        const answer = route(req, body, state, authServer);
        entry.clientId = answer.clientId;
        const timer = setTimeout(
          () => {
            timers.delete(timer);
            send(res, answer, entry);
          },
          latencyMs + (answer.delayMs ?? 0),
        );
        timers.add(timer);
      },
      () => res.destroy(),
    );
  };

  const server = tls
    ? https.createServer({ key: tls.key, cert: tls.cert }, handler)
    : http.createServer(handler);
  server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    accepted++;
    connectedAt.set(socket, performance.now());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${tls ? 'https' : 'http'}://${shownHost}:${address.port}`;
  authServer = `${url}/auth`;

  return {
    url,
    authServer,
    requests,
    scenarios,
    connections: () => accepted,
    revoke: (clientId) => void state.revoked.add(clientId.toLowerCase()),
    restore: (clientId) => void state.revoked.delete(clientId.toLowerCase()),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: http.ServerResponse, answer: SandboxAnswer, entry: SandboxRequestLog): void {
  res.writeHead(answer.status, { 'content-type': answer.contentType, ...answer.headers });
  res.end(answer.body, () => {
    entry.endedAt = performance.now();
    entry.status = answer.status;
  });
}

function route(
  req: http.IncomingMessage,
  body: string,
  state: SandboxState,
  authServer: string,
): SandboxAnswer {
  const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
  const path = url.pathname.replace(/\/+$/, '');
  if (path.toLowerCase() === '/auth/token') {
    if (req.method !== 'POST') return jsonAnswer(405, { Message: 'Use POST.' });
    return answerToken(new URLSearchParams(body), url.searchParams, state);
  }
  if (req.method !== 'GET') return jsonAnswer(405, { Message: 'The sandbox only reads.' });
  if (path.toLowerCase() === '/api/authinfo') {
    return jsonAnswer(200, { auth_url: authServer, tenant_id: SANDBOX_TENANT });
  }
  if (path.toLowerCase().startsWith('/api/')) {
    return answerResource(
      path.slice('/api/'.length),
      url.searchParams,
      req.headers.authorization,
      state,
    );
  }
  return jsonAnswer(404, { Message: 'No HTTP resource was found for this address.' });
}

/** The request body as text, at most 64 KiB (more is cut off: the sandbox only needs a form). */
async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
