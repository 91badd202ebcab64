import type { webApi } from '@slack/bolt';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Actor } from '../../core/platform.js';
import { classifySlackError } from './slack-error.js';

const TTL_MS = 5 * 60_000;
const MAX_ENTRIES = 2000;

interface Entry {
  actor: Promise<Actor>;
  expiresAt: number;
}

interface UserFacts {
  is_admin?: boolean;
  is_owner?: boolean;
  is_primary_owner?: boolean;
  is_restricted?: boolean;
  is_ultra_restricted?: boolean;
  deleted?: boolean;
  real_name?: string;
  profile?: { display_name?: string };
}

/**
 * Establishes who is acting, from `users.info`: workspace admin or owner, guest (restricted or
 * ultra-restricted). Answers are cached per user for five minutes, so the lookup before a
 * submission is usually free. What the facts allow is the core's decision, not this class's.
 */
export class SlackActors {
  readonly #cache = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Resolves the actor; when Slack cannot say, they count as neither admin nor guest. */
  resolve(client: webApi.WebClient, teamId: string, userId: string): Promise<Actor> {
    const key = `${teamId}:${userId}`;
    const now = this.clock.now().getTime();
    const hit = this.#cache.get(key);
    if (hit && hit.expiresAt > now) return hit.actor;
    const actor = this.#lookup(client, teamId, userId, key);
    if (this.#cache.size >= MAX_ENTRIES) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(key, { actor, expiresAt: now + TTL_MS });
    return actor;
  }

  async #lookup(client: webApi.WebClient, teamId: string, userId: string, key: string) {
    const base: Actor = {
      platform: 'slack',
      workspaceId: teamId,
      userId,
      isWorkspaceAdmin: false,
      isGuest: false,
    };
    try {
      const result = await client.users.info({ user: userId });
      const user = (result.user ?? {}) as UserFacts;
      return {
        ...base,
        displayName: user.profile?.display_name || user.real_name || undefined,
        isWorkspaceAdmin: Boolean(user.is_admin || user.is_owner || user.is_primary_owner),
        isGuest: Boolean(user.is_restricted || user.is_ultra_restricted || user.deleted),
      };
    } catch (err) {
      // Not cached: the next request asks Slack again.
      this.#cache.delete(key);
      this.log.warn(
        { teamId, userId, slack: classifySlackError(err).detail },
        'could not look up the Slack user; treating them as a member without admin rights',
      );
      return base;
    }
  }
}
