import { randomUUID } from 'node:crypto';
import { SUBMIT_CREDENTIALS } from '../src/bots/teams/credentials-dialog.js';
import { ActionId } from '../src/core/message.js';
import { encodeFormState } from '../src/core/messages.js';
import { startSandbox, type Sandbox } from '../src/sandbox/server.js';
import { sandboxScenario } from '../src/sandbox/scenarios.js';
import {
  messageActivity,
  taskFetch,
  taskSubmit,
  type ActivityJson,
} from '../test/teams/activities.js';
import { alternate, assertAnswered, loadRows, settled, type Side } from './support/compare.js';
import { FakeConnector } from './support/fake-connector.js';
import type { LoadRequest } from './support/load.js';
import { launch } from './support/servers.js';
import type { BenchOptions, BenchRow } from './types.js';

const NAME = 'teams-answer';

type Kind = 'message' | 'task/fetch' | 'task/submit';

const FORM_STATE = encodeFormState({ mode: 'connect', prefill: {} });

/**
 * Each submission comes from its own tenant and person: the core allows a few verifications
 * per person and per tenant in a window, and a benchmark must not measure the refusal. `tag`
 * is new for every run of the load, so a person is never reused across runs.
 */
function ownTenant(activity: ActivityJson, i: number, tag: string): ActivityJson {
  const tenantId = `bench-tenant-${i}-${tag}`;
  const userId = `29:bench-user-${i}`;
  return {
    ...activity,
    from: { id: userId, name: `Bench User ${i}`, aadObjectId: `aad-${tenantId}` },
    conversation: { ...activity.conversation!, tenantId },
    channelData: { tenant: { id: tenantId } },
  };
}

function activityOf(kind: Kind, serviceUrl: string, sandbox: Sandbox): ActivityJson {
  const where = { serviceUrl, conversation: 'channel' as const };
  switch (kind) {
    case 'message':
      return messageActivity('connect', where);
    case 'task/fetch':
      return taskFetch({ action: ActionId.OpenCredentials, value: FORM_STATE }, where);
    case 'task/submit': {
      const valid = sandboxScenario('valid');
      const data = {
        action: SUBMIT_CREDENTIALS,
        value: FORM_STATE,
        authServer: sandbox.authServer,
        clientId: valid.clientId,
        clientSecret: valid.clientSecret,
      };
      return taskSubmit(data, where);
    }
  }
}

function post(activity: ActivityJson): LoadRequest {
  return {
    path: '/api/messages',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(activity),
  };
}

/**
 * 2. Teams answer: a typed `connect` (the guide card), the credentials dialog (`task/fetch`)
 * and its submission (`task/submit`, which starts a verification against the Halo sandbox)
 * on `/api/messages` in local mode, against a bare handler on the same SDK.
 */
export async function teamsAnswer(options: BenchOptions): Promise<BenchRow[]> {
  const levels = options.smoke ? [1, 4] : [1, 10, 50];
  const requestsAt = (c: number) => (options.smoke ? 8 : Math.max(1_500, c * 60));
  const rounds = options.smoke ? 1 : 5;
  const connector = await FakeConnector.start();
  const sandbox = await startSandbox();
  const env = { TEAMS_LOCAL: 'true' };
  const bot = await launch('bot', env, !options.smoke);
  const bare = await launch('bare-teams', {}, !options.smoke);
  const sides: { bot: Side; bare: Side } = {
    bot: { origin: bot.url, settle: () => settled(bot, connector.quiet) },
    bare: { origin: bare.url, settle: () => connector.quiet.settle(50) },
  };
  // A submission comes from a person who opened the dialog (task/fetch) just before, as in
  // Teams: that fetch is sent unmeasured before each round. Each load run has its own people.
  const requestsOf = (kind: Kind) => {
    if (kind !== 'task/submit')
      return { build: () => post(activityOf(kind, connector.url, sandbox)) };
    const tag = randomUUID().slice(0, 8);
    const from = (which: Kind, i: number) =>
      post(ownTenant(activityOf(which, connector.url, sandbox), i, tag));
    return { build: (i: number) => from(kind, i), prepare: (i: number) => from('task/fetch', i) };
  };
  const rows: BenchRow[] = [];
  try {
    for (const kind of ['message', 'task/fetch', 'task/submit'] as const) {
      // Warm-up: JIT, connection pools, the conversation reference; not measured.
      await alternate(sides, {
        rounds: 1,
        concurrency: 4,
        requests: options.smoke ? 4 : 100,
        ...requestsOf(kind),
      });
      for (const c of levels) {
        options.progress(`${NAME}: ${kind} at concurrency ${c}`);
        const result = await alternate(sides, {
          rounds,
          concurrency: c,
          requests: requestsAt(c),
          ...requestsOf(kind),
        });
        assertAnswered(`${NAME} ${kind} bot`, result.bot);
        assertAnswered(`${NAME} ${kind} bare`, result.bare);
        rows.push(...loadRows(NAME, kind, c, result, c === levels.at(-1)));
      }
    }
  } finally {
    await bare.close();
    await bot.close();
    await sandbox.close();
    await connector.close();
  }
  return rows;
}
