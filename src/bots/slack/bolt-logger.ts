import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../core/logger.js';

const TOKEN = /\b(xox[abeoprs]|xapp)-[A-Za-z0-9-]+/g;
const MAX_LINE = 500;

/**
 * Bridges the Slack SDKs' logger interface to our pino logger. SDK debug lines are dropped:
 * they include request bodies (views, form values). The rest is cut short and any token that
 * slipped into a message is masked.
 */
export function toBoltLogger(log: Logger): BoltLogger {
  const line = (parts: unknown[]) =>
    parts
      .map((part) => (part instanceof Error ? part.message : String(part)))
      .join(' ')
      .replace(TOKEN, '$1-[redacted]')
      .slice(0, MAX_LINE);
  return {
    debug: () => {},
    info: (...parts: unknown[]) => log.info({ source: 'slack-sdk' }, line(parts)),
    warn: (...parts: unknown[]) => log.warn({ source: 'slack-sdk' }, line(parts)),
    error: (...parts: unknown[]) => log.error({ source: 'slack-sdk' }, line(parts)),
    setLevel: () => {},
    getLevel: () => LogLevel.INFO,
    setName: () => {},
  };
}
