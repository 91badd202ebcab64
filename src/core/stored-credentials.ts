import { connectionSecretAad } from './aad.js';
import type { HaloCredentials } from './credentials.js';
import { Secret } from './secret.js';
import type { ConnectionRecord } from './store.js';
import type { Vault } from './vault.js';

/**
 * The credentials of a stored connection, its secret opened with the vault. Throws the
 * vault's HaloConnectError (KeyMissing, Decrypt) when the secret cannot be opened.
 */
export function openCredentials(record: ConnectionRecord, vault: Vault): HaloCredentials {
  return {
    authServer: record.authServer,
    tenant: record.tenant,
    clientId: record.clientId,
    clientSecret: new Secret(vault.open(record.secret, connectionSecretAad(record.id))),
  };
}
