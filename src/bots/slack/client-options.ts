import type { webApi } from '@slack/bolt';
import type { Config } from '../../config.js';
import type { Logger } from '../../core/logger.js';
import { toBoltLogger } from './bolt-logger.js';

/** Options for every Slack WebClient this adapter creates. */
export type SlackClientOptions = webApi.WebClientOptions;

/**
 * Web API client options for handlers: `SLACK_API_URL` when set, a 10 s deadline, and at most
 * two quick retries of a 5xx or network failure. A 429 is not waited out inside a handler
 * (the 3-second budget would not survive it); the notifier retries posts on its own terms.
 */
export function slackClientOptions(config: Config, log: Logger): SlackClientOptions {
  return {
    ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
    logger: toBoltLogger(log),
    timeout: 10_000,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 2, factor: 2, minTimeout: 150, maxTimeout: 600, randomize: false },
  };
}
