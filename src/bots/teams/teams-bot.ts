import { ActivityHandler, type InvokeResponse, type TurnContext } from '@microsoft/agents-hosting';
import { cardSubmitOf, handleCardAction } from './card-actions.js';
import { handleCommand } from './command-handlers.js';
import { parseCommand } from './command-text.js';
import { tenantOf } from './conversation-refs.js';
import { fetchCredentialsDialog, submitCredentials } from './dialog-handlers.js';
import { safeError } from './safe-error.js';
import type { TeamsDeps } from './teams-deps.js';
import { Turn } from './turn.js';

/** How long a delivered message id is remembered, so a redelivery is not answered twice. */
const REDELIVERY_WINDOW_MS = 15 * 60_000;

/**
 * The Teams bot on the Agents SDK's core `ActivityHandler`: messages (typed commands and
 * card buttons) and the dialog invokes (`task/fetch`, `task/submit`, by overriding the
 * invoke handling). Every incoming activity refreshes the stored conversation reference
 * (after the answer).
 * It translates only; each decision is the core's.
 */
export class TeamsBot extends ActivityHandler {
  readonly #deps: TeamsDeps;

  constructor(deps: TeamsDeps) {
    super();
    this.#deps = deps;
    this.onMessage(async (context, next) => {
      await this.#guard(context, 'message', (turn) => this.#message(turn));
      await next();
    });
    this.onInstallationUpdateRemove(async (context, next) => {
      await this.#guard(context, 'uninstall', (turn) => deps.refs.disable(turn.address));
      await next();
    });
  }

  protected override async onTurnActivity(context: TurnContext): Promise<void> {
    const tenantId = tenantOf(context.activity);
    if (tenantId) {
      const { from } = context.activity;
      this.#deps.names.remember(from?.aadObjectId || from?.id, from?.name);
      // Noted now, stored after the answer: a durable write is not on the answer's path.
      const store = this.#deps.refs.remember(context, tenantId);
      if (store) {
        this.#deps.background.run('store the conversation reference', () =>
          store().catch((err: unknown) => {
            this.#deps.logger.warn(safeError(err), 'could not store the conversation reference');
          }),
        );
      }
    }
    await super.onTurnActivity(context);
  }

  /**
   * The dialog invokes. Any other invoke (or one without a name) is not something this bot
   * offers, so it is refused as a bad request: the SDK's default would be a 501, a server
   * error for what is the sender's mistake.
   */
  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    const name = context.activity.name;
    if (name !== 'task/fetch' && name !== 'task/submit') {
      this.#deps.logger.info({ name: name?.slice(0, 40) }, 'Teams invoke refused: not handled');
      return { status: 400, body: { error: 'unsupported_invoke' } };
    }
    let body: unknown;
    const outcome = await this.#guard(context, name, async (turn) => {
      body =
        name === 'task/fetch'
          ? await fetchCredentialsDialog(turn, this.#deps)
          : await submitCredentials(turn, this.#deps);
    });
    return { status: INVOKE_STATUS[outcome], body };
  }

  async #message(turn: Turn): Promise<void> {
    const { activity } = turn;
    const fresh = await this.#deps.store.claimOnce(
      `${turn.idempotencyKey}:message`,
      REDELIVERY_WINDOW_MS,
      this.#deps.clock.now(),
    );
    if (!fresh) {
      this.#deps.logger.info({ activityId: activity.id }, 'redelivered Teams message ignored');
      return;
    }
    const submit = cardSubmitOf(activity.value);
    if (submit) return handleCardAction(turn, submit, this.#deps);
    return handleCommand(
      turn,
      parseCommand(activity.removeRecipientMention() || activity.text),
      this.#deps,
    );
  }

  /**
   * Runs a handler with the turn's facts. An activity without a tenant cannot belong to a
   * connection: a message gets a plain answer, an invoke a 400. A failure is logged without
   * the activity.
   */
  async #guard(
    context: TurnContext,
    what: string,
    handler: (turn: Turn) => Promise<void>,
  ): Promise<GuardOutcome> {
    const tenantId = tenantOf(context.activity);
    try {
      if (!tenantId) {
        this.#deps.logger.info({ what }, 'Teams activity without a tenant');
        if (context.activity.type === 'message') await context.sendActivity(NO_TENANT_TEXT);
        return 'no_tenant';
      }
      await handler(new Turn(context, tenantId, this.#deps));
      return 'ok';
    } catch (err) {
      const facts: Record<string, unknown> = { ...safeError(err), what };
      // An HTTP status means Teams refused the answer (an unknown conversation or card): the
      // platform's doing, not a bug here.
      if (typeof facts.status === 'number') {
        this.#deps.logger.warn(facts, 'Teams refused the answer to an activity');
      } else {
        this.#deps.logger.error(facts, 'Teams activity failed');
      }
      return 'failed';
    }
  }
}

type GuardOutcome = 'ok' | 'no_tenant' | 'failed';

const INVOKE_STATUS: Record<GuardOutcome, number> = { ok: 200, no_tenant: 400, failed: 500 };

const NO_TENANT_TEXT =
  'This conversation has no Microsoft 365 tenant, so HaloPSA cannot be connected from here.';
