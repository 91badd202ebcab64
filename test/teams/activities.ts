import { randomUUID } from 'node:crypto';
import type { Activity, ChannelAccount, ConversationAccount } from '@microsoft/agents-activity';
import type { Member } from './fake-connector.js';

/** An activity as JSON on the wire: the SDK type's data fields, none of its methods. */
export type ActivityJson = {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  [K in keyof Activity as Activity[K] extends Function ? never : K]?: Activity[K];
} & { channelId?: string };

export const TENANT_ID = '11111111-2222-3333-4444-555555555555';
export const BOT: ChannelAccount = { id: '28:bot-app-id', name: 'Halo Connect' };

/** People, by case. */
export const USERS = {
  admin: person('admin', 'Ada Admin', 'aaaaaaaa-0000-4000-8000-000000000001'),
  member: person('member', 'Max Member', 'aaaaaaaa-0000-4000-8000-000000000002'),
  guest: person('guest', 'Gus Guest', 'aaaaaaaa-0000-4000-8000-000000000003', 'guest'),
} as const;

export type UserCase = keyof typeof USERS;

function person(
  key: string,
  name: string,
  aadObjectId: string,
  userRole: Member['userRole'] = 'user',
): Member {
  return { id: `29:${key}-teams-id`, name, aadObjectId, userRole };
}

/** Conversations, by case. */
export const CONVERSATIONS = {
  personal: { id: 'a:personal-chat-1', conversationType: 'personal', tenantId: TENANT_ID },
  channel: {
    id: '19:general@thread.tacv2;messageid=1700000000000',
    conversationType: 'channel',
    isGroup: true,
    tenantId: TENANT_ID,
  },
  groupChat: {
    id: '19:group-chat@thread.v2',
    conversationType: 'groupChat',
    isGroup: true,
    tenantId: TENANT_ID,
  },
} satisfies Record<string, ConversationAccount>;

export type ConversationCase = keyof typeof CONVERSATIONS;

export interface ActivityOptions {
  serviceUrl: string;
  user?: UserCase;
  conversation?: ConversationCase;
  id?: string;
  replyToId?: string;
}

function base(type: string, options: ActivityOptions): ActivityJson {
  const user = USERS[options.user ?? 'admin'];
  const conversation = CONVERSATIONS[options.conversation ?? 'personal'];
  return {
    type,
    id: options.id ?? `incoming-${randomUUID()}`,
    channelId: 'msteams',
    serviceUrl: options.serviceUrl,
    from: { id: user.id, name: user.name, aadObjectId: user.aadObjectId },
    recipient: BOT,
    conversation,
    channelData: { tenant: { id: TENANT_ID } },
    locale: 'en-GB',
    ...(options.replyToId ? { replyToId: options.replyToId } : {}),
  };
}

/** A typed message; in a channel or group chat it @mentions the bot first. */
export function messageActivity(text: string, options: ActivityOptions): ActivityJson {
  const activity = base('message', options);
  const inGroup = (options.conversation ?? 'personal') !== 'personal';
  if (!inGroup) return { ...activity, text };
  const mention = `<at>${BOT.name}</at>`;
  return {
    ...activity,
    text: `${mention} ${text}`,
    entities: [{ type: 'mention', text: mention, mentioned: BOT }],
  };
}

/** A click on an `Action.Submit` button of a card the bot posted (`replyToId` = the card). */
export function cardClick(
  data: { action: string; value?: string },
  options: ActivityOptions,
): ActivityJson {
  return { ...base('message', options), value: data };
}

/** The `task/fetch` invoke a dialog button sends. */
export function taskFetch(data: Record<string, unknown>, options: ActivityOptions): ActivityJson {
  return {
    ...base('invoke', options),
    name: 'task/fetch',
    value: { data, context: { theme: 'default' } },
  };
}

/** The `task/submit` invoke of the dialog's submit button: inputs plus the button's data. */
export function taskSubmit(data: Record<string, unknown>, options: ActivityOptions): ActivityJson {
  return {
    ...base('invoke', options),
    name: 'task/submit',
    value: { data, context: { theme: 'default' } },
  };
}

/** The app was added to or removed from a conversation. */
export function installationUpdate(
  action: 'add' | 'remove',
  options: ActivityOptions,
): ActivityJson {
  return { ...base('installationUpdate', options), action };
}
