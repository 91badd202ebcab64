import type { App, RespondFn, SlashCommand, webApi } from '@slack/bolt';
import { guideMessage, helpMessage, verifyingMessage } from '../../../core/messages.js';
import { credentialsModal } from '../credentials-modal.js';
import {
  claimRequest,
  ephemeral,
  infoModal,
  openModal,
  originAddress,
  resolveActor,
  tellByRespond,
  type HandlerDeps,
  type Origin,
} from './context.js';
import { guideProgressKey } from './guide.js';
import { showRotateForm } from './rotate.js';
import { verifyInModal } from './verification.js';

const SUBCOMMANDS = ['connect', 'status', 'verify', 'rotate', 'disconnect', 'help'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

/** The first word of `/halo …`; empty or unknown text means `help`. */
export function subcommandOf(text: string | undefined): Subcommand {
  const word = (text ?? '').trim().split(/\s+/)[0]!.toLowerCase();
  return (SUBCOMMANDS as readonly string[]).includes(word) ? (word as Subcommand) : 'help';
}

/** `/halo`: one listener for every subcommand. Each acks first; slow work follows the ack. */
export function registerCommand(app: App, deps: HandlerDeps): void {
  app.command('/halo', async ({ command, ack, respond, client }) => {
    const sub = subcommandOf(command.text);
    const origin = originOf(command);
    switch (sub) {
      case 'help':
        await ack(ephemeral(helpMessage('/halo ')));
        return;
      case 'rotate':
        await ack();
        deps.tasks.run('/halo rotate', () => openRotate(deps, client, origin, command.trigger_id));
        return;
      case 'verify':
        await ack();
        deps.tasks.run('/halo verify', () =>
          openVerify(deps, client, origin, command.trigger_id, respond),
        );
        return;
      default:
        await ack();
        deps.tasks.run(`/halo ${sub}`, () => reply(deps, client, origin, sub, command, respond));
    }
  });
}

function originOf(command: SlashCommand): Origin {
  return {
    teamId: command.team_id,
    enterpriseId: command.enterprise_id || undefined,
    userId: command.user_id,
    channelId: command.channel_id || undefined,
  };
}

async function reply(
  deps: HandlerDeps,
  client: webApi.WebClient,
  origin: Origin,
  sub: 'connect' | 'status' | 'disconnect',
  command: SlashCommand,
  respond: RespondFn,
): Promise<void> {
  if (sub === 'connect' && !(await claimRequest(deps, `command:${command.trigger_id}`))) return;
  const actor = await resolveActor(deps, client, origin);
  if (sub === 'status') {
    await respond(ephemeral(await deps.service.status(actor)));
    return;
  }
  if (sub === 'disconnect') {
    await respond(ephemeral(deps.service.askDisconnect(actor)));
    return;
  }
  const denied = deps.service.checkManage(actor);
  if (denied) {
    await respond(ephemeral(denied));
    return;
  }
  const progress = await deps.store.getGuideProgress(guideProgressKey(origin));
  await respond(ephemeral(guideMessage(progress?.step ?? 'agent')));
  // The channel hears of it after the person has the guide.
  deps.tasks.run(
    'announce connect',
    () => deps.service.announceStart(actor, originAddress(origin), tellByRespond(respond)),
    'normal',
  );
}

/** The form opens at once (the trigger id lasts 3 s); the stored values fill it after. */
async function openRotate(
  deps: HandlerDeps,
  client: webApi.WebClient,
  origin: Origin,
  triggerId: string,
) {
  const view = credentialsModal({ mode: 'rotate', prefill: {} }, origin.channelId);
  const viewId = await openModal(deps, client, triggerId, view);
  if (viewId) await showRotateForm(deps, client, origin, viewId);
}

async function openVerify(
  deps: HandlerDeps,
  client: webApi.WebClient,
  origin: Origin,
  triggerId: string,
  respond: RespondFn,
) {
  const view = infoModal(verifyingMessage([]), { channelId: origin.channelId, mode: 'rotate' });
  const viewId = await openModal(deps, client, triggerId, view);
  if (!viewId) return;
  const key = `slack:command:${triggerId}`;
  await verifyInModal(deps, client, origin, viewId, key, tellByRespond(respond));
}
