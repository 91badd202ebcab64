import * as AC from 'adaptivecards';

/**
 * Parses a card with the `adaptivecards` library at version 1.5 and answers every parse
 * warning and validation failure, plus a version check of our own: the library is lenient
 * about the declared version.
 */
export function cardProblems(json: unknown): string[] {
  const problems: string[] = [];
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext(AC.Versions.v1_5);
  card.parse(json as Record<string, unknown>, context);
  for (let i = 0; i < context.eventCount; i++) problems.push(context.getEventAt(i).message);
  for (const event of card.validateProperties().validationEvents) problems.push(event.message);
  const version = (json as { version?: unknown }).version;
  if (typeof version !== 'string' || !/^1\.[0-5]$/.test(version)) {
    problems.push(`version ${String(version)} is not 1.0 to 1.5`);
  }
  if ((json as { type?: unknown }).type !== 'AdaptiveCard') problems.push('not an AdaptiveCard');
  return problems;
}

/** Every Adaptive Card inside any JSON value: activity attachments, dialog answers. */
export function cardsIn(value: unknown): unknown[] {
  const found: unknown[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (o.contentType === 'application/vnd.microsoft.card.adaptive') {
      found.push(o.content);
      return;
    }
    Object.values(o).forEach(visit);
  };
  visit(value);
  return found;
}
