import type { RespondArguments, RespondFn, types, webApi } from '@slack/bolt';
import type { Clock } from '../../../core/clock.js';
import type { ConnectionService, UndeliveredHook } from '../../../core/connection-service.js';
import type { Logger } from '../../../core/logger.js';
import type { Message } from '../../../core/message.js';
import { notInChannelMessage } from '../../../core/messages.js';
import type { Actor, Address } from '../../../core/platform.js';
import type { Store } from '../../../core/store.js';
import type { SlackActors } from '../actors.js';
import type { BackgroundTasks } from '../background-tasks.js';
import { encodeModalMetadata, type ModalMetadata } from '../modal-metadata.js';
import type { SlackNotifier } from '../notifier.js';
import { renderMessage, renderModal } from '../render.js';
import { classifySlackError } from '../slack-error.js';
import type { ViewUpdater } from '../view-updater.js';

/** Everything the listeners share. */
export interface HandlerDeps {
  service: ConnectionService;
  store: Store;
  actors: SlackActors;
  notifier: SlackNotifier;
  tasks: BackgroundTasks;
  log: Logger;
  clock: Clock;
  /** Open verification modals by view id, so a redelivered submission sees the newest view. */
  updaters: Map<string, ViewUpdater>;
}

/** Who clicked or typed, and where. */
export interface Origin {
  teamId: string;
  enterpriseId?: string;
  userId: string;
  channelId?: string;
}

/** The `callback_id` of every modal that only shows a message. */
export const INFO_CALLBACK_ID = 'halo.info';

const CLAIM_TTL_MS = 15 * 60_000;

/** Where the core posts for a Slack channel; the enterprise id finds an org-wide install. */
export function slackAddress(origin: Origin, channelId: string): Address {
  return {
    platform: 'slack',
    workspaceId: origin.teamId,
    channelId,
    ...(origin.enterpriseId ? { reference: { enterpriseId: origin.enterpriseId } } : {}),
  };
}

/** The channel the request came from, as an address, if it came from one. */
export function originAddress(origin: Origin): Address | undefined {
  return origin.channelId ? slackAddress(origin, origin.channelId) : undefined;
}

export function resolveActor(
  deps: HandlerDeps,
  client: webApi.WebClient,
  origin: Origin,
): Promise<Actor> {
  return deps.actors.resolve(client, origin.teamId, origin.userId);
}

/**
 * True the first time `key` is seen within 15 minutes: a redelivered request (same trigger
 * id) finds it taken and does nothing a second time.
 */
export function claimRequest(deps: HandlerDeps, key: string): Promise<boolean> {
  return deps.store.claimOnce(`slack:${key}`, CLAIM_TTL_MS, deps.clock.now());
}

/** A reply only the person sees, via `response_url`. */
export function ephemeral(message: Message, replaceOriginal = false): RespondArguments {
  return {
    response_type: 'ephemeral',
    replace_original: replaceOriginal,
    ...renderMessage(message),
  };
}

/** A modal that shows a message and carries the flow's context. */
export function infoModal(message: Message, meta: ModalMetadata): types.ModalView {
  return renderModal(message, {
    callbackId: INFO_CALLBACK_ID,
    privateMetadata: encodeModalMetadata(meta),
  });
}

/**
 * A hook for the core (UndeliveredHook): when a status post of this flow finds the bot
 * missing from the channel, `tell` runs, once per flow, and never throws.
 */
function onceNotInChannel(tell: () => Promise<unknown>): UndeliveredHook {
  let told = false;
  return async (_address, result) => {
    if (told || result.reason !== 'not_in_channel') return;
    told = true;
    await tell().catch(() => undefined);
  };
}

/** Tells the person through `response_url` when the bot is not in the channel. */
export function tellByRespond(respond: RespondFn): UndeliveredHook {
  return onceNotInChannel(async () => {
    await respond(ephemeral(notInChannelMessage()));
  });
}

/** Tells the person in a direct message (a modal has no `response_url`). */
export function tellByDirect(deps: HandlerDeps, origin: Origin): UndeliveredHook {
  return onceNotInChannel(async () => {
    await deps.notifier.direct(
      { platform: 'slack', workspaceId: origin.teamId },
      origin.userId,
      notInChannelMessage(),
    );
  });
}

/**
 * Gives the person a result their modal could not show (they closed it): ephemeral in the
 * channel the flow started in, else a direct message.
 */
export async function deliverPrivately(deps: HandlerDeps, origin: Origin, message: Message) {
  if (origin.channelId) {
    const sent = await deps.notifier.ephemeral(
      slackAddress(origin, origin.channelId),
      origin.userId,
      message,
    );
    if (sent.ok) return;
  }
  await deps.notifier.direct(
    { platform: 'slack', workspaceId: origin.teamId },
    origin.userId,
    message,
  );
}

/**
 * Opens a modal with a trigger id; the view id, or undefined when Slack refused (an expired
 * or already used trigger, as on a redelivered request).
 */
export async function openModal(
  deps: HandlerDeps,
  client: webApi.WebClient,
  triggerId: string | undefined,
  view: types.ModalView,
): Promise<string | undefined> {
  if (!triggerId) return undefined;
  try {
    const opened = await client.views.open({ trigger_id: triggerId, view });
    return opened.view?.id;
  } catch (err) {
    deps.log.info({ slack: classifySlackError(err).detail }, 'could not open the modal');
    return undefined;
  }
}

/** Replaces the content of an open modal; false when Slack refused. */
export async function updateModal(
  deps: HandlerDeps,
  client: webApi.WebClient,
  viewId: string,
  view: types.ModalView,
): Promise<boolean> {
  try {
    await client.views.update({ view_id: viewId, view });
    return true;
  } catch (err) {
    deps.log.info({ viewId, slack: classifySlackError(err).detail }, 'could not update the modal');
    return false;
  }
}
