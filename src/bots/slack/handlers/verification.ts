import type { webApi } from '@slack/bolt';
import type { SubmitResult, UndeliveredHook } from '../../../core/connection-service.js';
import type { Message } from '../../../core/message.js';
import type { ModalMetadata } from '../modal-metadata.js';
import { ViewUpdater } from '../view-updater.js';
import {
  deliverPrivately,
  infoModal,
  originAddress,
  resolveActor,
  type HandlerDeps,
  type Origin,
} from './context.js';

const MAX_TRACKED = 500;

/** Remembers the live modal of a started verification by view id, for redeliveries. */
export function rememberUpdater(deps: HandlerDeps, viewId: string, updater: ViewUpdater): void {
  deps.updaters.delete(viewId);
  if (deps.updaters.size >= MAX_TRACKED) deps.updaters.delete(deps.updaters.keys().next().value!);
  deps.updaters.set(viewId, updater);
}

/**
 * Once `done` brings the report, shows it in the modal; if the modal is gone, sends it to the
 * person privately instead. Runs after the handler's ack.
 */
export function followReport(
  deps: HandlerDeps,
  updater: ViewUpdater,
  origin: Origin,
  meta: ModalMetadata,
  done: Promise<Message>,
): void {
  deps.tasks.after(
    'verification report',
    done,
    async (report) => {
      if (!(await updater.finish(infoModal(report, meta)))) {
        await deliverPrivately(deps, origin, report);
      }
    },
    'normal',
  );
}

/**
 * `/halo verify` and the Verify button: re-runs every check on the stored credentials in a
 * modal that is already open (`viewId`), with live progress and the report at the end.
 */
export async function verifyInModal(
  deps: HandlerDeps,
  client: webApi.WebClient,
  origin: Origin,
  viewId: string,
  idempotencyKey: string,
  tell: UndeliveredHook,
): Promise<void> {
  const meta: ModalMetadata = { channelId: origin.channelId, mode: 'rotate' };
  const actor = await resolveActor(deps, client, origin);
  const updater = new ViewUpdater(client, viewId, deps.log);
  updater.release();
  const result: SubmitResult = await deps.service.verifyStored(actor, {
    idempotencyKey,
    channel: originAddress(origin),
    onProgress(message) {
      updater.progress(infoModal(message, meta));
    },
    onUndelivered: tell,
  });
  switch (result.kind) {
    case 'started':
      rememberUpdater(deps, viewId, updater);
      followReport(deps, updater, origin, meta, result.done);
      return;
    case 'duplicate':
    case 'invalid':
      return;
    default:
      await updater.finish(infoModal(result.message, meta));
  }
}
