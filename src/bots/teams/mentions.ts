/** A Teams mention entity, as carried in a card's `msteams.entities`. */
export interface MentionEntity {
  type: 'mention';
  text: string;
  mentioned: { id: string; name: string };
}

/** Looks up the display name of a user id seen earlier; undefined when unknown. */
export type NameLookup = (userId: string) => string | undefined;

const MAX_NAMES = 2_000;

/**
 * Display names of the people the bot has heard from, by the id the core uses (the Azure AD
 * object id). The core writes `<@id>`; a card can only mention someone by name, so the adapter
 * remembers names from incoming activities.
 *
 * Note: in memory and bounded; after a restart, a mention of someone not seen since renders
 * as plain words instead of a mention.
 */
export class MemberNames {
  readonly #names = new Map<string, string>();

  /** Keeps the latest name of a user id; the oldest entry goes once the map is full. */
  remember(userId: string | undefined, name: string | undefined): void {
    if (!userId || !name?.trim()) return;
    this.#names.delete(userId);
    this.#names.set(userId, name.trim().slice(0, 100));
    if (this.#names.size > MAX_NAMES) {
      const oldest = this.#names.keys().next().value;
      if (oldest !== undefined) this.#names.delete(oldest);
    }
  }

  /** The name of a user id, if seen. Bound, so it can be passed around. */
  readonly lookup: NameLookup = (userId) => this.#names.get(userId);
}
