import { guideMessage, helpMessage } from '../../core/messages.js';
import type { Command } from './command-text.js';
import type { TeamsDeps } from './teams-deps.js';
import type { Turn } from './turn.js';
import { verifyStored } from './verify-flow.js';

/** Commands are typed as plain words in Teams, so the help lists them without a prefix. */
const HELP_PREFIX = '';

/**
 * Answers a typed command. The core decides who may do what; this only asks it and shows
 * the answer as a card. An unknown command gets the help card.
 */
export async function handleCommand(
  turn: Turn,
  command: Command | undefined,
  deps: TeamsDeps,
): Promise<void> {
  const { service } = deps;
  switch (command) {
    case 'connect': {
      const actor = await turn.actor();
      const denied = service.checkManage(actor);
      if (denied) return turn.reply(denied);
      await turn.reply(guideMessage('agent'));
      // The channel hears of it after the person has the guide.
      const address = turn.address;
      deps.background.run('announce connect', () => service.announceStart(actor, address));
      return;
    }
    case 'status':
      return turn.reply(await service.status(await turn.actor()));
    case 'verify':
      return verifyStored(turn, deps);
    case 'rotate': {
      // A dialog opens only from a click: the status card carries the Rotate button.
      const actor = await turn.actor();
      return turn.reply(service.checkManage(actor) ?? (await service.status(actor)));
    }
    case 'disconnect':
      return turn.reply(service.askDisconnect(await turn.actor()));
    case 'help':
    case undefined:
      return turn.reply(helpMessage(HELP_PREFIX));
  }
}
