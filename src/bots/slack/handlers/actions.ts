import type { App, BlockAction, webApi } from '@slack/bolt';
import { ActionId } from '../../../core/message.js';
import { decodeFormState, guideMessage, verifyingMessage } from '../../../core/messages.js';
import { credentialsModal } from '../credentials-modal.js';
import { baseActionId } from '../render.js';
import {
  claimRequest,
  infoModal,
  resolveActor,
  tellByDirect,
  tellByRespond,
  updateModal,
  type HandlerDeps,
} from './context.js';
import { askDisconnect, cancelDisconnect, confirmDisconnect } from './disconnect.js';
import { saveGuideProgress, targetStep } from './guide.js';
import {
  metaOf,
  modalFor,
  originOfAction,
  showOnSurface,
  surfaceOf,
  type Click,
} from './surface.js';
import { verifyInModal } from './verification.js';

/**
 * Every button, through one listener (each extra Bolt listener costs every request its
 * middleware), dispatched by the core's ActionId.
 */
export function registerActions(app: App, deps: HandlerDeps): void {
  app.action(/.*/, async ({ ack, body, client, respond }) => {
    await ack();
    if (body.type !== 'block_actions') return;
    const actions = body as BlockAction;
    const action = actions.actions[0] as { action_id: string; value?: unknown } | undefined;
    if (!action) return;
    const surface = surfaceOf(actions, respond);
    const click: Click = {
      actionId: baseActionId(action.action_id),
      value: typeof action.value === 'string' ? action.value : undefined,
      triggerId: actions.trigger_id,
      surface,
      origin: originOfAction(actions, surface),
    };
    deps.tasks.run(`action ${click.actionId}`, () => dispatch(deps, client, click));
  });
}

async function dispatch(deps: HandlerDeps, client: webApi.WebClient, click: Click): Promise<void> {
  switch (click.actionId) {
    case ActionId.GuideNext:
    case ActionId.GuideBack:
    case ActionId.GuideGoto:
      return showGuide(deps, client, click);
    case ActionId.OpenCredentials:
    case ActionId.RetryCredentials:
    case ActionId.Rotate:
      return openForm(deps, client, click);
    case ActionId.Verify:
      return verify(deps, client, click);
    case ActionId.DisconnectAsk:
      return askDisconnect(deps, client, click);
    case ActionId.DisconnectConfirm:
      return confirmDisconnect(deps, client, click);
    case ActionId.DisconnectCancel:
      return cancelDisconnect(deps, client, click);
    case ActionId.Snooze:
      return snooze(deps, client, click);
    default:
      deps.log.debug({ actionId: click.actionId.slice(0, 64) }, 'no handler for this Slack action');
  }
}

async function showGuide(deps: HandlerDeps, client: webApi.WebClient, click: Click) {
  const step = targetStep(click.actionId, click.value);
  await showOnSurface(deps, client, click, guideMessage(step));
  await saveGuideProgress(deps, click.origin, step);
}

/** The credentials form, filled from the button's form state (never holding the secret). */
async function openForm(deps: HandlerDeps, client: webApi.WebClient, click: Click) {
  const state = decodeFormState(click.value);
  if (click.actionId === ActionId.Rotate) state.mode = 'rotate';
  const view = credentialsModal(state, metaOf(click).channelId);
  // The form opens first (the trigger id lasts 3 s); someone who may not use it then sees
  // why instead. The lookup also answers the check at submit time from the cache.
  const viewId = await modalFor(deps, client, click, view);
  if (!viewId) return;
  const denied = deps.service.checkManage(await resolveActor(deps, client, click.origin));
  if (denied) await updateModal(deps, client, viewId, infoModal(denied, metaOf(click)));
}

async function verify(deps: HandlerDeps, client: webApi.WebClient, click: Click) {
  const meta = { ...metaOf(click), mode: 'rotate' as const };
  const viewId = await modalFor(deps, client, click, infoModal(verifyingMessage([]), meta));
  if (!viewId) return;
  const tell =
    click.surface.kind === 'message'
      ? tellByRespond(click.surface.respond)
      : tellByDirect(deps, click.origin);
  await verifyInModal(deps, client, click.origin, viewId, `slack:action:${click.triggerId}`, tell);
}

/**
 * Snooze on a reminder. The reminder stays in the channel for everyone; the outcome goes to
 * the person who clicked, privately. Once per click.
 */
async function snooze(deps: HandlerDeps, client: webApi.WebClient, click: Click) {
  if (!(await claimRequest(deps, `action:${click.triggerId}`))) return;
  const actor = await resolveActor(deps, client, click.origin);
  const outcome = await deps.service.snooze(actor, click.value);
  await showOnSurface(deps, client, click, outcome);
}
