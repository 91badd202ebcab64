/**
 * Converts the core's tiny markup to Slack mrkdwn: `**bold**` becomes `*bold*`, `` `code` ``,
 * `<url|label>` links and `<@U…>` / `<#C…>` references pass through, and every other `&`, `<`
 * and `>` is escaped so text from Halo can never turn into a link or a broadcast.
 */
export function toMrkdwn(text: string): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(REFERENCE)) {
    out += convertPlain(text.slice(last, match.index));
    out += match[0];
    last = match.index + match[0].length;
  }
  return out + convertPlain(text.slice(last));
}

/** Cuts `text` to at most `max` characters, marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** Text Slack may render as a link or mention; `<!here>`-style broadcasts are not kept. */
const REFERENCE =
  /<(?:@[UW][A-Z0-9]+|#[CG][A-Z0-9]+(?:\|[^<>]*)?|(?:https?|mailto):[^\s|<>]+(?:\|[^<>]*)?)>/g;

function convertPlain(text: string): string {
  // Bold markers inside a code span stay literal, so split on code spans first.
  return text
    .split(/(`[^`]*`)/)
    .map((part) => {
      const escaped = escape(part);
      return part.startsWith('`') ? escaped : escaped.replace(/\*\*(.+?)\*\*/g, '*$1*');
    })
    .join('');
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
