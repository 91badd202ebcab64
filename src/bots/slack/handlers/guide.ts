import { ActionId } from '../../../core/message.js';
import { GUIDE, isStepId, type StepId } from '../../../core/guide.js';
import type { HandlerDeps, Origin } from './context.js';

/** The key guide progress is saved under: `${platform}:${workspaceId}:${userId}`. */
export function guideProgressKey(origin: Origin): string {
  return `slack:${origin.teamId}:${origin.userId}`;
}

/**
 * The step a guide button leads to. Back and Next carry the step shown when clicked; "go to"
 * carries its target. Anything unexpected starts at the first step.
 */
export function targetStep(actionId: string, value: string | undefined): StepId {
  const current = isStepId(value) ? value : GUIDE[0]!.id;
  const index = GUIDE.findIndex((step) => step.id === current);
  const move = actionId === ActionId.GuideNext ? 1 : actionId === ActionId.GuideBack ? -1 : 0;
  const target = GUIDE[Math.min(GUIDE.length - 1, Math.max(0, index + move))];
  return target!.id;
}

/** Saves where the person is in the guide, so `/halo connect` resumes there. */
export async function saveGuideProgress(deps: HandlerDeps, origin: Origin, step: StepId) {
  await deps.store.setGuideProgress({
    key: guideProgressKey(origin),
    step,
    updatedAt: deps.clock.now().toISOString(),
  });
}
