import type { HaloResponse } from '../net/halo-request.js';

const MAX_LENGTH = 120;

/**
 * One sentence out of a Halo error answer, never the body itself. Understands the JSON
 * shapes Halo uses (`{error, error_description}`, `{resultCode, errorMessage}`,
 * `{ClassName, Message}`, `{Message}`) and HTML pages (the `<title>` or first heading).
 * At most about 120 characters; every `redact` value is replaced by `[redacted]`.
 * Undefined when nothing readable was found.
 */
export function summarizeHaloBody(
  response: Pick<HaloResponse, 'text' | 'json'>,
  redact: readonly string[] = [],
): string | undefined {
  const raw = fromJson(response.json) ?? fromHtml(response.text);
  if (!raw) return undefined;
  let text = raw.replace(/\s+/g, ' ').trim();
  for (const value of redact) if (value) text = text.split(value).join('[redacted]');
  return text.length > MAX_LENGTH ? `${text.slice(0, MAX_LENGTH - 1).trimEnd()}…` : text;
}

function fromJson(json: unknown): string | undefined {
  if (typeof json === 'string') return json;
  if (!json || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const body = json as Record<string, unknown>;
  const text = (key: string) => (typeof body[key] === 'string' ? body[key] : undefined);
  const error = text('error');
  const description = text('error_description');
  if (error) return description ? `${error}: ${description}` : error;
  return text('errorMessage') ?? text('Message') ?? text('message');
}

function fromHtml(text: string): string | undefined {
  if (!/^\s*</.test(text)) return undefined;
  const match =
    /<title[^>]*>([\s\S]*?)<\/title>/i.exec(text) ??
    /<h[1-3][^>]*>([\s\S]*?)<\/h[1-3]>/i.exec(text);
  const inner = match?.[1]?.replace(/<[^>]*>/g, ' ');
  return inner ? decodeEntities(inner).trim() || undefined : undefined;
}

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

function decodeEntities(text: string): string {
  return text.replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] !== '#') return ENTITIES[name.toLowerCase()] ?? whole;
    const code =
      name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1));
    return Number.isFinite(code) && code > 0 && code < 0x110000
      ? String.fromCodePoint(code)
      : whole;
  });
}
