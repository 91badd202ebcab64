import { pino } from 'pino';
import type { Logger } from '../../../src/core/logger.js';

/** A real pino logger at debug level whose lines land in `lines`, for searching. */
export function createMemoryLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger: Logger = pino(
    { level: 'debug' },
    { write: (line: string) => void lines.push(line) },
  );
  return { logger, lines };
}
