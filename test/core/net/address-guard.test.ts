import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, HaloConnectError } from '../../../src/core/errors.js';
import {
  checkAddress,
  createHaloDispatcher,
  haloRequest,
  HaloNetworkError,
  type ResolveHost,
} from '../../../src/core/net/index.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/server.js';
import { startCanaryListener, type CanaryListener } from '../support/canary-listener.js';

let canary: CanaryListener;
beforeAll(async () => {
  canary = await startCanaryListener();
});
afterAll(async () => {
  await canary.close();
});

async function refusal(url: string, lookup?: ResolveHost): Promise<HaloConnectError> {
  const dispatcher = createHaloDispatcher({ allowPrivateNetwork: false, lookup });
  try {
    await haloRequest(dispatcher, { method: 'GET', url, timeoutMs: 2000 });
  } catch (error) {
    return error as HaloConnectError;
  } finally {
    await dispatcher.close();
  }
  throw new Error(`${url} was fetched`);
}

describe('address guard: refused before any connection', () => {
  const port = () => canary.port;
  it.each([
    ['decimal IPv4', () => `https://2130706433:${port()}/`],
    ['octal IPv4', () => `https://0177.0.0.1:${port()}/`],
    ['hex IPv4', () => `https://0x7f.1:${port()}/`],
    ['short IPv4', () => `https://127.1:${port()}/`],
    ['dotted loopback', () => `https://127.0.0.1:${port()}/`],
    ['localhost', () => `https://localhost:${port()}/`],
    ['localhost with a trailing dot', () => `https://localhost.:${port()}/`],
    ['LOCALHOST', () => `https://LOCALHOST:${port()}/`],
    ['a .localhost subdomain', () => `https://sub.localhost:${port()}/`],
    ['IPv6 loopback', () => `https://[::1]:${port()}/`],
    ['IPv4-mapped loopback', () => `https://[::ffff:127.0.0.1]:${port()}/`],
    ['IPv4-mapped loopback in hex', () => `https://[::ffff:7f00:1]:${port()}/`],
    ['IPv4-compatible loopback', () => `https://[::127.0.0.1]:${port()}/`],
    ['cloud metadata', () => 'https://169.254.169.254/latest/meta-data/'],
    ['AWS IPv6 metadata', () => 'https://[fd00:ec2::254]/'],
    ['10/8', () => 'https://10.0.0.1/'],
    ['172.16/12', () => 'https://172.31.255.255/'],
    ['192.168/16', () => 'https://192.168.1.1/'],
    ['100.64/10 (carrier-grade NAT)', () => 'https://100.64.0.1/'],
    ['fd00::/8', () => 'https://[fd12:3456::1]/'],
    ['fe80:: link-local', () => 'https://[fe80::1]/'],
    ['0.0.0.0', () => `https://0.0.0.0:${port()}/`],
    ['user-info hiding the host', () => `https://evil.com@127.0.0.1:${port()}/`],
    ['plain http', () => `http://127.0.0.1:${port()}/`],
    ['plain http to a public name', () => 'http://example.com/'],
  ])('%s', async (_name, url) => {
    const error = await refusal(url());
    expect(error).toBeInstanceOf(HaloNetworkError);
    expect(error.code).toBe(ErrorCode.AddressRefused);
    expect(canary.count()).toBe(0);
  });

  it('a name that resolves to loopback', async () => {
    const calls: string[] = [];
    const lookup: ResolveHost = async (host) => {
      calls.push(host);
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const error = await refusal(`https://halo.example.test:${canary.port}/`, lookup);
    expect(error.code).toBe(ErrorCode.AddressRefused);
    expect(error.message).toBe(
      'Refused to connect to halo.example.test: it resolves to a loopback (this machine) address ' +
        '(127.0.0.1). A self-hosted Halo on your own network needs ' +
        'HALO_ALLOW_PRIVATE_NETWORK=true.',
    );
    expect(calls).toEqual(['halo.example.test']);
    expect(canary.count()).toBe(0);
  });

  it('a name with one public and one private address', async () => {
    const lookup: ResolveHost = async () => [
      { address: '93.184.215.14', family: 4 },
      { address: '::ffff:10.0.0.8', family: 6 },
    ];
    const error = await refusal(`https://halo.example.test:${canary.port}/`, lookup);
    expect(error.code).toBe(ErrorCode.AddressRefused);
    expect(canary.count()).toBe(0);
  });

  it('the canary does count connections that are allowed', async () => {
    const dispatcher = createHaloDispatcher({ allowPrivateNetwork: true });
    await expect(
      haloRequest(dispatcher, {
        method: 'GET',
        url: `http://127.0.0.1:${canary.port}/`,
        timeoutMs: 2000,
      }),
    ).rejects.toMatchObject({ code: ErrorCode.HaloUnreachable, reason: 'reset' });
    await dispatcher.close();
    expect(canary.count()).toBe(1);
  });
});

describe('address guard: the checked address is the one used', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('connects to the injected answer, resolving once per connection', async () => {
    let lookups = 0;
    const lookup: ResolveHost = async () => {
      lookups++;
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const dispatcher = createHaloDispatcher({ allowPrivateNetwork: true, lookup });
    const url = `http://halo.localhost:${new URL(sandbox.url).port}/api/authinfo`;
    for (let i = 0; i < 3; i++) {
      const response = await haloRequest(dispatcher, { method: 'GET', url, timeoutMs: 2000 });
      expect(response.status).toBe(200);
    }
    await dispatcher.close();
    expect(lookups).toBe(1);
  });
});

describe('checkAddress', () => {
  it.each([
    ['8.8.8.8', true, 'public'],
    ['2606:4700:4700::1111', true, 'public'],
    ['127.0.0.1', false, 'loopback'],
    ['::ffff:192.168.0.1', false, 'private'],
    ['::ffff:8.8.8.8', true, 'public'],
    ['169.254.169.254', false, 'metadata'],
    ['100.127.255.254', false, 'carrier-grade-nat'],
    ['224.0.0.1', false, 'multicast'],
    ['255.255.255.255', false, 'broadcast'],
    ['240.0.0.1', false, 'reserved'],
    ['64:ff9b::7f00:1', false, 'special'],
  ])('%s', (address, allowed, kind) => {
    expect(checkAddress(address, { allowPrivateNetwork: false })).toMatchObject({ allowed, kind });
  });

  it('answers the same for an address asked again, after many others came between', () => {
    const policy = { allowPrivateNetwork: false };
    expect(checkAddress('169.254.169.254', policy)).toMatchObject({ kind: 'metadata' });
    // More addresses than the classification cache holds, so the first ones are evicted.
    for (let i = 0; i < 1_500; i++) {
      const address = `10.${(i >> 8) & 255}.${i & 255}.1`;
      expect(checkAddress(address, policy)).toMatchObject({ allowed: false, kind: 'private' });
    }
    expect(checkAddress('169.254.169.254', policy)).toMatchObject({ kind: 'metadata' });
    expect(checkAddress('10.0.0.1', policy)).toMatchObject({ kind: 'private' });
    expect(checkAddress('8.8.8.8', policy)).toMatchObject({ allowed: true, kind: 'public' });
  });

  it('opens private ranges with allowPrivateNetwork, never metadata or multicast', () => {
    const policy = { allowPrivateNetwork: true };
    expect(checkAddress('10.0.0.1', policy).allowed).toBe(true);
    expect(checkAddress('::1', policy).allowed).toBe(true);
    expect(checkAddress('fe80::1', policy).allowed).toBe(true);
    expect(checkAddress('169.254.169.254', policy).allowed).toBe(false);
    expect(checkAddress('fd00:ec2::254', policy).allowed).toBe(false);
    expect(checkAddress('0.0.0.0', policy).allowed).toBe(false);
    expect(checkAddress('ff02::1', policy).allowed).toBe(false);
  });
});
