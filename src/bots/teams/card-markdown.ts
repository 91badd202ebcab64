import type { MentionEntity, NameLookup } from './mentions.js';

/** Said instead of a mention when the person's name is not known. */
const UNKNOWN_PERSON = 'a team member';

/**
 * Turns the core's tiny markup into what a Teams TextBlock renders, and collects the mention
 * entities the text needs. `**bold**` passes through; `` `code` `` becomes bold (TextBlock has
 * no code span); `<url|label>` becomes `[label](url)`; `<@id>` becomes `<at>Name</at>` with
 * an entity, or plain words when the name is unknown.
 */
export class CardMarkdown {
  readonly #names: NameLookup;
  readonly #mentions = new Map<string, MentionEntity>();

  constructor(names: NameLookup = () => undefined) {
    this.#names = names;
  }

  /** The text in TextBlock markdown, its mentions recorded. */
  convert(text: string): string {
    return text
      .replace(/`([^`\n]+)`/g, '**$1**')
      .replace(/<(https?:\/\/[^|>\s]+)\|([^>]+)>/g, '[$2]($1)')
      .replace(/<@([^>\s]+)>/g, (_match, id: string) => this.#mention(id));
  }

  /** The entities for every mention converted so far, one per person. */
  entities(): MentionEntity[] {
    return [...this.#mentions.values()];
  }

  #mention(userId: string): string {
    const name = this.#names(userId);
    if (!name) return UNKNOWN_PERSON;
    const text = `<at>${name.replace(/[<>]/g, '')}</at>`;
    this.#mentions.set(userId, { type: 'mention', text, mentioned: { id: userId, name } });
    return text;
  }
}
