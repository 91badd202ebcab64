import type { Authorize, InstallationStore } from '@slack/bolt';
import { InstallProvider } from '@slack/oauth';
import type { Config } from '../../config.js';
import { ErrorCode, HaloConnectError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { toBoltLogger } from './bolt-logger.js';
import type { SlackClientOptions } from './client-options.js';

/** A workspace as Slack identifies it: the team, and its enterprise on Enterprise Grid. */
export interface WorkspaceKey {
  teamId: string;
  enterpriseId?: string;
}

/**
 * Where bot tokens come from: one `SLACK_BOT_TOKEN`, or OAuth installations (many
 * workspaces). `authorize` serves Bolt for incoming requests; `botToken` serves proactive
 * sends and, with token rotation on, refreshes an expiring token first.
 */
export interface TokenSource {
  readonly mode: 'single' | 'oauth';
  readonly authorize: Authorize<boolean>;
  botToken(workspace: WorkspaceKey): Promise<string | undefined>;
  /** Present in OAuth mode: serves the install and redirect routes. */
  readonly installer?: InstallProvider;
}

/** The bot scopes the app asks for at install; keep in step with manifest/slack.yaml. */
export const SLACK_BOT_SCOPES = ['commands', 'chat:write', 'users:read'] as const;

/** Builds the token source the configuration asks for: OAuth when its trio is set. */
export function createTokenSource(
  config: Config,
  installationStore: InstallationStore,
  clientOptions: SlackClientOptions,
  log: Logger,
): TokenSource {
  const { clientId, clientSecret, stateSecret, botToken } = config.slack;
  if (clientId && clientSecret && stateSecret) {
    const installer = new InstallProvider({
      clientId,
      clientSecret,
      stateSecret,
      installationStore,
      installUrlOptions: { scopes: [...SLACK_BOT_SCOPES] },
      logger: toBoltLogger(log),
      clientOptions,
    });
    return oauthTokens(installer, log);
  }
  if (botToken) return singleToken(botToken);
  throw new HaloConnectError(
    ErrorCode.Config,
    'Slack needs SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID, SLACK_CLIENT_SECRET ' +
      'and SLACK_STATE_SECRET (OAuth installs)',
  );
}

function singleToken(token: string): TokenSource {
  return {
    mode: 'single',
    // ignoreSelf is off and no listener needs the bot's own ids, so no auth.test per event.
    authorize: async () => ({ botToken: token }),
    botToken: async () => token,
  };
}

function oauthTokens(installer: InstallProvider, log: Logger): TokenSource {
  return {
    mode: 'oauth',
    installer,
    authorize: (source) => installer.authorize(source),
    async botToken(workspace) {
      try {
        const result = await installer.authorize({
          teamId: workspace.teamId,
          enterpriseId: workspace.enterpriseId,
          isEnterpriseInstall: false,
        });
        return result.botToken;
      } catch (err) {
        log.warn(
          { teamId: workspace.teamId, err: { message: (err as Error).message } },
          'no usable Slack installation for this workspace',
        );
        return undefined;
      }
    },
  };
}
