import type { SubmitResult } from '../../core/connection-service.js';
import type { Message } from '../../core/message.js';
import { LiveCard } from './live-card.js';
import type { TeamsDeps } from './teams-deps.js';
import type { Turn } from './turn.js';

/**
 * Runs a verification job the core started, as a live card in the conversation: the first
 * view is posted, the checks' progress and the final report update it in place (only the
 * newest progress view when several wait). Answers at once; the card work goes on in the
 * background.
 */
export async function runLiveJob(
  turn: Turn,
  deps: TeamsDeps,
  start: (onProgress: (message: Message) => void) => Promise<SubmitResult>,
): Promise<SubmitResult> {
  // Each send goes through the follow-up gate; the card's waits between them do not, so a
  // card waiting for its next update holds no place that a verification could run in.
  const live = new LiveCard(deps.notifier, turn.address, { gate: deps.background });
  // Progress does not hold up the check: the card shows the newest view it has.
  const result = await start((message) => live.progress(message));
  if (result.kind === 'started') {
    // The first view unless progress came first; the report whenever it comes, last.
    deps.background.track('live report card', live.start(result.message));
    deps.background.track(
      'live report card',
      result.done.then((report) => live.finish(report)),
    );
  }
  return result;
}

/** `verify` as a command or a button: re-check the stored credentials, live. */
export async function verifyStored(turn: Turn, deps: TeamsDeps): Promise<void> {
  const actor = await turn.actor();
  const result = await runLiveJob(turn, deps, (onProgress) =>
    deps.service.verifyStored(actor, {
      idempotencyKey: turn.idempotencyKey,
      channel: turn.address,
      onProgress,
    }),
  );
  if (
    result.kind === 'not_connected' ||
    result.kind === 'rate_limited' ||
    result.kind === 'denied'
  ) {
    await turn.reply(result.message);
  }
}
