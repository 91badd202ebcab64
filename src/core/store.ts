import type { Envelope } from './envelope.js';
import type { Address, Platform } from './platform.js';
import type { VerificationReport } from './report.js';
import type { StepId } from './guide.js';

/** A verified, stored HaloPSA connection: one per Slack workspace or Teams tenant. */
export interface ConnectionRecord {
  /** `${platform}:${workspaceId}` */
  id: string;
  platform: Platform;
  workspaceId: string;
  authServer: string;
  tenant?: string;
  resourceServer: string;
  clientId: string;
  /** The client secret, sealed with associated data `connection:${id}`. */
  secret: Envelope;
  connectedBy: string;
  connectedAt: string;
  /** Last successful connect or rotation: the rotation clock starts here. */
  rotatedAt: string;
  rotatedBy: string;
  rotationDueAt: string;
  /** Where status posts and reminders go. */
  channel?: Address;
  agentName?: string;
  lastVerifiedAt?: string;
  lastReport?: VerificationReport;
  /**
   * After a rotation to a second Halo application: the old client id and its secret (sealed
   * with `retiringSecretAad`), kept only until Halo stops accepting them, so the bot can
   * confirm the old application was deleted.
   */
  retiring?: { clientId: string; secret: Envelope; since: string };
  /** `failing` after a re-verification failed; the alert is sent once per change. */
  health: 'ok' | 'failing';
  /** Optimistic concurrency: bumped on every write. */
  version: number;
}

export interface AuditEvent {
  id: string;
  at: string;
  platform: Platform;
  workspaceId: string;
  actor: string;
  action:
    | 'connect'
    | 'verify'
    | 'reverify'
    | 'rotate'
    | 'disconnect'
    | 'token'
    | 'reminder'
    | 'snooze'
    | 'key-rotate';
  outcome: 'ok' | 'failed' | 'denied';
  /** Short, secret-free: a failing check id, a reminder stage. */
  detail?: string;
}

export interface GuideProgress {
  /** `${platform}:${workspaceId}:${userId}` */
  key: string;
  step: StepId;
  updatedAt: string;
}

/**
 * One reminder of one rotation cycle. `cycle` is the `rotatedAt` that started the cycle,
 * `stage` the reminder's name (`lead:P14D`, `due`, `overdue:3`). The pair is unique: a stage
 * of a cycle is recorded once.
 */
export interface ReminderRecord {
  connectionId: string;
  cycle: string;
  stage: string;
  dueAt: string;
  status: 'pending' | 'claimed' | 'sent' | 'skipped' | 'failed';
  claimedBy?: string;
  leaseUntil?: string;
  sentAt?: string;
  attempts: number;
  /** The platform's id of the posted message, once posted. */
  messageRef?: string;
  lastError?: string;
}

export interface SlackInstallationRecord {
  /** Team id, or enterprise id for an org-wide install. */
  id: string;
  /** The @slack/oauth Installation, with every token replaced by a sealed envelope. */
  installation: Record<string, unknown>;
  tokens: Record<string, Envelope>;
  updatedAt: string;
}

export interface ConversationRefRecord {
  /** `${tenantId}:${conversationId}` */
  id: string;
  tenantId: string;
  conversationId: string;
  reference: Record<string, unknown>;
  disabled: boolean;
  updatedAt: string;
}

/**
 * Everything the core keeps. `src/store` implements it twice (lowdb file, PostgreSQL) and
 * one contract suite runs against both. Implementations store envelopes as they get them:
 * they never see a plain secret.
 */
export interface Store {
  readonly kind: 'file' | 'postgres';
  /** Opens, migrates, takes the lock. Throws HaloConnectError(StoreLocked) if held elsewhere. */
  init(): Promise<void>;
  close(): Promise<void>;
  /** Resolves when the store can serve reads and writes now. */
  ping(): Promise<void>;
  /**
   * Resolves once the writes queued so far and any maintenance they started (the file
   * store's compaction) are done. For tests and benchmarks; nothing waits on it in service.
   */
  idle?(): Promise<void>;

  getConnection(id: string): Promise<ConnectionRecord | undefined>;
  /**
   * Inserts or replaces. With `expectedVersion`, fails with HaloConnectError(Conflict) when
   * the stored version differs (`0` means "must not exist"). Returns the record as stored.
   */
  putConnection(record: ConnectionRecord, expectedVersion?: number): Promise<ConnectionRecord>;
  deleteConnection(id: string): Promise<boolean>;
  listConnections(): Promise<ConnectionRecord[]>;
  /**
   * The connections re-verification must look at, by id: those never verified or last
   * verified at or before `verifiedBefore`, and those still holding a retiring client id. Unlike
   * `listConnections`, its cost follows the number it returns, not the number stored.
   */
  listConnectionsToReverify(verifiedBefore: Date): Promise<ConnectionRecord[]>;
  countConnections(): Promise<number>;

  appendAudit(event: AuditEvent): Promise<void>;
  listAudit(filter: {
    platform?: Platform;
    workspaceId?: string;
    limit?: number;
  }): Promise<AuditEvent[]>;

  getGuideProgress(key: string): Promise<GuideProgress | undefined>;
  setGuideProgress(progress: GuideProgress): Promise<void>;

  /** Inserts the reminder unless that (connectionId, cycle, stage) exists; true if inserted. */
  addReminder(reminder: ReminderRecord): Promise<boolean>;
  /**
   * Atomically claims up to `limit` reminders whose `dueAt <= now` and whose status is
   * `pending`, or `claimed` with an expired lease, in due-time order. Claimed ones get
   * `status: claimed`, `claimedBy: owner`, `leaseUntil`. Cost grows with the number due.
   */
  claimDueReminders(
    now: Date,
    owner: string,
    leaseMs: number,
    limit: number,
  ): Promise<ReminderRecord[]>;
  /** Updates a reminder the owner holds; false if the claim was lost. */
  updateReminder(
    key: Pick<ReminderRecord, 'connectionId' | 'cycle' | 'stage'>,
    owner: string,
    patch: Partial<Omit<ReminderRecord, 'connectionId' | 'cycle' | 'stage'>>,
  ): Promise<boolean>;
  listReminders(connectionId: string): Promise<ReminderRecord[]>;
  deleteReminders(connectionId: string): Promise<void>;

  /**
   * Records an idempotency key for `ttlMs`; true the first time, false while it lives.
   * Used so a platform retry never starts a verification or a post twice.
   */
  claimOnce(key: string, ttlMs: number, now: Date): Promise<boolean>;

  putSlackInstallation(record: SlackInstallationRecord): Promise<void>;
  getSlackInstallation(id: string): Promise<SlackInstallationRecord | undefined>;
  deleteSlackInstallation(id: string): Promise<void>;
  listSlackInstallations(): Promise<SlackInstallationRecord[]>;

  putConversationRef(record: ConversationRefRecord): Promise<void>;
  getConversationRef(id: string): Promise<ConversationRefRecord | undefined>;
  listConversationRefs(tenantId: string): Promise<ConversationRefRecord[]>;
}
