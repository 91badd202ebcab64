import type { Activity, ConversationReference } from '@microsoft/agents-activity';
import type { TurnContext } from '@microsoft/agents-hosting';
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

const TURN_REFERENCE = Symbol('halo-connect conversation reference');

/** The reference of a turn's activity ({@link referenceOf}), built once per turn. */
export function turnReference(context: TurnContext): ConversationReference {
  let reference = context.turnState.get<ConversationReference | undefined>(TURN_REFERENCE);
  if (!reference) {
    reference = referenceOf(context.activity);
    context.turnState.set(TURN_REFERENCE, reference);
  }
  return reference;
}

/** The core's address of the conversation a turn's activity came from. */
export function addressOf(context: TurnContext, tenantId: string): Address {
  return {
    platform: 'teams',
    workspaceId: tenantId,
    channelId: context.activity.conversation?.id ?? '',
    reference: turnReference(context) as unknown as Record<string, unknown>,
  };
}

/**
 * Whether two references would be stored as the same JSON: the same values under the same
 * keys, in any order, a key whose value is undefined counting as absent. Compared in place,
 * without serialising either, since every incoming activity is compared.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => sameJson(item, b[i]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  let keys = 0;
  for (const key in left) {
    if (!Object.hasOwn(left, key) || left[key] === undefined) continue;
    if (!sameJson(left[key], right[key])) return false;
    keys++;
  }
  for (const key in right) if (Object.hasOwn(right, key) && right[key] !== undefined) keys--;
  return keys === 0;
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
  readonly #written = new Map<string, ConversationReference>();
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
  remember(context: TurnContext, tenantId: string): (() => Promise<void>) | undefined {
    const { activity } = context;
    const conversationId = activity.conversation?.id;
    if (!conversationId || !activity.serviceUrl) return undefined;
    const id = refId(tenantId, conversationId);
    const reference = turnReference(context);
    const written = this.#written.get(id);
    if (written && sameJson(written, reference)) return undefined;
    this.#noted.set(id, reference);
    return async () => {
      try {
        await this.#store.putConversationRef({
          id,
          tenantId,
          conversationId,
          reference: reference as unknown as Record<string, unknown>,
          disabled: false,
          updatedAt: this.#clock.now().toISOString(),
        });
        this.#written.delete(id);
        this.#written.set(id, reference);
        // Least recently written first: forgetting one costs at most a repeated write.
        if (this.#written.size > WRITTEN_CACHE_SIZE) {
          this.#written.delete(this.#written.keys().next().value!);
        }
      } finally {
        if (this.#noted.get(id) === reference) this.#noted.delete(id);
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
