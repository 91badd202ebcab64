import { GUIDE, isStepId, type StepId } from '../../core/guide.js';
import { ActionId } from '../../core/message.js';
import { guideMessage } from '../../core/messages.js';
import type { TeamsDeps } from './teams-deps.js';
import type { Turn } from './turn.js';
import { verifyStored } from './verify-flow.js';

/** What an `Action.Submit` on a card in the conversation sends as the message's value. */
export interface CardSubmit {
  action: string;
  value?: string;
}

/** A message's value, when it is a button click from one of the bot's cards. */
export function cardSubmitOf(value: unknown): CardSubmit | undefined {
  const v = value as { action?: unknown; value?: unknown } | undefined;
  if (!v || typeof v.action !== 'string') return undefined;
  return { action: v.action, value: typeof v.value === 'string' ? v.value : undefined };
}

function stepBeside(value: string | undefined, offset: 1 | -1): StepId | undefined {
  if (!isStepId(value)) return undefined;
  const index = GUIDE.findIndex((s) => s.id === value) + offset;
  return GUIDE[index]?.id;
}

/**
 * Answers a button click on one of the bot's cards. Back and Next replace the guide card in
 * place; Disconnect's confirm and cancel replace the question with the outcome; Snooze on a
 * reminder answers with the core's outcome.
 */
export async function handleCardAction(
  turn: Turn,
  submit: CardSubmit,
  deps: TeamsDeps,
): Promise<void> {
  const { service } = deps;
  switch (submit.action) {
    case ActionId.GuideNext:
    case ActionId.GuideBack: {
      const step = stepBeside(submit.value, submit.action === ActionId.GuideNext ? 1 : -1);
      if (step) await turn.replace(guideMessage(step));
      return;
    }
    case ActionId.GuideGoto:
      if (isStepId(submit.value)) await turn.reply(guideMessage(submit.value));
      return;
    case ActionId.Verify:
      return verifyStored(turn, deps);
    case ActionId.DisconnectAsk:
      return turn.reply(service.askDisconnect(await turn.actor()));
    case ActionId.DisconnectConfirm:
      return turn.replace(await service.disconnect(await turn.actor(), turn.address));
    case ActionId.DisconnectCancel:
      return turn.replace(await service.status(await turn.actor()));
    case ActionId.Snooze:
      // Answered as a new card: the reminder stays readable for everyone in the channel.
      return turn.reply(await service.snooze(await turn.actor(), submit.value));
    default:
      // Dialog buttons arrive as task/fetch; anything else is not ours to answer.
      deps.logger.debug({ action: submit.action.slice(0, 40) }, 'card action ignored');
  }
}
