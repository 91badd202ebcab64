export type Platform = 'slack' | 'teams';

/** One Slack workspace (team id) or one Teams tenant. A connection belongs to one. */
export interface WorkspaceRef {
  platform: Platform;
  workspaceId: string;
}

/** The person acting, with the facts the adapter could establish about them. */
export interface Actor extends WorkspaceRef {
  userId: string;
  displayName?: string;
  /** Slack: workspace admin or owner (`users.info`). Teams: not known, false. */
  isWorkspaceAdmin: boolean;
  /** Slack: restricted or ultra-restricted account. Teams: guest user role. */
  isGuest: boolean;
}

/**
 * Where a message can be sent later, by the scheduler as much as by a handler. For Teams,
 * `reference` holds the stored conversation reference (never any token).
 */
export interface Address extends WorkspaceRef {
  channelId: string;
  reference?: Record<string, unknown>;
  disabled?: boolean;
}

export function connectionIdOf(ref: WorkspaceRef): string {
  return `${ref.platform}:${ref.workspaceId}`;
}
