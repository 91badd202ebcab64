import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import { slackTokenAad } from '../../core/aad.js';
import type { Clock } from '../../core/clock.js';
import type { Envelope } from '../../core/envelope.js';
import { ErrorCode, HaloConnectError } from '../../core/errors.js';
import type { Store } from '../../core/store.js';
import type { Vault } from '../../core/vault.js';

type AnyInstallation = Installation<'v1' | 'v2', boolean>;

/** The token fields of an installation, by the name their envelope is stored under. */
const TOKEN_PATHS = {
  bot: ['bot', 'token'],
  botRefresh: ['bot', 'refreshToken'],
  user: ['user', 'token'],
  userRefresh: ['user', 'refreshToken'],
} as const;

type TokenName = keyof typeof TOKEN_PATHS;

/**
 * An @slack/oauth InstallationStore backed by our Store. Every token (bot, user, and their
 * refresh tokens under token rotation) is sealed with the vault, bound to the installation id
 * and the token's name; the stored installation holds no token in plain text.
 *
 * The id is the team id, or the enterprise id for an org-wide install. A lookup for a team of
 * an org-wide install falls back to the enterprise's record.
 */
export function createInstallationStore(
  store: Store,
  vault: Vault,
  clock: Clock,
): InstallationStore {
  return {
    async storeInstallation(installation) {
      const id = installationId(installation);
      const copy = structuredClone(installation) as unknown as Record<
        string,
        Record<string, unknown>
      >;
      const tokens: Record<string, Envelope> = {};
      for (const [name, [owner, key]] of Object.entries(TOKEN_PATHS)) {
        const value = copy[owner]?.[key];
        if (typeof value === 'string' && value) {
          tokens[name] = vault.seal(value, slackTokenAad(id, name));
          delete copy[owner]![key];
        }
      }
      await store.putSlackInstallation({
        id,
        installation: copy,
        tokens,
        updatedAt: clock.now().toISOString(),
      });
    },

    async fetchInstallation(query) {
      const record = await findRecord(store, query);
      if (!record) {
        throw new HaloConnectError(ErrorCode.NotFound, 'no Slack installation for this workspace');
      }
      const copy = structuredClone(record.installation) as Record<string, Record<string, unknown>>;
      for (const [name, envelope] of Object.entries(record.tokens)) {
        const path = TOKEN_PATHS[name as TokenName];
        if (!path) continue;
        copy[path[0]] ??= {};
        copy[path[0]]![path[1]] = vault.open(envelope, slackTokenAad(record.id, name));
      }
      return copy as unknown as AnyInstallation;
    },

    async deleteInstallation(query) {
      const record = await findRecord(store, query);
      if (record) await store.deleteSlackInstallation(record.id);
    },
  };
}

function installationId(installation: AnyInstallation): string {
  if (installation.isEnterpriseInstall && installation.enterprise?.id) {
    return installation.enterprise.id;
  }
  const id = installation.team?.id ?? installation.enterprise?.id;
  if (!id) throw new HaloConnectError(ErrorCode.InvalidInput, 'Slack installation without team id');
  return id;
}

async function findRecord(store: Store, query: InstallationQuery<boolean>) {
  if (query.isEnterpriseInstall && query.enterpriseId) {
    return store.getSlackInstallation(query.enterpriseId);
  }
  const byTeam = query.teamId ? await store.getSlackInstallation(query.teamId) : undefined;
  if (byTeam || !query.enterpriseId) return byTeam;
  return store.getSlackInstallation(query.enterpriseId);
}
