import type { HaloUrlProblem } from './net/check-halo-url.js';

const API_PAGE = 'Configuration › Integrations › HaloPSA API';
const APPLICATIONS = `${API_PAGE} › View Applications`;
const EXAMPLE = 'for example https://yourcompany.halopsa.com/auth';
const RECOPY_SECRET =
  `copy it again from the application in ${APPLICATIONS}, ` +
  'or regenerate it and paste the new one.';
const PRIVATE_HINT =
  ' For a Halo hosted on your own network, ask the bot operator to set ' +
  'HALO_ALLOW_PRIVATE_NETWORK=true.';

/**
 * The words of every input problem, each completing a sentence that starts with the
 * field's label ("Client ID is empty: …"). None holds a value the admin typed.
 */
export const INPUT_MESSAGES = {
  authServerEmpty: `is empty: copy it from API Details in ${API_PAGE}, ${EXAMPLE}.`,
  authServerNotUrl: `is not a web address: paste it as shown under API Details, ${EXAMPLE}.`,
  authServerScheme: `must start with https://: copy it again from ${API_PAGE}, ${EXAMPLE}.`,
  authServerUserInfo:
    'must not contain a user name or password (the part before @): ' +
    `paste only the address, ${EXAMPLE}.`,
  authServerWasResource:
    'ended in /api, which is the Resource Server: the bot used the same address ending in ' +
    `/auth instead. If verification fails, paste the Authorisation Server from ${API_PAGE}.`,
  tenantUnreadable:
    'looks like a web address the tenant cannot be read from: paste the Tenant shown ' +
    `under API Details in ${API_PAGE} (one word, such as yourcompany), ` +
    'or leave it empty if none is shown.',
  tenantShape:
    'can only hold letters, digits and hyphens: paste the Tenant shown under API Details ' +
    `in ${API_PAGE}, or leave it empty if none is shown.`,
  clientIdEmpty: `is empty: copy it from the application in ${APPLICATIONS}, after saving.`,
  clientIdLooksLikeSecret:
    'looks like a client secret (two IDs joined by a hyphen): ' +
    'paste the Client ID, a single ID of 36 characters.',
  clientIdShape:
    'must be an ID of 36 characters such as 0a1b2c3d-4e5f-4a1b-8c2d-3e4f5a6b7c8d: ' +
    `copy it again from the application in ${APPLICATIONS}, after saving.`,
  secretEmpty:
    'is empty: paste the secret Halo showed when the application was saved; if you no ' +
    'longer have it, regenerate it in the application and paste the new one.',
  secretSameAsClientId:
    'is the same as the Client ID; the secret is the longer value: ' + RECOPY_SECRET,
  secretHalf:
    'looks like only half of it: the full secret is two IDs joined by a hyphen ' +
    `(73 characters); ${RECOPY_SECRET}`,
  secretLooksLikeClientId:
    'looks like a Client ID: the Client ID and Client Secret look swapped; ' +
    'paste each into its own field.',
  secretShape: `does not look like a Halo client secret: ${RECOPY_SECRET}`,
  secretUnusualShape:
    'does not have the usual Halo shape (two IDs joined by a hyphen, 73 characters). ' +
    'It was kept as typed; if verification fails, regenerate the secret in the ' +
    'application and paste the new one.',
  holdsSecret:
    'contains the Client Secret: paste the secret only into the Client Secret field, and ' +
    `copy this value again from ${API_PAGE}.`,
  swapped: ' The Client ID and Client Secret look swapped.',
  innerSpace: 'contains spaces or line breaks: paste it again as one line.',
  quotes: 'contains quote marks: paste only the secret, without quotes.',
} as const;

/** The Authorisation Server's URL problem, as the rest of a sentence after its label. */
export function describeAuthServerProblem(problem: HaloUrlProblem): string {
  switch (problem.kind) {
    case 'not-a-url':
      return INPUT_MESSAGES.authServerNotUrl;
    case 'scheme':
    case 'plain-http':
      return INPUT_MESSAGES.authServerScheme;
    case 'user-info':
      return INPUT_MESSAGES.authServerUserInfo;
    case 'address':
      return (
        `points to ${problem.description}, which the bot does not connect to: ` +
        `use your Halo's public address.${problem.privateNetwork ? PRIVATE_HINT : ''}`
      );
  }
}
