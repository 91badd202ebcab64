import type { webApi } from '@slack/bolt';
import { credentialsModal } from '../credentials-modal.js';
import { infoModal, resolveActor, updateModal, type HandlerDeps, type Origin } from './context.js';

/**
 * Fills an open rotate form with the stored values (all but the secret), or replaces it with
 * why it cannot be used: not allowed, or nothing connected yet.
 */
export async function showRotateForm(
  deps: HandlerDeps,
  client: webApi.WebClient,
  origin: Origin,
  viewId: string,
): Promise<void> {
  const meta = { channelId: origin.channelId, mode: 'rotate' as const };
  const actor = await resolveActor(deps, client, origin);
  const denied = deps.service.checkManage(actor);
  if (denied) {
    await updateModal(deps, client, viewId, infoModal(denied, meta));
    return;
  }
  if (!(await deps.service.getConnection(actor))) {
    await updateModal(deps, client, viewId, infoModal(await deps.service.status(actor), meta));
    return;
  }
  const state = await deps.service.formState(actor, 'rotate');
  await updateModal(deps, client, viewId, credentialsModal(state, origin.channelId));
}
