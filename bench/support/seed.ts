import { randomUUID } from 'node:crypto';
import { connectionSecretAad } from '../../src/core/aad.js';
import type { AuditEvent, ConnectionRecord, ReminderRecord } from '../../src/core/store.js';
import type { Vault } from '../../src/core/vault.js';
import type { CheckResult, VerificationReport } from '../../src/core/report.js';

export const DAY_MS = 86_400_000;

/** The workspace id of seeded connection `i`: sortable, so ranges are easy to reason about. */
export function workspaceOf(i: number): string {
  return `W${String(i).padStart(7, '0')}`;
}

const CHECKS: Array<[CheckResult['id'], string]> = [
  ['input', 'The form values are well-formed.'],
  ['reachable', 'Reached acme.halopsa.com.'],
  ['token', 'Halo issued an access token valid for 60 min.'],
  ['scopes', 'The token covers all:standard, all:teams and admin:webhooks.'],
  ['agent', 'The application logs in as "Cloud Depot API", an active API-only agent.'],
  ['customers.read', 'The agent can read customers.'],
  ['purchaseOrders.read', 'The agent can read purchase orders.'],
  ['invoices.read', 'The agent can read invoices.'],
  [
    'invoices.write',
    'Inferred, not tested: the scopes allow invoice changes and the agent can read invoices. Halo has no safe test for a write.',
  ],
  ['webhooks', 'The application can read webhooks.'],
  ['visibility', 'The agent can see 3 customers.'],
];

/** A passing report shaped like the verifier's (about 1.4 kB of JSON, as stored). */
function passingReport(at: string): VerificationReport {
  return {
    ok: true,
    checks: CHECKS.map(([id, message]) => ({ id, status: 'pass', message, ms: 12 })),
    ms: 180,
    startedAt: at,
    agent: { id: 17, name: 'Cloud Depot API', isApiAgent: true, isAdmin: false, isDisabled: false },
    grantedScopes: ['all:standard', 'all:teams', 'admin:webhooks'],
    resourceServer: 'https://acme.halopsa.com/api',
  };
}

/**
 * A connection as the service stores one after a successful connect: the secret sealed for
 * its own id, the last report kept, the rotation clock started at `rotatedAt`.
 */
export function seededConnection(vault: Vault, i: number, rotatedAt: Date): ConnectionRecord {
  const workspaceId = workspaceOf(i);
  const id = `slack:${workspaceId}`;
  const at = rotatedAt.toISOString();
  return {
    id,
    platform: 'slack',
    workspaceId,
    authServer: 'https://acme.halopsa.com/auth',
    tenant: 'acme',
    resourceServer: 'https://acme.halopsa.com/api',
    clientId: '6d3f2a1b-9c8e-4f70-a1b2-c3d4e5f60718',
    secret: vault.seal(`5ec7e7a0-0000-4000-8000-${randomUUID()}`, connectionSecretAad(id)),
    connectedBy: 'UADMIN01',
    connectedAt: at,
    rotatedAt: at,
    rotatedBy: 'UADMIN01',
    rotationDueAt: new Date(rotatedAt.getTime() + 90 * DAY_MS).toISOString(),
    channel: { platform: 'slack', workspaceId, channelId: 'C0001' },
    agentName: 'Cloud Depot API',
    lastVerifiedAt: at,
    lastReport: passingReport(at),
    health: 'ok',
    version: 1,
  };
}

/** The first rotation reminder of a connection's cycle (14 days before the due date). */
export function firstReminder(record: ConnectionRecord): ReminderRecord {
  return {
    connectionId: record.id,
    cycle: record.rotatedAt,
    stage: 'lead:P14D',
    dueAt: new Date(Date.parse(record.rotationDueAt) - 14 * DAY_MS).toISOString(),
    status: 'pending',
    attempts: 0,
  };
}

/** The audit entry a connect writes. */
export function connectAudit(record: ConnectionRecord, at: Date): AuditEvent {
  return {
    id: randomUUID(),
    at: at.toISOString(),
    platform: record.platform,
    workspaceId: record.workspaceId,
    actor: record.connectedBy,
    action: 'connect',
    outcome: 'ok',
  };
}
