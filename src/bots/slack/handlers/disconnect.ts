import type { webApi } from '@slack/bolt';
import { disconnectConfirmMessage } from '../../../core/messages.js';
import {
  claimRequest,
  ephemeral,
  infoModal,
  originAddress,
  resolveActor,
  tellByDirect,
  tellByRespond,
  updateModal,
  type HandlerDeps,
} from './context.js';
import { metaOf, modalFor, showOnSurface, type Click } from './surface.js';

/** The Disconnect button of a status view: asks for confirmation first. */
export async function askDisconnect(deps: HandlerDeps, client: webApi.WebClient, click: Click) {
  if (click.surface.kind === 'message') {
    const actor = await resolveActor(deps, client, click.origin);
    await click.surface.respond(ephemeral(deps.service.askDisconnect(actor)));
    return;
  }
  // From a modal or App Home the question opens at once; a refusal replaces it after.
  const meta = metaOf(click);
  const viewId = await modalFor(deps, client, click, infoModal(disconnectConfirmMessage(), meta));
  if (!viewId) return;
  const actor = await resolveActor(deps, client, click.origin);
  const denied = deps.service.checkManage(actor);
  if (denied) await updateModal(deps, client, viewId, infoModal(denied, meta));
}

/** Confirmed: the core removes the secret and posts to the channel; once per click. */
export async function confirmDisconnect(deps: HandlerDeps, client: webApi.WebClient, click: Click) {
  if (!(await claimRequest(deps, `action:${click.triggerId}`))) return;
  const actor = await resolveActor(deps, client, click.origin);
  const channel = originAddress(click.origin) ?? (await deps.service.getConnection(actor))?.channel;
  const tell =
    click.surface.kind === 'message'
      ? tellByRespond(click.surface.respond)
      : tellByDirect(deps, click.origin);
  const result = await deps.service.disconnect(actor, channel, tell);
  await showOnSurface(deps, client, click, result);
}

/** Cancelled: the question goes away (a modal shows the status instead). */
export async function cancelDisconnect(deps: HandlerDeps, client: webApi.WebClient, click: Click) {
  if (click.surface.kind === 'message' && click.surface.ephemeral) {
    await click.surface.respond({ delete_original: true });
    return;
  }
  const actor = await resolveActor(deps, client, click.origin);
  await showOnSurface(deps, client, click, await deps.service.status(actor));
}
