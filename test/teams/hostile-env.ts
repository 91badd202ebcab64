/**
 * Import first (instead of clean-env) to load the Agents SDK with its own environment
 * variables set to values that disagree with our settings, as a careless deployment might.
 */
import './clean-env.js';

export const ENV_APP_ID = 'e0e0e0e0-0000-4000-8000-00000000e0e0';

Object.assign(process.env, {
  clientId: ENV_APP_ID,
  clientSecret: 'env-secret',
  MicrosoftAppId: ENV_APP_ID,
  MicrosoftAppPassword: 'env-secret',
  Connections__serviceConnection__Settings__ClientId: ENV_APP_ID,
  Connections__serviceConnection__Settings__ClientSecret: 'env-secret',
  ConnectionsMap__0__ServiceUrl: '*',
  ConnectionsMap__0__Connection: 'serviceConnection',
  CloudAdapterOptions__validateServiceUrl: 'false',
  OutboundHostValidator__Enabled: 'false',
});
