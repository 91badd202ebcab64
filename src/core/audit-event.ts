import { randomUUID } from 'node:crypto';
import type { WorkspaceRef } from './platform.js';
import type { AuditEvent } from './store.js';

/** An audit event for a workspace at a time: who, what, the outcome, never a secret. */
export function auditEvent(
  where: WorkspaceRef,
  at: Date,
  entry: Pick<AuditEvent, 'actor' | 'action' | 'outcome' | 'detail'>,
): AuditEvent {
  return {
    id: randomUUID(),
    at: at.toISOString(),
    platform: where.platform,
    workspaceId: where.workspaceId,
    ...entry,
  };
}
