import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';
import type { Logger } from './core/logger.js';

/**
 * Every log path that can hold a secret or a token. Values there are replaced before the
 * line is written; the wrapper type `Secret` already prints as `[secret]` on its own.
 */
export const REDACT_PATHS = [
  'secret',
  'clientSecret',
  'client_secret',
  'password',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'botToken',
  'authorization',
  '*.secret',
  '*.clientSecret',
  '*.client_secret',
  '*.password',
  '*.token',
  '*.accessToken',
  '*.access_token',
  '*.refreshToken',
  '*.botToken',
  '*.authorization',
  '*.headers.authorization',
  'req.headers.authorization',
  'req.headers["x-slack-signature"]',
  'body',
  '*.body',
];

export interface LoggerOptions {
  level: string;
  format: 'json' | 'pretty';
  /** Where lines go; tests pass a buffer. Defaults to stdout. */
  destination?: DestinationStream;
}

/** The root pino logger. Subsystems take a child: `logger.child({ subsystem: 'slack' })`. */
export function createLogger(options: LoggerOptions): PinoLogger & Logger {
  const base = {
    level: options.level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'halo-connect' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const stream =
    options.format === 'pretty'
      ? pretty({ colorize: process.stdout.isTTY, destination: options.destination ?? 1 })
      : (options.destination ?? pino.destination({ fd: 1, sync: false }));
  return pino(base, stream) as PinoLogger & Logger;
}
