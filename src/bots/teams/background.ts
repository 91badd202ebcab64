import { FollowUpJobs } from '../../core/follow-up-jobs.js';
import type { FollowUps } from '../../core/follow-ups.js';
import type { Logger } from '../../core/logger.js';
import { safeError } from './safe-error.js';

/**
 * Work that goes on after the platform was answered (the live report card, the channel
 * announcement, storing a conversation reference; {@link FollowUpJobs}), `normal` unless it
 * says otherwise. A failure is logged with the SDK's error made safe to log.
 */
export class Background extends FollowUpJobs {
  constructor(logger: Logger, gate?: FollowUps) {
    super({
      logger,
      gate,
      urgency: 'normal',
      failed: (what, err) => logger.error(safeError(err), `${what} failed`),
    });
  }
}
