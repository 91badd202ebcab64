import type { Actor } from './platform.js';

export type ManageDecision = { allowed: true } | { allowed: false; reason: 'guest' | 'not_admin' };

/**
 * Who may connect, rotate and disconnect. Guests never. Anyone listed in ADMIN_USER_IDS.
 * Otherwise on Slack the workspace admins and owners; on Teams, when ADMIN_USER_IDS is
 * empty, any member of the conversation who is not a guest.
 */
export function canManage(actor: Actor, adminUserIds: readonly string[]): ManageDecision {
  if (actor.isGuest) return { allowed: false, reason: 'guest' };
  if (adminUserIds.includes(actor.userId)) return { allowed: true };
  if (actor.platform === 'slack') {
    return actor.isWorkspaceAdmin ? { allowed: true } : { allowed: false, reason: 'not_admin' };
  }
  return adminUserIds.length === 0 ? { allowed: true } : { allowed: false, reason: 'not_admin' };
}
