import type { App, ViewSubmitAction } from '@slack/bolt';
import { verifyingMessage } from '../../../core/messages.js';
import {
  CREDENTIALS_CALLBACK_ID,
  fieldErrors,
  readCredentialsForm,
  type ViewStateValues,
} from '../credentials-modal.js';
import { decodeModalMetadata } from '../modal-metadata.js';
import { ViewUpdater } from '../view-updater.js';
import {
  infoModal,
  originAddress,
  resolveActor,
  tellByDirect,
  type HandlerDeps,
  type Origin,
} from './context.js';
import { followReport, rememberUpdater } from './verification.js';

/**
 * Modal submissions, through one listener. The credentials form is answered inside Slack's
 * 3 s: field errors under their inputs, a refusal in place of the form, or a "Verifying…"
 * view that live progress and then the report replace through `views.update`.
 */
export function registerViewSubmissions(app: App, deps: HandlerDeps): void {
  app.view(/.*/, async ({ ack, body, view, client }) => {
    if (body.type !== 'view_submission' || view.callback_id !== CREDENTIALS_CALLBACK_ID) {
      await ack();
      return;
    }
    const meta = decodeModalMetadata(view.private_metadata);
    const origin = originOfSubmission(body, meta.channelId);
    const actor = await resolveActor(deps, client, origin);
    // Slack types `state` as always there; a body without it reads as an empty form.
    const state = view.state as { values?: ViewStateValues } | undefined;
    const form = readCredentialsForm(state?.values);
    const updater = new ViewUpdater(client, view.id, deps.log);
    const result = await deps.service.submitCredentials(actor, form, {
      // A redelivery carries the same view id and hash; a new attempt updates the hash.
      idempotencyKey: `slack:view:${view.id}:${view.hash}`,
      mode: meta.mode,
      channel: originAddress(origin),
      onProgress(message) {
        updater.progress(infoModal(message, meta));
      },
      onUndelivered: tellByDirect(deps, origin),
    });
    switch (result.kind) {
      case 'invalid':
        await ack({ response_action: 'errors', errors: fieldErrors(result.problems) });
        return;
      case 'duplicate':
        // The first delivery's job owns the modal; show the newest view it reached.
        await ack({
          response_action: 'update',
          view: deps.updaters.get(view.id)?.latest ?? infoModal(verifyingMessage([]), meta),
        });
        return;
      case 'started':
        await ack({ response_action: 'update', view: infoModal(result.message, meta) });
        updater.release();
        rememberUpdater(deps, view.id, updater);
        followReport(deps, updater, origin, meta, result.done);
        return;
      default:
        await ack({ response_action: 'update', view: infoModal(result.message, meta) });
    }
  });
}

function originOfSubmission(body: ViewSubmitAction, channelId: string | undefined): Origin {
  const enterpriseId = body.enterprise?.id ?? body.team?.enterprise_id;
  return {
    teamId: body.view.app_installed_team_id ?? body.team?.id ?? body.user.team_id ?? '',
    ...(enterpriseId ? { enterpriseId } : {}),
    userId: body.user.id,
    channelId,
  };
}
