import { z } from 'zod';

/**
 * What an incoming, signature-checked Slack request is, after parsing. Only `dispatch` bodies
 * reach Bolt; each was checked to have the fields Bolt reads while routing, because Bolt
 * 5.1.0 throws outside any handler (and can take the process down) on a body that is not an
 * object or lacks them.
 */
export type ParsedRequest =
  | { kind: 'dispatch'; body: Record<string, unknown> }
  | { kind: 'url_verification'; challenge: string }
  | { kind: 'ssl_check' }
  | { kind: 'ignored'; what: string }
  | { kind: 'invalid'; reason: string };

const id = z.string().min(1).max(255);
const ref = z.looseObject({ id });
const nullableRef = z
  .looseObject({ id, enterprise_id: z.string().optional() })
  .nullable()
  .optional();

const command = z.looseObject({
  command: z.string().max(64),
  team_id: id,
  user_id: id,
  channel_id: id.optional(),
  trigger_id: z.string().optional(),
  response_url: z.string().optional(),
  text: z.string().max(4000).optional(),
  enterprise_id: z.string().optional(),
  is_enterprise_install: z.string().optional(),
});

const interactionBase = {
  user: z.looseObject({ id, team_id: z.string().optional() }),
  team: nullableRef,
  enterprise: ref.nullable().optional(),
  is_enterprise_install: z.boolean().optional(),
};

const viewOutput = z.looseObject({
  id,
  type: z.string().optional(),
  hash: z.string().optional(),
  callback_id: z.string().optional(),
  private_metadata: z.string().optional(),
  app_installed_team_id: z.string().optional(),
  state: z
    .looseObject({ values: z.record(z.string(), z.record(z.string(), z.looseObject({}))) })
    .optional(),
});

const blockActions = z.looseObject({
  type: z.literal('block_actions'),
  ...interactionBase,
  actions: z
    .array(z.looseObject({ action_id: z.string(), block_id: z.string().optional() }))
    .min(1),
  container: z.looseObject({}).optional(),
  channel: ref.optional(),
  view: viewOutput.optional(),
  trigger_id: z.string().optional(),
  response_url: z.string().optional(),
});

const viewAction = z.looseObject({
  type: z.enum(['view_submission', 'view_closed']),
  ...interactionBase,
  // Bolt matches view listeners on the callback id, with `.match` on whatever is there.
  view: viewOutput.extend({ callback_id: z.string() }),
});

const homeOpened = z.looseObject({
  type: z.literal('event_callback'),
  team_id: id.optional(),
  authorizations: z.array(z.looseObject({})).optional(),
  event: z.looseObject({
    type: z.literal('app_home_opened'),
    user: id,
    channel: z.string().optional(),
    tab: z.string().optional(),
    // Bolt reaches into these when present; they must be objects if they are there at all.
    item: z.looseObject({}).optional(),
    subteam: z.looseObject({}).optional(),
  }),
});

/** Event types this app subscribes to; any other event is acknowledged and ignored. */
const HANDLED_EVENTS = new Set(['app_home_opened']);

/** Parses a raw body by its content type and checks it has the shape of something we handle. */
export function parseSlackRequest(raw: string, contentType: string | undefined): ParsedRequest {
  const decoded = decode(raw, contentType);
  if (!decoded.ok) return { kind: 'invalid', reason: decoded.reason };
  const body = decoded.value;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { kind: 'invalid', reason: 'body is not an object' };
  }
  return classify(body as Record<string, unknown>);
}

function classify(body: Record<string, unknown>): ParsedRequest {
  if (body.ssl_check !== undefined) return { kind: 'ssl_check' };
  if (body.type === 'url_verification') {
    return typeof body.challenge === 'string'
      ? { kind: 'url_verification', challenge: body.challenge.slice(0, 500) }
      : { kind: 'invalid', reason: 'url_verification without challenge' };
  }
  // The order follows how Bolt tells request kinds apart, so what we check is what it routes.
  if (body.event !== undefined) return classifyEvent(body);
  if (body.command !== undefined) return check(command, body, 'slash command');
  if (body.name !== undefined || body.type === 'block_suggestion') {
    return { kind: 'ignored', what: 'options request' };
  }
  if (
    body.actions !== undefined ||
    body.type === 'block_actions' ||
    body.type === 'dialog_submission'
  ) {
    return body.type === 'block_actions'
      ? check(blockActions, body, 'block actions')
      : { kind: 'ignored', what: String(body.type) };
  }
  if (body.type === 'view_submission' || body.type === 'view_closed') {
    return check(viewAction, body, String(body.type));
  }
  return {
    kind: 'ignored',
    what: typeof body.type === 'string' ? body.type.slice(0, 40) : 'unknown',
  };
}

function classifyEvent(body: Record<string, unknown>): ParsedRequest {
  const event = body.event as { type?: unknown } | null;
  if (typeof event !== 'object' || event === null || typeof event.type !== 'string') {
    return { kind: 'invalid', reason: 'event without type' };
  }
  if (!HANDLED_EVENTS.has(event.type)) return { kind: 'ignored', what: event.type.slice(0, 40) };
  return check(homeOpened, body, event.type);
}

function check(schema: z.ZodType, body: Record<string, unknown>, what: string): ParsedRequest {
  return schema.safeParse(body).success
    ? { kind: 'dispatch', body }
    : { kind: 'invalid', reason: `malformed ${what}` };
}

function decode(raw: string, contentType: string | undefined) {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  try {
    if (type === 'application/json')
      return { ok: true as const, value: JSON.parse(raw) as unknown };
    if (type === 'application/x-www-form-urlencoded') {
      const form = new URLSearchParams(raw);
      const payload = form.get('payload');
      return payload !== null
        ? { ok: true as const, value: JSON.parse(payload) as unknown }
        : { ok: true as const, value: Object.fromEntries(form) };
    }
    return { ok: false as const, reason: 'unsupported content type' };
  } catch {
    return { ok: false as const, reason: 'body is not valid JSON' };
  }
}
