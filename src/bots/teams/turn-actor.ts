import type { ConnectorClient, TurnContext } from '@microsoft/agents-hosting';
import type { Logger } from '../../core/logger.js';
import type { Actor } from '../../core/platform.js';

import type { Clock } from '../../core/clock.js';

/** Roles Teams gives people from outside the tenant. */
const GUEST_ROLES = new Set(['guest', 'anonymous']);
/** How long a member's role is trusted without asking Teams again. */
const ROLE_TTL_MS = 5 * 60_000;
/** How many people's roles are remembered at most. */
const MAX_ROLES = 10_000;

/**
 * Member roles looked up recently, so a person clicking through the guide costs one
 * connector call, not one per click. Only answers Teams gave are kept; a failed lookup is
 * asked again next time.
 */
export class MemberRoles {
  readonly #roles = new Map<string, { guest: boolean; until: number }>();

  constructor(private readonly clock: Clock) {}

  get(key: string): boolean | undefined {
    const hit = this.#roles.get(key);
    if (!hit) return undefined;
    if (hit.until > this.clock.now().getTime()) return hit.guest;
    this.#roles.delete(key);
    return undefined;
  }

  set(key: string, guest: boolean): void {
    const now = this.clock.now().getTime();
    this.#roles.delete(key);
    this.#roles.set(key, { guest, until: now + ROLE_TTL_MS });
    // Oldest first: past the cap, the one looked up longest ago goes (at most one lookup
    // more for that person; a sweep of every entry on each set would cost every turn).
    if (this.#roles.size > MAX_ROLES) this.#roles.delete(this.#roles.keys().next().value!);
  }
}

/** The id the core knows a person by: the Azure AD object id, else the Teams id. */
export function userIdOf(context: TurnContext): string {
  const from = context.activity.from;
  return from?.aadObjectId || from?.id || '';
}

/**
 * The facts about the person acting, for the core to decide with. Teams tells the role
 * (`userRole: 'guest'`) only on the conversation member, so the member is fetched from the
 * connector. Note: when that lookup fails the person is treated as a guest (fail closed),
 * and a warning is logged.
 */
export async function actorOf(
  context: TurnContext,
  tenantId: string,
  logger: Logger,
  roles: MemberRoles,
): Promise<Actor> {
  const activity = context.activity;
  const from = activity.from;
  const base = {
    platform: 'teams' as const,
    workspaceId: tenantId,
    userId: userIdOf(context),
    displayName: from?.name,
    isWorkspaceAdmin: false,
  };
  if (from?.role && GUEST_ROLES.has(from.role.toLowerCase())) return { ...base, isGuest: true };
  return { ...base, isGuest: await isGuestMember(context, logger, roles) };
}

async function isGuestMember(
  context: TurnContext,
  logger: Logger,
  roles: MemberRoles,
): Promise<boolean> {
  const { from, conversation } = context.activity;
  if (!from?.id || !conversation?.id) return true;
  const key = `${conversation.id}\n${from.id}`;
  const known = roles.get(key);
  if (known !== undefined) return known;
  try {
    const client = context.turnState.get<ConnectorClient>(context.adapter.ConnectorClientKey);
    const member = (await client.getConversationMember(from.id, conversation.id)) as {
      userRole?: unknown;
    };
    const guest =
      typeof member?.userRole === 'string' && GUEST_ROLES.has(member.userRole.toLowerCase());
    roles.set(key, guest);
    return guest;
  } catch (err) {
    const status = (err as { status?: unknown }).status;
    logger.warn(
      {
        userId: userIdOf(context),
        conversationId: conversation.id,
        status: typeof status === 'number' ? status : undefined,
      },
      'could not look up the member role in Teams; treating the person as a guest',
    );
    return true;
  }
}
