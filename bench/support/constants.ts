/** The fake Slack signing secret every benchmark request is signed with. */
export const SIGNING_SECRET = 'bench-signing-secret-0123456789abcdef';
/** The fake bot token the bot and the bare app present to the fake Web API. */
export const BOT_TOKEN = 'xoxb-bench-0000-bot-token';

/** Settings for Slack over HTTP, one workspace, against a fake Web API at `apiUrl`. */
export function slackEnv(apiUrl: string): Record<string, string> {
  return {
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_API_URL: apiUrl,
  };
}
