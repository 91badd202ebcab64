import type { Notifier } from './notifier.js';
import type { Platform } from './platform.js';

/**
 * What every chat adapter gives the composition root. Each adapter module exports a
 * `create<Platform>Adapter(options)` returning this plus its HTTP routes (`router`), which
 * only `src/main.ts` mounts.
 */
export interface ChatAdapter {
  readonly platform: Platform;
  readonly notifier: Notifier;
  /** Connects long-lived transports (Slack Socket Mode); HTTP needs nothing. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves once the work handlers started after answering has finished. */
  idle(): Promise<void>;
}
