import type { ConnectorClient, TurnContext } from '@microsoft/agents-hosting';
import type { Logger } from '../../core/logger.js';
import type { Actor } from '../../core/platform.js';

/** Roles Teams gives people from outside the tenant. */
const GUEST_ROLES = new Set(['guest', 'anonymous']);

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
  return { ...base, isGuest: await isGuestMember(context, logger) };
}

async function isGuestMember(context: TurnContext, logger: Logger): Promise<boolean> {
  const { from, conversation } = context.activity;
  if (!from?.id || !conversation?.id) return true;
  try {
    const client = context.turnState.get<ConnectorClient>(context.adapter.ConnectorClientKey);
    const member = (await client.getConversationMember(from.id, conversation.id)) as {
      userRole?: unknown;
    };
    return typeof member?.userRole === 'string' && GUEST_ROLES.has(member.userRole.toLowerCase());
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
