import { webApi } from '@slack/bolt';
import type { Logger } from '../../core/logger.js';
import type { Message } from '../../core/message.js';
import type { DeliveryResult, Notifier } from '../../core/notifier.js';
import type { Address, WorkspaceRef } from '../../core/platform.js';
import type { SlackClientOptions } from './client-options.js';
import { renderMessage } from './render.js';
import { classifySlackError } from './slack-error.js';
import type { TokenSource, WorkspaceKey } from './token-source.js';

/** How often and how long a post is retried. */
export interface RetryPolicy {
  /** Attempts in total, the first included. */
  attempts: number;
  /** Backoff after a 5xx or network failure: base × 2^n, capped at `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited out: the post reports `rate_limited`. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 500,
  maxDelayMs: 4000,
  maxRetryAfterMs: 30_000,
};

export interface SlackNotifierOptions {
  tokens: TokenSource;
  clientOptions: SlackClientOptions;
  log: Logger;
  retry?: Partial<RetryPolicy>;
  /** Waits between attempts; tests pass one that records instead of sleeping. */
  sleep?: (ms: number) => Promise<void>;
}

/** Slack error codes after which the address cannot be used again. */
const GONE = new Set([
  'is_archived',
  'account_inactive',
  'token_revoked',
  'team_access_not_granted',
  'user_not_found',
  'user_disabled',
]);
const NOT_IN_CHANNEL = new Set(['not_in_channel', 'channel_not_found']);
const MAX_CLIENTS = 100;

type Outcome =
  { ok: true; result: webApi.WebAPICallResult } | Extract<DeliveryResult, { ok: false }>;

/**
 * Posts core messages to Slack: channel status, reminders, alerts, and private notes to one
 * person. A 429 is retried after its Retry-After, a 5xx or network failure with backoff, a
 * bounded number of times; then the failure is reported, never thrown.
 */
export class SlackNotifier implements Notifier {
  readonly platform = 'slack' as const;
  readonly #o: SlackNotifierOptions;
  readonly #retry: RetryPolicy;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #clients = new Map<string, webApi.WebClient>();

  constructor(options: SlackNotifierOptions) {
    this.#o = options;
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async post(
    address: Address,
    message: Message,
    options?: { mentions?: string[] },
  ): Promise<DeliveryResult> {
    const rendered = renderMessage(withMentions(message, options?.mentions ?? []));
    const outcome = await this.#call(keyOf(address), 'chat.postMessage', {
      channel: address.channelId,
      ...rendered,
    });
    return this.#delivery(outcome, address.channelId);
  }

  async update(address: Address, ref: string, message: Message): Promise<DeliveryResult> {
    const [channel, ts] = splitRef(ref, address.channelId);
    const outcome = await this.#call(keyOf(address), 'chat.update', {
      channel,
      ts,
      ...renderMessage(message),
    });
    return this.#delivery(outcome, channel);
  }

  /** Posting to a user id lands in the app's Messages tab; no `im:write` needed. */
  async direct(workspace: WorkspaceRef, userId: string, message: Message): Promise<DeliveryResult> {
    const outcome = await this.#call(keyOf(workspace), 'chat.postMessage', {
      channel: userId,
      ...renderMessage(message),
    });
    return this.#delivery(outcome, userId);
  }

  /** A message only `userId` sees, in a channel they are in. */
  async ephemeral(address: Address, userId: string, message: Message): Promise<DeliveryResult> {
    const outcome = await this.#call(keyOf(address), 'chat.postEphemeral', {
      channel: address.channelId,
      user: userId,
      ...renderMessage(message),
    });
    return outcome.ok ? { ok: true, ref: `${address.channelId}:ephemeral` } : outcome;
  }

  #delivery(outcome: Outcome, channel: string): DeliveryResult {
    if (!outcome.ok) return outcome;
    const result = outcome.result as { ts?: unknown; channel?: unknown };
    const ts = typeof result.ts === 'string' ? result.ts : '';
    const where = typeof result.channel === 'string' ? result.channel : channel;
    return { ok: true, ref: `${where}:${ts}` };
  }

  async #call(
    workspace: WorkspaceKey,
    method: string,
    args: Record<string, unknown>,
  ): Promise<Outcome> {
    const token = await this.#o.tokens.botToken(workspace);
    if (!token) return { ok: false, reason: 'gone', detail: 'no_installation' };
    const client = this.#client(token);
    for (let attempt = 1; ; attempt += 1) {
      try {
        return { ok: true, result: await client.apiCall(method, args) };
      } catch (err) {
        const failure = classifySlackError(err);
        const last = attempt >= this.#retry.attempts;
        if (failure.kind === 'platform') return this.#platformFailure(method, failure.error);
        if (failure.kind === 'rate_limited') {
          if (last || failure.retryAfterMs > this.#retry.maxRetryAfterMs) {
            this.#o.log.warn(
              { method, retryAfterMs: failure.retryAfterMs, attempt },
              'Slack rate limit: giving up',
            );
            return {
              ok: false,
              reason: 'rate_limited',
              retryAfterMs: failure.retryAfterMs,
              detail: failure.detail,
            };
          }
          await this.#sleep(failure.retryAfterMs);
          continue;
        }
        if (last) {
          this.#o.log.warn(
            { method, detail: failure.detail, attempt },
            'Slack call failed: giving up',
          );
          return { ok: false, reason: 'failed', detail: failure.detail };
        }
        await this.#sleep(
          Math.min(this.#retry.baseDelayMs * 2 ** (attempt - 1), this.#retry.maxDelayMs),
        );
      }
    }
  }

  #platformFailure(method: string, error: string): Outcome {
    const reason = NOT_IN_CHANNEL.has(error)
      ? 'not_in_channel'
      : GONE.has(error)
        ? 'gone'
        : 'failed';
    const level = reason === 'failed' ? 'warn' : 'info';
    this.#o.log[level]({ method, slackError: error, reason }, 'Slack refused the message');
    return { ok: false, reason, detail: error };
  }

  #client(token: string): webApi.WebClient {
    let client = this.#clients.get(token);
    if (!client) {
      if (this.#clients.size >= MAX_CLIENTS)
        this.#clients.delete(this.#clients.keys().next().value!);
      // Retries are this class's job, so the client itself never waits.
      client = new webApi.WebClient(token, {
        ...this.#o.clientOptions,
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
      });
      this.#clients.set(token, client);
    }
    return client;
  }
}

function keyOf(ref: WorkspaceRef | Address): WorkspaceKey {
  const enterpriseId = 'reference' in ref ? ref.reference?.enterpriseId : undefined;
  return {
    teamId: ref.workspaceId,
    ...(typeof enterpriseId === 'string' ? { enterpriseId } : {}),
  };
}

function splitRef(ref: string, fallbackChannel: string): [string, string] {
  const at = ref.indexOf(':');
  return at === -1 ? [fallbackChannel, ref] : [ref.slice(0, at), ref.slice(at + 1)];
}

function withMentions(message: Message, mentions: string[]): Message {
  if (!mentions.length) return message;
  const line = mentions.map((id) => `<@${id}>`).join(' ');
  return { ...message, sections: [{ text: line }, ...message.sections] };
}
