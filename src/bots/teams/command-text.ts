/** The commands the bot understands, on both platforms. */
export const COMMANDS = ['connect', 'status', 'verify', 'rotate', 'disconnect', 'help'] as const;

/** One of `COMMANDS`. */
export type Command = (typeof COMMANDS)[number];

function isCommand(word: string): word is Command {
  return (COMMANDS as readonly string[]).includes(word);
}

/**
 * Reads a command from a message's text: mentions (`<at>…</at>`) removed, a leading `halo`
 * or `/halo` accepted, case ignored. Empty text is `help`; anything else unknown is
 * `undefined`.
 */
export function parseCommand(text: string | undefined): Command | undefined {
  const words = (text ?? '')
    .replace(/<at>[^<]*<\/at>/gi, ' ')
    .replace(/&nbsp;/gi, ' ')
    .trim()
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => w.replace(/^\//, ''));
  if (words[0] === 'halo') words.shift();
  const first = words[0];
  if (!first) return 'help';
  return isCommand(first) ? first : undefined;
}
