import { describe, expect, it } from 'vitest';
import { isLoopbackUrl } from '../../src/bots/teams/service-url-policy.js';

describe('isLoopbackUrl', () => {
  it('answers each URL on its own, whatever was asked before', () => {
    const asked: [string | URL | undefined, boolean][] = [
      ['http://127.0.0.1:3978/', true],
      ['http://127.0.0.1:3978/', true],
      ['https://smba.trafficmanager.net/emea/', false],
      ['https://smba.trafficmanager.net/emea/', false],
      ['http://localhost:4000', true],
      ['http://[::1]:4000', true],
      ['ftp://127.0.0.1/', false],
      ['not a url', false],
      ['not a url', false],
      [new URL('http://127.0.0.2/'), true],
      [new URL('https://example.com/'), false],
      [undefined, false],
      ['http://127.0.0.1:3978/', true],
    ];
    for (const [url, loopback] of asked) expect([url, isLoopbackUrl(url)]).toEqual([url, loopback]);
  });
});
