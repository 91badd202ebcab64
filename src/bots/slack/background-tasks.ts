import { FollowUpJobs } from '../../core/follow-up-jobs.js';
import type { FollowUps } from '../../core/follow-ups.js';
import type { Logger } from '../../core/logger.js';
import { describeError } from './slack-error.js';

/**
 * Work a handler starts after its `ack()` ({@link FollowUpJobs}). A job is `urgent` unless
 * it says otherwise: the person who clicked waits for most of them (a modal on a
 * `trigger_id`, a reply); `normal` is for anything else.
 */
export class BackgroundTasks extends FollowUpJobs {
  constructor(log: Logger, gate?: FollowUps) {
    super({
      logger: log,
      gate,
      urgency: 'urgent',
      failed: (label, err) =>
        log.error({ err: describeError(err), task: label }, 'Slack follow-up failed'),
    });
  }
}
