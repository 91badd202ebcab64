import { randomBytes } from 'node:crypto';
import { KeyRing } from '../../src/core/key-ring.js';
import type { Envelope } from '../../src/core/envelope.js';
import type {
  AuditEvent,
  ConnectionRecord,
  ConversationRefRecord,
  ReminderRecord,
  SlackInstallationRecord,
} from '../../src/core/store.js';

/** Typed record factories for the store suites: valid records, with overrides. */

export const T0 = new Date('2030-01-01T00:00:00.000Z');

/** T0 plus `minutes`, as the ISO string the stores hand back. */
export function at(minutes: number): string {
  return new Date(T0.getTime() + minutes * 60_000).toISOString();
}

/** A well-formed envelope that no key opens: stores never look inside. */
export function opaqueEnvelope(kid = 'k1'): Envelope {
  return {
    v: 1,
    kid,
    iv: randomBytes(12).toString('base64'),
    tag: randomBytes(16).toString('base64'),
    ct: randomBytes(20).toString('base64'),
  };
}

export function connection(
  id = 'slack:T1',
  overrides: Partial<ConnectionRecord> = {},
): ConnectionRecord {
  const [platform, workspaceId] = id.split(':') as [ConnectionRecord['platform'], string];
  return {
    id,
    platform,
    workspaceId,
    authServer: 'https://acme.halopsa.com/auth',
    tenant: 'acme',
    resourceServer: 'https://acme.halopsa.com/api',
    clientId: '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
    secret: opaqueEnvelope(),
    connectedBy: 'U1',
    connectedAt: at(0),
    rotatedAt: at(0),
    rotatedBy: 'U1',
    rotationDueAt: at(90 * 24 * 60),
    channel: { platform, workspaceId, channelId: 'C1' },
    health: 'ok',
    version: 0,
    ...overrides,
  };
}

let auditCounter = 0;

export function auditEvent(overrides: Partial<AuditEvent> = {}): AuditEvent {
  auditCounter += 1;
  return {
    id: `audit-${auditCounter}-${randomBytes(4).toString('hex')}`,
    at: at(auditCounter),
    platform: 'slack',
    workspaceId: 'T1',
    actor: 'U1',
    action: 'connect',
    outcome: 'ok',
    ...overrides,
  };
}

export function reminder(overrides: Partial<ReminderRecord> = {}): ReminderRecord {
  return {
    connectionId: 'slack:T1',
    cycle: at(0),
    stage: 'due',
    dueAt: at(10),
    status: 'pending',
    attempts: 0,
    ...overrides,
  };
}

export function slackInstallation(
  id = 'T1',
  overrides: Partial<SlackInstallationRecord> = {},
): SlackInstallationRecord {
  return {
    id,
    installation: { team: { id, name: 'Acme' }, bot: { id: 'B1', userId: 'UB1' } },
    tokens: { botToken: opaqueEnvelope() },
    updatedAt: at(0),
    ...overrides,
  };
}

export function conversationRef(
  id = 'tenant-1:19:abc',
  overrides: Partial<ConversationRefRecord> = {},
): ConversationRefRecord {
  const [tenantId, ...rest] = id.split(':');
  return {
    id,
    tenantId: tenantId!,
    conversationId: rest.join(':'),
    reference: { serviceUrl: 'https://smba.trafficmanager.net/emea/', conversation: { id } },
    disabled: false,
    updatedAt: at(0),
    ...overrides,
  };
}

/** A key ring of fresh random keys, first one active. */
export function testRing(...ids: string[]): KeyRing {
  return new KeyRing((ids.length > 0 ? ids : ['k1']).map((id) => [id, randomBytes(32)]));
}

/** MASTER_KEY text for a ring built from the given keys. */
export function masterKeyOf(keys: Array<[string, Buffer]>): string {
  return keys.map(([id, key]) => `${id}:${key.toString('base64')}`).join(',');
}

/** The canary secret: it must never be found in plain text anywhere. */
export const CANARY = '7f3c0d9e-1b2a-4c5d-8e6f-a1b2c3d4e5f6-0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d';
