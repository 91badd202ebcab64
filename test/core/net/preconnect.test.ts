import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/core/errors.js';
import {
  createHaloDispatcher,
  haloRequest,
  type HaloDispatcher,
  type ResolveHost,
} from '../../../src/core/net/index.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/server.js';
import { startCanaryListener, type CanaryListener } from '../support/canary-listener.js';
import { startSilentListener, type SilentListener } from '../support/silent-listener.js';
import { hasOpenssl, makeThrowawayCertificate } from '../support/throwaway-certificate.js';

/** A lookup that answers `address` for every name and counts its calls. */
function fixedLookup(...addresses: string[]): ResolveHost & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (host: string) => {
    calls.push(host);
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(lookup, { calls });
}

describe('preconnect: the address guard applies, no bypass', () => {
  let canary: CanaryListener;
  beforeAll(async () => {
    canary = await startCanaryListener();
  });
  afterAll(async () => {
    await canary.close();
  });

  async function refusedPreconnect(origin: string, lookup?: ResolveHost) {
    const dispatcher = createHaloDispatcher({ allowPrivateNetwork: false, lookup });
    try {
      return await dispatcher.preconnect(origin, 4);
    } finally {
      await dispatcher.close();
    }
  }

  it.each([
    ['a loopback literal', () => `https://127.0.0.1:${canary.port}`],
    ['a decimal loopback literal', () => `https://2130706433:${canary.port}`],
    ['IPv6 loopback', () => `https://[::1]:${canary.port}`],
    ['IPv4-mapped loopback', () => `https://[::ffff:127.0.0.1]:${canary.port}`],
    ['localhost', () => `https://localhost:${canary.port}`],
    ['plain http', () => `http://127.0.0.1:${canary.port}`],
    ['cloud metadata', () => 'https://169.254.169.254'],
  ])('%s: refused before any connection', async (_name, origin) => {
    const outcome = await refusedPreconnect(origin());
    expect(outcome).toMatchObject({ idle: 0, opened: 0, failed: 4 });
    expect(outcome.error?.code).toBe(ErrorCode.AddressRefused);
    expect(canary.count()).toBe(0);
  });

  it('a name resolving to loopback: each connection resolved, checked, refused', async () => {
    const lookup = fixedLookup('127.0.0.1');
    const outcome = await refusedPreconnect(`https://halo.example.test:${canary.port}`, lookup);
    expect(outcome).toMatchObject({ opened: 0, failed: 4 });
    expect(outcome.error?.code).toBe(ErrorCode.AddressRefused);
    expect(outcome.error?.message).toMatch(/^Refused to connect to halo\.example\.test: /);
    // Through the guarded connector: its pinned lookup ran once per connection.
    expect(lookup.calls).toEqual(Array(4).fill('halo.example.test'));
    expect(canary.count()).toBe(0);
  });

  it('a name with one public and one private address is refused', async () => {
    const lookup = fixedLookup('93.184.215.14', '::ffff:10.0.0.8');
    const outcome = await refusedPreconnect(`https://halo.example.test:${canary.port}`, lookup);
    expect(outcome.error?.code).toBe(ErrorCode.AddressRefused);
    expect(canary.count()).toBe(0);
  });

  it('the canary counts pre-connections the policy allows (the detector works)', async () => {
    const dispatcher = createHaloDispatcher({ allowPrivateNetwork: true });
    await dispatcher.preconnect(`http://127.0.0.1:${canary.port}`, 2);
    await dispatcher.close();
    await expect.poll(() => canary.count()).toBe(2);
  });
});

describe('preconnect: requests take the connections it opened', () => {
  let sandbox: Sandbox;
  let port: string;
  beforeAll(async () => {
    sandbox = await startSandbox();
    port = new URL(sandbox.url).port;
  });
  afterAll(async () => {
    await sandbox.close();
  });

  const get = (dispatcher: HaloDispatcher, origin: string) =>
    haloRequest(dispatcher, { method: 'GET', url: `${origin}/api/authinfo`, timeoutMs: 2000 });

  it('opens connections without sending a request; requests then open none', async () => {
    const lookup = fixedLookup('127.0.0.1');
    const dispatcher = createHaloDispatcher({ allowPrivateNetwork: true, lookup });
    const origin = `http://halo.localhost:${port}`;
    const [connections, requests] = [sandbox.connections(), sandbox.requests.length];

    expect(await dispatcher.preconnect(origin, 2)).toEqual({ idle: 0, opened: 2, failed: 0 });
    // The server may see the second connection a moment after the client does.
    await expect.poll(() => sandbox.connections() - connections).toBe(2);
    expect(sandbox.requests.length).toBe(requests);
    expect(lookup.calls).toHaveLength(2);

    const answers = await Promise.all([get(dispatcher, origin), get(dispatcher, origin)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    const logged = sandbox.requests.slice(requests);
    expect(new Set(logged.map((r) => r.connection)).size).toBe(2);
    // The same two connections, resolved and pinned once each by the guarded connector.
    expect(sandbox.connections() - connections).toBe(2);
    expect(lookup.calls).toHaveLength(2);
    await dispatcher.close();
  });

  it('counts kept-alive connections already idle in the pool', async () => {
    const dispatcher = createHaloDispatcher({ allowPrivateNetwork: true });
    const origin = sandbox.url;
    await get(dispatcher, origin);
    const connections = sandbox.connections();
    expect(await dispatcher.preconnect(origin, 1)).toEqual({ idle: 1, opened: 0, failed: 0 });
    expect(await dispatcher.preconnect(origin, 3)).toEqual({ idle: 1, opened: 2, failed: 0 });
    await expect.poll(() => sandbox.connections() - connections).toBe(2);
    await dispatcher.close();
  });

  describe.skipIf(!hasOpenssl())('over HTTPS', () => {
    let tlsSandbox: Sandbox;
    let cert: Buffer;
    beforeAll(async () => {
      const tls = makeThrowawayCertificate('halo.test');
      cert = tls.cert;
      tlsSandbox = await startSandbox({ tls });
    });
    afterAll(async () => {
      await tlsSandbox.close();
    });

    it('hands over TLS connections made for the same host name', async () => {
      const lookup = fixedLookup('127.0.0.1');
      const dispatcher = createHaloDispatcher({ allowPrivateNetwork: true, lookup, ca: cert });
      const origin = `https://halo.test:${new URL(tlsSandbox.url).port}`;
      expect(await dispatcher.preconnect(origin, 2)).toMatchObject({ opened: 2, failed: 0 });
      await expect.poll(() => tlsSandbox.connections()).toBe(2);
      const answers = await Promise.all([get(dispatcher, origin), get(dispatcher, origin)]);
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      expect(tlsSandbox.connections()).toBe(2);
      expect(lookup.calls).toHaveLength(2);
      await dispatcher.close();
    });
  });
});

describe('preconnect: never outlives its signal or its dispatcher', () => {
  let silent: SilentListener;
  let dispatcher: HaloDispatcher;
  beforeAll(async () => {
    silent = await startSilentListener();
  });
  afterEach(async () => {
    if (!dispatcher.closed) await dispatcher.close();
  });
  afterAll(async () => {
    await silent.close();
  });

  /** Waits until the listener holds no connection from earlier tests. */
  async function fresh(): Promise<number> {
    await expect.poll(() => silent.open()).toBe(0);
    dispatcher = createHaloDispatcher({ allowPrivateNetwork: true });
    return silent.accepted();
  }

  it('an abort stops handshakes still in progress', async () => {
    const accepted = await fresh();
    const controller = new AbortController();
    // TLS to a listener that never answers: the handshakes stall.
    const pending = dispatcher.preconnect(`https://127.0.0.1:${silent.port}`, 3, {
      signal: controller.signal,
    });
    await expect.poll(() => silent.accepted() - accepted).toBe(3);
    controller.abort();
    const outcome = await pending;
    expect(outcome).toMatchObject({ opened: 0, failed: 3 });
    expect(outcome.error).toMatchObject({ code: ErrorCode.HaloTimeout, reason: 'cancelled' });
    await expect.poll(() => silent.open(), { timeout: 1000 }).toBe(0);
  });

  it('an abort closes the connections nobody took', async () => {
    await fresh();
    const controller = new AbortController();
    const origin = `http://127.0.0.1:${silent.port}`;
    const outcome = await dispatcher.preconnect(origin, 2, { signal: controller.signal });
    expect(outcome).toEqual({ idle: 0, opened: 2, failed: 0 });
    await expect.poll(() => silent.open()).toBe(2);
    controller.abort();
    await expect.poll(() => silent.open(), { timeout: 1000 }).toBe(0);
  });

  it('closing the dispatcher closes waiting and connecting ones', async () => {
    await fresh();
    await dispatcher.preconnect(`http://127.0.0.1:${silent.port}`, 2);
    const stalled = dispatcher.preconnect(`https://127.0.0.1:${silent.port}`, 2);
    await expect.poll(() => silent.open()).toBe(4);
    await dispatcher.close();
    expect(await stalled).toMatchObject({ opened: 0, failed: 2 });
    await expect.poll(() => silent.open(), { timeout: 1000 }).toBe(0);
  });

  it('a closed dispatcher opens nothing', async () => {
    const accepted = await fresh();
    await dispatcher.close();
    const outcome = await dispatcher.preconnect(`http://127.0.0.1:${silent.port}`, 2);
    expect(outcome).toEqual({ idle: 0, opened: 0, failed: 0 });
    expect(silent.accepted()).toBe(accepted);
  });
});
