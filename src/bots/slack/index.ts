/**
 * The Slack adapter. `src/main.ts` calls `createSlackAdapter` when Slack is configured and
 * mounts its `router`; everything else here is internal.
 */
export {
  createSlackAdapter,
  type SlackAdapter,
  type SlackAdapterOptions,
} from './slack-adapter.js';
export { SlackNotifier, DEFAULT_RETRY_POLICY, type RetryPolicy } from './notifier.js';
export { SLACK_BOT_SCOPES } from './token-source.js';
