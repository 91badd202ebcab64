import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/core/errors.js';
import {
  createHaloDispatcher,
  haloRequest,
  type HaloDispatcher,
} from '../../../src/core/net/index.js';
import { startRawServer, type RawServer } from '../support/raw-server.js';

const TWO_MIB = 2 * 1024 * 1024;

let server: RawServer;
let dispatcher: HaloDispatcher;

beforeAll(async () => {
  server = await startRawServer((req, res) => {
    switch (req.url) {
      case '/big-declared':
        res.writeHead(200, { 'content-length': TWO_MIB });
        res.end(Buffer.alloc(TWO_MIB, 'a'));
        return;
      case '/big-chunked':
        res.writeHead(200);
        for (let i = 0; i < 32; i++) res.write(Buffer.alloc(TWO_MIB / 32, 'a'));
        res.end();
        return;
      case '/redirect':
        res.writeHead(302, { location: '/target' });
        res.end();
        return;
      case '/no-headers':
        return;
      case '/stalled-body':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"partial":');
        return;
      default:
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
    }
  });
  dispatcher = createHaloDispatcher({ allowPrivateNetwork: true });
});

afterAll(async () => {
  await dispatcher.close();
  await server.close();
});

const get = (path: string, timeoutMs = 2000, signal?: AbortSignal) =>
  haloRequest(dispatcher, { method: 'GET', url: `${server.url}${path}`, timeoutMs, signal });

describe('haloRequest', () => {
  it('returns status, lower-case headers, text and parsed JSON', async () => {
    const response = await get('/json');
    expect(response).toMatchObject({ status: 200, text: '{"ok":true}', json: { ok: true } });
    expect(response.headers['content-type']).toBe('application/json');
  });

  it.each(['/big-declared', '/big-chunked'])('refuses a 2 MiB body (%s)', async (path) => {
    await expect(get(path)).rejects.toMatchObject({ code: ErrorCode.BodyTooLarge });
  });

  it('accepts a body up to maxBytes', async () => {
    const response = await haloRequest(dispatcher, {
      method: 'GET',
      url: `${server.url}/big-declared`,
      timeoutMs: 2000,
      maxBytes: TWO_MIB,
    });
    expect(response.text).toHaveLength(TWO_MIB);
  });

  it('does not follow a redirect', async () => {
    const response = await get('/redirect');
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe('/target');
    expect(server.hits.get('/target')).toBeUndefined();
  });

  it('times out when the headers never come', async () => {
    await expect(get('/no-headers', 200)).rejects.toMatchObject({
      code: ErrorCode.HaloTimeout,
      reason: 'timeout',
      message: 'No answer from 127.0.0.1 within 0.2 s.',
    });
  });

  it('times out when the body stalls', async () => {
    await expect(get('/stalled-body', 200)).rejects.toMatchObject({ code: ErrorCode.HaloTimeout });
  });

  it('stops when the caller aborts', async () => {
    const controller = new AbortController();
    const pending = get('/no-headers', 5000, controller.signal);
    controller.abort();
    await expect(pending).rejects.toMatchObject({
      code: ErrorCode.HaloTimeout,
      reason: 'cancelled',
    });
  });

  it('names a DNS failure', async () => {
    const lookup = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    const failing = createHaloDispatcher({ allowPrivateNetwork: false, lookup });
    await expect(
      haloRequest(failing, { method: 'GET', url: 'https://halo.invalid/', timeoutMs: 2000 }),
    ).rejects.toMatchObject({
      code: ErrorCode.HaloUnreachable,
      reason: 'dns',
      message: 'Could not find halo.invalid: the name does not resolve (DNS).',
    });
    await failing.close();
  });

  it('names a refused connection', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(
      haloRequest(dispatcher, { method: 'GET', url: `http://127.0.0.1:${port}/`, timeoutMs: 2000 }),
    ).rejects.toMatchObject({ code: ErrorCode.HaloUnreachable, reason: 'refused' });
  });

  it('names a TLS failure', async () => {
    const url = server.url.replace('http:', 'https:');
    await expect(
      haloRequest(dispatcher, { method: 'GET', url, timeoutMs: 2000 }),
    ).rejects.toMatchObject({ code: ErrorCode.HaloUnreachable, reason: 'tls' });
  });

  it('never puts the request body or headers in an error message', async () => {
    const body = 'client_secret=canary-body-value';
    const headers = { authorization: 'Bearer canary-token-value' };
    const error = await haloRequest(dispatcher, {
      method: 'POST',
      url: `${server.url}/no-headers`,
      headers,
      body,
      timeoutMs: 150,
    }).then(
      () => new Error('answered'),
      (e: unknown) => e as Error,
    );
    expect(error.message).not.toMatch(/canary/);
    expect(String(error.stack)).not.toMatch(/canary/);
  });
});
