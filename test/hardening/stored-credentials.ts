import type { Store } from '../../src/core/store.js';

/**
 * What a rejected input must leave alone: every stored connection's credentials and who
 * set them. Health and the last report change with a legitimate `verify`, so they are left
 * out.
 */
export async function storedCredentials(store: Pick<Store, 'listConnections'>) {
  const records = await store.listConnections();
  return records.map((r) => ({
    id: r.id,
    authServer: r.authServer,
    tenant: r.tenant,
    clientId: r.clientId,
    secret: r.secret,
    connectedBy: r.connectedBy,
    rotatedAt: r.rotatedAt,
    rotatedBy: r.rotatedBy,
  }));
}
