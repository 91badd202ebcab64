import { connectionSecretAad, retiringSecretAad } from './aad.js';
import type { HaloCredentials } from './credentials.js';
import { connectionIdOf, type Actor, type Address } from './platform.js';
import type { VerificationReport } from './report.js';
import type { ConnectionRecord } from './store.js';
import type { Vault } from './vault.js';

export interface ConnectionRecordInput {
  actor: Actor;
  /** Verified credentials: only these are ever stored. */
  credentials: HaloCredentials;
  report: VerificationReport;
  /** The record they replace, for a rotation. */
  existing: ConnectionRecord | undefined;
  channel: Address | undefined;
  now: Date;
  rotationPeriodMs: number;
  vault: Vault;
}

/**
 * The record to store after a successful connect or rotation: the secret sealed to this
 * record, the rotation clock restarted, who connected kept from the record it replaces.
 */
export function buildConnectionRecord(input: ConnectionRecordInput): ConnectionRecord {
  const { actor, credentials, report, existing, now, vault } = input;
  const id = connectionIdOf(actor);
  return {
    id,
    platform: actor.platform,
    workspaceId: actor.workspaceId,
    authServer: credentials.authServer,
    tenant: credentials.tenant,
    resourceServer: report.resourceServer ?? new URL('/api', credentials.authServer).href,
    clientId: credentials.clientId,
    secret: vault.seal(credentials.clientSecret.reveal(), connectionSecretAad(id)),
    connectedBy: existing?.connectedBy ?? actor.userId,
    connectedAt: existing?.connectedAt ?? now.toISOString(),
    rotatedAt: now.toISOString(),
    rotatedBy: actor.userId,
    rotationDueAt: new Date(now.getTime() + input.rotationPeriodMs).toISOString(),
    channel: input.channel ?? existing?.channel,
    retiring: retiringOf(id, credentials, existing, now, vault),
    agentName: report.agent?.name,
    lastVerifiedAt: report.startedAt,
    lastReport: report,
    health: 'ok',
    version: existing?.version ?? 0,
  };
}

/**
 * A rotation to a new client id keeps the old credentials, sealed under their own aad, so
 * the re-verification pass can confirm once Halo no longer accepts them.
 */
function retiringOf(
  id: string,
  credentials: HaloCredentials,
  existing: ConnectionRecord | undefined,
  now: Date,
  vault: Vault,
): ConnectionRecord['retiring'] {
  if (!existing) return undefined;
  if (existing.clientId === credentials.clientId) {
    return existing.retiring?.clientId === credentials.clientId ? undefined : existing.retiring;
  }
  const old = vault.open(existing.secret, connectionSecretAad(id));
  return {
    clientId: existing.clientId,
    secret: vault.seal(old, retiringSecretAad(id)),
    since: now.toISOString(),
  };
}
