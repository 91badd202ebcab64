/**
 * Import first in every Teams test file. The Agents SDK reads its own environment variables
 * once, when it is loaded (`clientId`, `MicrosoftAppId`, `Connections__…`,
 * `CloudAdapterOptions__…`, `OutboundHostValidator__…`, `DEBUG` for its logging), and some
 * of them override explicit configuration. A developer's shell must not change what the
 * tests prove, so they are removed before the SDK loads.
 */
const SDK_KEYS = new Set(
  [
    'clientId',
    'clientSecret',
    'tenantId',
    'authType',
    'certPemFile',
    'certKeyFile',
    'connectionName',
    'FICClientId',
    'authorityEndpoint',
    'scope',
    'MicrosoftAppId',
    'MicrosoftAppPassword',
    'MicrosoftAppTenantId',
    'MicrosoftAppType',
    'MicrosoftAppClientId',
    'DEBUG',
    'TEST_MODE',
  ].map((k) => k.toUpperCase()),
);
const SDK_PREFIXES = [
  'CONNECTIONS__',
  'CONNECTIONSMAP__',
  'CLOUDADAPTEROPTIONS__',
  'OUTBOUNDHOSTVALIDATOR__',
];

for (const key of Object.keys(process.env)) {
  const upper = key.toUpperCase();
  if (SDK_KEYS.has(upper) || SDK_PREFIXES.some((p) => upper.startsWith(p))) delete process.env[key];
}
if (process.env.NODE_ENV === 'production') process.env.NODE_ENV = 'test';

export {};
