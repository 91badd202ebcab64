import { OutboundHostValidator, type OutboundUrlPolicy } from '@microsoft/agents-hosting';
import { isLoopbackHost } from '../../config.js';
import type { TeamsMode } from './auth-config.js';

/** The last URL string asked about, and the answer: every activity carries the same one. */
let last: { url: string; loopback: boolean } | undefined;

/** True for an http(s) URL whose host is a loopback address or `localhost`. */
export function isLoopbackUrl(url: string | URL | null | undefined): boolean {
  if (!url) return false;
  if (typeof url === 'string' && last?.url === url) return last.loopback;
  const loopback = parseLoopback(url);
  if (typeof url === 'string') last = { url, loopback };
  return loopback;
}

function parseLoopback(url: string | URL): boolean {
  try {
    const parsed = url instanceof URL ? url : new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return false;
    return isLoopbackHost(parsed.hostname);
  } catch {
    return false;
  }
}

/** The policy of local mode: the bot only ever calls a loopback connector. */
const loopbackOnly: OutboundUrlPolicy = { enabled: true, isAllowed: isLoopbackUrl };

/**
 * Which `serviceUrl` hosts the bot may call, for replies and for proactive posts from stored
 * references. Local mode: loopback only, so an unauthenticated activity cannot make the bot
 * call out elsewhere. Authenticated mode: the SDK's list of Microsoft connector hosts.
 * Built here instead of from the SDK's `OutboundHostValidator__*` environment variables.
 */
export function createServiceUrlPolicy(mode: TeamsMode): OutboundUrlPolicy {
  if (mode === 'local') return loopbackOnly;
  return new OutboundHostValidator({
    enabled: true,
    includeDefaultMicrosoftHosts: true,
    hosts: [],
  });
}
