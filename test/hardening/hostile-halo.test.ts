import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import { finalView, openCredentialsForm, submitForm, type ModalJson } from '../slack/flow.js';
import { SlackHarness } from '../slack/harness.js';
import { ADMIN } from '../slack/payloads.js';
import { CANARY_SCENARIOS, CANARY_SECRET, canaryScenario, expectNoCanary } from './canary.js';

/**
 * A Halo that misbehaves in every way a server can, end to end through the Slack modal:
 * each case ends in a report with exactly one failing check, within the verification's
 * deadline, with a message of one sentence that dumps nothing; and afterwards the bot holds
 * no connection open and still verifies a working Halo.
 */

const DEADLINE_MS = 1_500;
const REQUEST_TIMEOUT_MS = 1_000;
const FIFTY_MB = 50 * 1024 * 1024;
const FAIL = '❌';

/** A server on 127.0.0.1 that counts the connections it still has open. */
interface HostileServer {
  url: string;
  open(): number;
  close(): Promise<void>;
}

async function listen(server: net.Server): Promise<HostileServer> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    open: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Streams `total` bytes in 64 KiB chunks, stopping when the client goes away. */
function stream(res: http.ServerResponse, total: number): void {
  const chunk = Buffer.alloc(64 * 1024, ' ');
  let sent = 0;
  const pump = () => {
    while (sent < total && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end();
  };
  pump();
}

/** Answers of the hostile servers not finished or abandoned yet. */
let unfinished = 0;

/** Misbehaviour by path prefix: `/<case>/auth/token`. */
function misbehave(req: http.IncomingMessage, res: http.ServerResponse): void {
  const kind = (req.url ?? '').split('/')[1];
  unfinished += 1;
  res.on('close', () => (unfinished -= 1));
  switch (kind) {
    case 'html':
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        '<!DOCTYPE html><html><head><title>Welcome</title></head>' +
          `<body>${'<p>x</p>'.repeat(500)}</body></html>`,
      );
      return;
    case 'invalid-json':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"access_token": "abc", "expires_in": 36');
      return;
    case 'json-not-an-object':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[1, 2, 3]');
      return;
    case 'fifty-mb':
      res.writeHead(200, { 'content-type': 'application/json' });
      stream(res, FIFTY_MB);
      return;
    case 'fifty-mb-declared':
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': FIFTY_MB });
      stream(res, FIFTY_MB);
      return;
    case 'endless':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"access_token":"');
      {
        const timer = setInterval(() => res.write('a'), 50);
        res.on('close', () => clearInterval(timer));
      }
      return;
    case 'no-headers':
      return;
    case 'reset-mid-body':
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4000' });
      res.write('{"access_token":"abc","expires_in":3600,"sc', () => req.socket.resetAndDestroy());
      return;
    case 'binary':
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.from([0xff, 0xfe, 0x00, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0xc3, 0x28]));
      return;
    default:
      res.writeHead(404).end();
  }
}

let sandbox: Sandbox;
let hostile: HostileServer;
let stalledTls: HostileServer;
let h: SlackHarness;

beforeAll(async () => {
  sandbox = await startSandbox({ extraScenarios: CANARY_SCENARIOS });
  hostile = await listen(http.createServer(misbehave));
  // Accepts TCP, reads the ClientHello and never says a word: a handshake that never ends.
  stalledTls = await listen(net.createServer((socket) => socket.resume()));
  h = await SlackHarness.start({
    // Shorter than the default, so that the abandoned handshake below is closed soon; still
    // longer than the deadline, which must cut the verification short by itself.
    connectTimeoutMs: 3_000,
    deadlineMs: DEADLINE_MS,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    perUserLimit: { limit: 1_000, windowMs: 60_000 },
    perWorkspaceLimit: { limit: 1_000, windowMs: 60_000 },
  });
  h.fake.users.set(ADMIN, { is_admin: true });
});

afterAll(async () => {
  await h.close();
  await hostile.close();
  await stalledTls.close();
  await sandbox.close();
});

/** Submits the canary credentials against `authServer`; the final view and how long it took. */
async function verifyAt(authServer: string): Promise<{ view: ModalJson; ms: number }> {
  const form = await openCredentialsForm(h);
  const started = performance.now();
  const values = { authServer, clientId: canaryScenario().clientId, clientSecret: CANARY_SECRET };
  const ack = await submitForm(h, form, values);
  expect(ack.status).toBe(200);
  expect(performance.now() - started).toBeLessThan(3_000);
  const view = await finalView(h, form.viewId);
  return { view, ms: performance.now() - started };
}

function failures(view: ModalJson): number {
  return JSON.stringify(view).split(FAIL).length - 1;
}

describe('a hostile Halo token endpoint', () => {
  it.each<[string, string, RegExp]>([
    ['an HTML page', 'html', /not JSON|HTML|web page|page/i],
    ['invalid JSON', 'invalid-json', /JSON|token/i],
    ['JSON that is not an object', 'json-not-an-object', /token/i],
    ['a 50 MB body', 'fifty-mb', /larger than 1048576 bytes/],
    ['a 50 MB body, declared', 'fifty-mb-declared', /larger than 1048576 bytes/],
    ['a body that never ends', 'endless', /limit|No answer/],
    ['headers that never come', 'no-headers', /limit|No answer/],
    ['a reset in the middle of the body', 'reset-mid-body', /closed the connection/],
    ['binary garbage', 'binary', /token/i],
  ])('%s: one clear failure within the deadline', async (_name, kind, message) => {
    const { view, ms } = await verifyAt(`${hostile.url}/${kind}/auth`);
    expect(view.title.text).toBe('Check failed');
    expect(failures(view)).toBe(1);
    const text = JSON.stringify(view);
    expect(text).toMatch(message);
    expect(text).not.toMatch(/<p>|<html|\\u001b|access_token|\s{20,}/i);
    expect(ms).toBeLessThan(DEADLINE_MS + 1_500);
  });

  it('a TLS handshake that stalls: one clear failure within the deadline', async () => {
    const { view, ms } = await verifyAt(`${stalledTls.url.replace('http:', 'https:')}/auth`);
    expect(view.title.text).toBe('Check failed');
    expect(failures(view)).toBe(1);
    expect(JSON.stringify(view)).toMatch(/Halo reachable/);
    expect(ms).toBeLessThan(DEADLINE_MS + 1_500);
  });
});

describe('a hostile Halo API, after a good token', () => {
  /** The sandbox, except that `GET /api/Agent/me` misbehaves as `kind`. */
  async function hostileAgent(kind: string): Promise<HostileServer> {
    return listen(
      http.createServer((req, res) => {
        if (req.url === '/api/Agent/me') {
          req.url = `/${kind}/api/Agent/me`;
          return misbehave(req, res);
        }
        void forward(req, res);
      }),
    );
  }

  async function forward(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const answer = await fetch(`${sandbox.url}${req.url}`, {
      method: req.method,
      headers: Object.fromEntries(
        Object.entries(req.headers).filter(
          (e): e is [string, string] =>
            typeof e[1] === 'string' && ['authorization', 'content-type', 'accept'].includes(e[0]),
        ),
      ),
      body: req.method === 'POST' ? Buffer.concat(chunks) : undefined,
    });
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? '' });
    res.end(Buffer.from(await answer.arrayBuffer()));
  }

  it.each([
    ['an HTML page', 'html'],
    ['invalid JSON', 'invalid-json'],
    ['a 50 MB body', 'fifty-mb'],
    ['a body that never ends', 'endless'],
    ['a reset in the middle of the body', 'reset-mid-body'],
  ])('%s from Agent/me: the agent check fails, and only it', async (_name, kind) => {
    const server = await hostileAgent(kind);
    try {
      const { view, ms } = await verifyAt(`${server.url}/auth`);
      expect(view.title.text).toBe('Check failed');
      expect(failures(view)).toBe(1);
      expect(JSON.stringify(view)).toContain('Not connected: *Login agent* failed');
      expect(ms).toBeLessThan(DEADLINE_MS + 1_500);
    } finally {
      await h.settle();
      await server.close();
    }
  });
});

describe('after all of that', () => {
  it('leaves no answer hanging, logs no error, and still connects a working Halo', async () => {
    await h.settle();
    // Every endless, stalled or oversized answer was cut off by the bot; the stalled
    // handshake by the connect timeout. Idle kept-alive connections may stay.
    await expect.poll(() => [unfinished, stalledTls.open()], { timeout: 5_000 }).toEqual([0, 0]);
    const errors = h.logLines.filter((l) => (JSON.parse(l) as { level: number }).level >= 50);
    expect(errors).toEqual([]);
    const { view } = await verifyAt(sandbox.authServer);
    expect(view.title.text).toBe('Connected');
  });

  it('leaks the canary secret nowhere', async () => {
    await h.settle();
    expectNoCanary({
      'Slack calls': h.fake.transcript(),
      logs: h.logLines.join('\n'),
      answers: h.answers.join('\n'),
      'data file': await h.storeFile(),
    });
  });
});
