/**
 * The associated data each sealed value is bound to. An envelope opens only with the aad it
 * was sealed with, so an envelope copied onto another record, or onto another token of the
 * same record, does not open there. Every part of the project uses these two builders.
 */

/** Associated data of a connection's client secret, e.g. `connection:slack:T123`. */
export function connectionSecretAad(id: string): string {
  return `connection:${id}`;
}

/**
 * Associated data of the old client secret kept after a rotation to a second application,
 * until Halo stops accepting it, e.g. `connection:slack:T123:retiring`.
 */
export function retiringSecretAad(id: string): string {
  return `connection:${id}:retiring`;
}

/** Associated data of one Slack installation token, e.g. `slack-installation:T123:botToken`. */
export function slackTokenAad(id: string, name: string): string {
  return `slack-installation:${id}:${name}`;
}
