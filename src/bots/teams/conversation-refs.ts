import type { Activity, ConversationReference } from '@microsoft/agents-activity';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Address, WorkspaceRef } from '../../core/platform.js';
import type { Store } from '../../core/store.js';

/** The tenant of an activity: `channelData.tenant.id`, else `conversation.tenantId`. */
export function tenantOf(activity: Activity): string | undefined {
  const channelData = activity.channelData as { tenant?: { id?: unknown } } | undefined;
  const fromChannelData = channelData?.tenant?.id;
  if (typeof fromChannelData === 'string' && fromChannelData) return fromChannelData;
  return activity.conversation?.tenantId || undefined;
}

/**
 * The reference proactive posts use: where to send (service URL, conversation) and as whom.
 * The incoming activity's id is left out, so a later post is a new message, not a reply to
 * an old one.
 */
export function referenceOf(activity: Activity): ConversationReference {
  const { activityId: _activityId, ...reference } = activity.getConversationReference();
  return reference as ConversationReference;
}

/** The core's address of the conversation an activity came from. */
export function addressOf(activity: Activity, tenantId: string): Address {
  return {
    platform: 'teams',
    workspaceId: tenantId,
    channelId: activity.conversation?.id ?? '',
    reference: referenceOf(activity) as unknown as Record<string, unknown>,
  };
}

/** How many conversations' last written reference is remembered. */
const WRITTEN_CACHE_SIZE = 10_000;

function refId(tenantId: string, conversationId: string): string {
  return `${tenantId}:${conversationId}`;
}

/** A reference to send to, or why there is none (`gone`: the conversation is disabled). */
export type ResolvedReference =
  | { ok: true; reference: ConversationReference }
  | { ok: false; reason: 'gone' | 'failed'; detail: string };

/**
 * The stored conversation references: one per conversation the bot has heard from, kept
 * fresh from every incoming activity, disabled when Teams says the bot was removed.
 */
export class ConversationRefs {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #log: Logger;
  /** What was last written per id, so an unchanged reference is not written again. */
  readonly #written = new Map<string, string>();
  /** References seen in an activity whose store write has not finished yet. */
  readonly #noted = new Map<string, ConversationReference>();

  constructor(store: Store, clock: Clock, logger: Logger) {
    this.#store = store;
    this.#clock = clock;
    this.#log = logger;
  }

  /**
   * Notes the reference of the conversation an activity came from, in memory at once, and
   * returns the store write that keeps it (or re-enables a disabled conversation), for the
   * caller to run after answering; undefined when the stored one is already the same.
   * Until that write is done, {@link resolve} answers from the noted reference.
   */
  remember(activity: Activity, tenantId: string): (() => Promise<void>) | undefined {
    const conversationId = activity.conversation?.id;
    if (!conversationId || !activity.serviceUrl) return undefined;
    const id = refId(tenantId, conversationId);
    const reference = referenceOf(activity) as unknown as Record<string, unknown>;
    const json = JSON.stringify(reference);
    if (this.#written.get(id) === json) return undefined;
    this.#noted.set(id, reference as unknown as ConversationReference);
    return async () => {
      try {
        await this.#store.putConversationRef({
          id,
          tenantId,
          conversationId,
          reference,
          disabled: false,
          updatedAt: this.#clock.now().toISOString(),
        });
        this.#written.delete(id);
        this.#written.set(id, json);
        // Least recently written first: forgetting one costs at most a repeated write.
        if (this.#written.size > WRITTEN_CACHE_SIZE) {
          this.#written.delete(this.#written.keys().next().value!);
        }
      } finally {
        if (this.#noted.get(id) === (reference as unknown)) this.#noted.delete(id);
      }
    };
  }

  /** The reference to send to; a just-noted or stored one wins over the address's copy. */
  async resolve(address: Address): Promise<ResolvedReference> {
    if (address.disabled) return { ok: false, reason: 'gone', detail: 'address_disabled' };
    const id = refId(address.workspaceId, address.channelId);
    const noted = this.#noted.get(id);
    if (noted) return { ok: true, reference: noted };
    const stored = await this.#store.getConversationRef(id);
    if (stored?.disabled) return { ok: false, reason: 'gone', detail: 'conversation_disabled' };
    const reference = (stored?.reference ?? address.reference) as ConversationReference | undefined;
    if (!reference?.serviceUrl || !reference.conversation?.id) {
      return { ok: false, reason: 'failed', detail: 'no_conversation_reference' };
    }
    return { ok: true, reference };
  }

  /** Marks a conversation unusable (the bot was removed); a new activity re-enables it. */
  async disable(address: Address): Promise<void> {
    const id = refId(address.workspaceId, address.channelId);
    this.#noted.delete(id);
    const stored = await this.#store.getConversationRef(id);
    if (!stored || stored.disabled) return;
    await this.#store.putConversationRef({
      ...stored,
      disabled: true,
      updatedAt: this.#clock.now().toISOString(),
    });
    this.#written.delete(id);
    this.#log.info(
      { conversationId: address.channelId, tenantId: address.workspaceId },
      'conversation disabled: the bot can no longer post there',
    );
  }

  /** The personal chat of a user with the bot, if the bot has one (noted or stored). */
  async personalChat(workspace: WorkspaceRef, userId: string): Promise<Address | undefined> {
    const { workspaceId } = workspace;
    const noted = [...this.#noted]
      .filter(([id]) => id.startsWith(`${workspaceId}:`))
      .map(([, reference]) => reference);
    const stored = (await this.#store.listConversationRefs(workspaceId))
      .filter((r) => !r.disabled)
      .map((r) => r.reference as unknown as ConversationReference);
    const chat = [...noted, ...stored].find(
      (ref) =>
        ref.conversation?.conversationType === 'personal' &&
        (ref.user?.aadObjectId === userId || ref.user?.id === userId),
    );
    if (!chat) return undefined;
    return {
      platform: 'teams',
      workspaceId,
      channelId: chat.conversation.id,
      reference: chat as unknown as Record<string, unknown>,
    };
  }
}
