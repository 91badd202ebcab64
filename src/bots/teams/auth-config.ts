import { AuthType, type AuthConfiguration } from '@microsoft/agents-hosting';
import type { Config } from '../../config.js';
import { isLoopbackHost } from '../../config.js';
import { ErrorCode, HaloConnectError } from '../../core/errors.js';

/** The SDK's name for its default connection. */
const CONNECTION_NAME = 'serviceConnection';

/**
 * Every connection setting the SDK can pick up from its own environment variables
 * (`clientId`, `Connections__…`, `MicrosoftAppId`, …), set explicitly so that nothing from
 * the environment fills a gap in our configuration. The SDK spreads its environment
 * settings under an explicit configuration; an explicit `undefined` wins over them.
 */
const NOTHING_FROM_ENV = {
  tenantId: undefined,
  clientId: undefined,
  clientSecret: undefined,
  authType: undefined,
  certPemFile: undefined,
  certKeyFile: undefined,
  sendX5C: undefined,
  connectionName: undefined,
  federatedClientId: undefined,
  FICClientId: undefined,
  authorityEndpoint: undefined,
  authority: undefined,
  scopes: undefined,
  scope: undefined,
  altBlueprintConnectionName: undefined,
  alternateBlueprintConnectionName: undefined,
  WIDAssertionFile: undefined,
  federatedTokenFile: undefined,
  idpmResource: undefined,
  azureRegion: undefined,
  msalRetryCount: undefined,
  sidecarBaseUrl: undefined,
  serviceName: undefined,
  blueprintServiceName: undefined,
  bypassLocalNetworkRestriction: undefined,
  requestTimeout: undefined,
  retryCount: undefined,
  issuers: undefined,
  validateIssuer: undefined,
} satisfies AuthConfiguration;

/** How the Teams endpoint authenticates: Bot Framework tokens, or none on loopback. */
export type TeamsMode = 'authenticated' | 'local';

/** The mode and the SDK configuration built for it. */
export interface TeamsAuth {
  mode: TeamsMode;
  authConfig: AuthConfiguration;
}

/**
 * Builds the SDK's authentication configuration from our settings only
 * (`MICROSOFT_APP_ID`, `MICROSOFT_APP_PASSWORD`, `MICROSOFT_APP_TENANT_ID`,
 * `MICROSOFT_APP_TYPE`), with the connection registry filled in so the SDK does not look for
 * one in the environment. Without an app id this is local mode, which is refused unless
 * `TEAMS_LOCAL=true` and `HOST` is a loopback address.
 *
 * @throws HaloConnectError(Config) naming the setting to fix.
 */
export function createTeamsAuth(config: Pick<Config, 'teams' | 'host'>): TeamsAuth {
  const teams = config.teams;
  if (!teams.appId) {
    if (!teams.local || !isLoopbackHost(config.host)) {
      throw configError(
        'Teams needs MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD, or TEAMS_LOCAL=true with ' +
          'a loopback HOST such as 127.0.0.1 for local testing',
      );
    }
    return { mode: 'local', authConfig: withConnection({ ...NOTHING_FROM_ENV }) };
  }
  return { mode: 'authenticated', authConfig: withConnection(connectionOf(teams)) };
}

function connectionOf(teams: Config['teams']): AuthConfiguration {
  const base = { ...NOTHING_FROM_ENV, clientId: teams.appId, validateIssuer: true };
  if (teams.appType === 'UserAssignedMSI') {
    return { ...base, authType: AuthType.UserManagedIdentity, tenantId: teams.tenantId };
  }
  if (!teams.appPassword) {
    throw configError(
      'MICROSOFT_APP_PASSWORD is required with MICROSOFT_APP_ID (the client secret of the ' +
        'bot registration), unless MICROSOFT_APP_TYPE=UserAssignedMSI',
    );
  }
  if (teams.appType === 'SingleTenant' && !teams.tenantId) {
    throw configError(
      'MICROSOFT_APP_TYPE=SingleTenant needs MICROSOFT_APP_TENANT_ID (the directory id)',
    );
  }
  // A multi-tenant registration signs in against botframework.com (the SDK's default).
  const tenantId = teams.appType === 'MultiTenant' ? undefined : teams.tenantId;
  return { ...base, authType: AuthType.ClientSecret, clientSecret: teams.appPassword, tenantId };
}

function withConnection(connection: AuthConfiguration): AuthConfiguration {
  return {
    ...connection,
    connections: new Map([[CONNECTION_NAME, connection]]),
    connectionsMap: [{ serviceUrl: '*', connection: CONNECTION_NAME }],
  };
}

function configError(message: string): HaloConnectError {
  return new HaloConnectError(ErrorCode.Config, message);
}
