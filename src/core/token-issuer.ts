import { auditEvent } from './audit-event.js';
import type { Clock } from './clock.js';
import { connectionIdOf, type WorkspaceRef } from './platform.js';
import type { CheckResult } from './report.js';
import { openCredentials } from './stored-credentials.js';
import type { AuditEvent, Store } from './store.js';
import type { Vault } from './vault.js';
import type { HaloToken, HaloVerifier } from './verifier-types.js';

export type TokenResult =
  | { kind: 'ok'; token: HaloToken }
  | { kind: 'not_found' }
  | { kind: 'refused'; check: CheckResult };

/** A cached token is handed out until this long before it expires. */
const TOKEN_MARGIN_MS = 60_000;

/**
 * Fresh Halo access tokens for Cloud Depot's services, fetched with the stored credentials
 * and cached until shortly before they expire. The secret never leaves; every call is
 * audited as `cloud-depot`.
 */
export class TokenIssuer {
  readonly #tokens = new Map<string, HaloToken>();

  constructor(
    private readonly store: Store,
    private readonly verifier: HaloVerifier,
    private readonly vault: Vault,
    private readonly clock: Clock,
  ) {}

  async issue(ref: WorkspaceRef): Promise<TokenResult> {
    const id = connectionIdOf(ref);
    const record = await this.store.getConnection(id);
    if (!record) return { kind: 'not_found' };
    const cached = this.#tokens.get(id);
    if (cached && cached.expiresAt.getTime() - TOKEN_MARGIN_MS > this.clock.now().getTime()) {
      await this.#audit(ref, 'ok', 'cached');
      return { kind: 'ok', token: cached };
    }
    const outcome = await this.verifier.fetchToken(openCredentials(record, this.vault));
    if (!outcome.ok) {
      await this.#audit(ref, 'failed', outcome.check.id);
      return { kind: 'refused', check: outcome.check };
    }
    this.#tokens.set(id, outcome.token);
    await this.#audit(ref, 'ok');
    return { kind: 'ok', token: outcome.token };
  }

  /** Drops a cached token: its credentials were replaced or removed. */
  forget(connectionId: string): void {
    this.#tokens.delete(connectionId);
  }

  async #audit(ref: WorkspaceRef, outcome: AuditEvent['outcome'], detail?: string) {
    const entry = { actor: 'cloud-depot', action: 'token' as const, outcome, detail };
    await this.store.appendAudit(auditEvent(ref, this.clock.now(), entry));
  }
}
