import type { BlockAction, RespondFn, webApi } from '@slack/bolt';
import type { Message } from '../../../core/message.js';
import { decodeModalMetadata, type ModalMetadata } from '../modal-metadata.js';
import {
  ephemeral,
  infoModal,
  openModal,
  updateModal,
  type HandlerDeps,
  type Origin,
} from './context.js';

/** Where a button was clicked: a message (ephemeral or not), a modal, or the App Home tab. */
export type Surface =
  | { kind: 'message'; respond: RespondFn; ephemeral: boolean }
  | { kind: 'modal'; viewId: string; meta: ModalMetadata }
  | { kind: 'home' };

/** One button click, reduced to what the handlers need. */
export interface Click {
  actionId: string;
  value: string | undefined;
  triggerId: string | undefined;
  surface: Surface;
  origin: Origin;
}

export function surfaceOf(body: BlockAction, respond: RespondFn | undefined): Surface {
  const view = body.view;
  if (view && (body.container?.type === 'view' || !respond)) {
    return view.type === 'home'
      ? { kind: 'home' }
      : { kind: 'modal', viewId: view.id, meta: decodeModalMetadata(view.private_metadata) };
  }
  if (!respond) return { kind: 'home' };
  return { kind: 'message', respond, ephemeral: body.container?.is_ephemeral === true };
}

export function originOfAction(body: BlockAction, surface: Surface): Origin {
  const enterpriseId = body.enterprise?.id ?? body.team?.enterprise_id;
  return {
    teamId: body.team?.id ?? body.user.team_id ?? body.view?.app_installed_team_id ?? '',
    ...(enterpriseId ? { enterpriseId } : {}),
    userId: body.user.id,
    channelId: surface.kind === 'modal' ? surface.meta.channelId : body.channel?.id,
  };
}

/** The metadata a modal opened from this click carries on. */
export function metaOf(click: Click): ModalMetadata {
  return click.surface.kind === 'modal'
    ? click.surface.meta
    : { channelId: click.origin.channelId, mode: 'connect' };
}

/**
 * Shows `message` where the click happened: in place of an ephemeral message (a channel
 * message, such as a reminder, stays and gets a private reply below it), in the open modal,
 * or (from App Home, which cannot show replies) in a new modal.
 */
export async function showOnSurface(
  deps: HandlerDeps,
  client: webApi.WebClient,
  click: Click,
  message: Message,
): Promise<void> {
  const { surface } = click;
  if (surface.kind === 'message') {
    await surface.respond(ephemeral(message, surface.ephemeral));
  } else if (surface.kind === 'modal') {
    await updateModal(deps, client, surface.viewId, infoModal(message, surface.meta));
  } else {
    await openModal(deps, client, click.triggerId, infoModal(message, metaOf(click)));
  }
}

/** Opens or reuses a modal for this click and returns its view id. */
export async function modalFor(
  deps: HandlerDeps,
  client: webApi.WebClient,
  click: Click,
  view: Parameters<typeof openModal>[3],
): Promise<string | undefined> {
  if (click.surface.kind === 'modal') {
    return (await updateModal(deps, client, click.surface.viewId, view))
      ? click.surface.viewId
      : undefined;
  }
  return openModal(deps, client, click.triggerId, view);
}
