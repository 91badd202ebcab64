import '../teams/clean-env.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUBMIT_CREDENTIALS } from '../../src/bots/teams/credentials-dialog.js';
import { encodeModalMetadata } from '../../src/bots/slack/modal-metadata.js';
import { connectionSecretAad } from '../../src/core/aad.js';
import { ActionId } from '../../src/core/message.js';
import { encodeFormState } from '../../src/core/messages.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';
import type { SlackCall } from '../slack/fake-slack-api.js';
import { SlackHarness } from '../slack/harness.js';
import { buttonClick, CHANNEL, credentialsSubmission, TEAM } from '../slack/payloads.js';
import { connection } from '../store/records.js';
import {
  cardClick,
  messageActivity,
  taskFetch,
  taskSubmit,
  TENANT_ID,
  USERS,
} from '../teams/activities.js';
import { cardText, finalReport, openDialog, submitDialog } from '../teams/flow.js';
import type { TeamsHarness } from '../teams/harness.js';
import { useTeamsSuite } from '../teams/suite.js';
import { CANARY_SCENARIOS, CANARY_SECRET, canaryScenario, expectNoCanary } from './canary.js';

/**
 * Who may do what, as a matrix of kinds of people and every command and state-changing
 * action, on both platforms. Reading (help, status, verify) is for everyone; changing the
 * connection (connect, the form, rotate, disconnect and its confirmation) only for
 * workspace admins and owners (Slack) and the allow-listed (`ADMIN_USER_IDS`), never for a
 * guest. A refusal says "Not allowed" and changes nothing; an allowed action shows its
 * own answer.
 */

const canary = canaryScenario('valid');
const generous = { limit: 10_000, windowMs: 60_000 };

type Action =
  | 'help'
  | 'status'
  | 'verify'
  | 'connect'
  | 'open form'
  | 'submit form'
  | 'rotate'
  | 'disconnect'
  | 'confirm disconnect';

const READING: readonly Action[] = ['help', 'status', 'verify'];
const CHANGING: readonly Action[] = [
  'connect',
  'open form',
  'submit form',
  'rotate',
  'disconnect',
  'confirm disconnect',
];
const ACTIONS = [...READING, ...CHANGING];

/** What an allowed action answers with, on either platform. */
const ANSWER: Record<Action, RegExp> = {
  help: /`?connect`?/,
  status: /Halo instance/,
  verify: /Connected|Verifying/,
  connect: /Step 1 of 5/,
  'open form': /Authorisation Server/,
  'submit form': /Verifying|The new credentials work/,
  rotate: /Rotate/,
  disconnect: /Disconnect HaloPSA\?/,
  'confirm disconnect': /Disconnected/,
};

let sandbox: Sandbox;
const teams = useTeamsSuite({ extraScenarios: CANARY_SCENARIOS });

beforeAll(async () => {
  sandbox = await startSandbox({ extraScenarios: CANARY_SCENARIOS });
});
afterAll(async () => {
  await sandbox.close();
});

/** Checks an answer against the matrix; whether the stored connection is still there. */
function expectOutcome(text: string, action: Action, allowed: boolean): void {
  if (allowed) {
    expect(text).not.toContain('Not allowed');
    expect(text).toMatch(ANSWER[action]);
  } else {
    expect(text).toContain('Not allowed');
    expect(text).not.toMatch(ANSWER[action]);
  }
}

describe('Slack', () => {
  const KINDS = {
    admin: { id: 'UKADMIN1', facts: { is_admin: true }, manages: true },
    owner: { id: 'UKOWNER1', facts: { is_owner: true }, manages: true },
    'allow-listed member': { id: 'UKALLOW1', facts: {}, manages: true },
    member: { id: 'UKMEMBR1', facts: {}, manages: false },
    guest: { id: 'UKGUEST1', facts: { is_restricted: true }, manages: false },
    'single-channel guest': {
      id: 'UKGUEST2',
      facts: { is_ultra_restricted: true },
      manages: false,
    },
  } as const;
  type Kind = keyof typeof KINDS;
  const ID = `slack:${TEAM}`;
  let h: SlackHarness;
  let n = 0;

  beforeAll(async () => {
    h = await SlackHarness.start({
      env: { ADMIN_USER_IDS: KINDS['allow-listed member'].id },
      perUserLimit: generous,
      perWorkspaceLimit: generous,
    });
    for (const kind of Object.values(KINDS)) h.fake.users.set(kind.id, kind.facts);
  });
  afterAll(async () => {
    expectNoCanary({
      'Slack calls': h.fake.transcript(),
      logs: h.logLines.join('\n'),
      answers: h.answers.join('\n'),
    });
    await h.close();
  });

  /** A working connection, as if an admin had connected it. */
  async function seed(): Promise<void> {
    await h.store.deleteConnection(ID);
    const record = connection(ID, {
      authServer: sandbox.authServer,
      resourceServer: `${sandbox.url}/api`,
      tenant: undefined,
      clientId: canary.clientId,
      secret: h.vault.seal(CANARY_SECRET, connectionSecretAad(ID)),
      channel: { platform: 'slack', workspaceId: TEAM, channelId: CHANNEL },
      connectedBy: KINDS.admin.id,
      rotatedAt: new Date().toISOString(),
      rotationDueAt: new Date(Date.now() + 90 * 86_400_000).toISOString(),
    });
    await h.store.putConnection(record, 0);
  }

  /** Does `action` as `user`; everything Slack was told, as text. */
  async function act(action: Action, user: string): Promise<string> {
    n += 1;
    const before = h.fake.calls.length;
    const message = { kind: 'message' as const, responseUrl: h.fake.responseUrl(`m${n}`) };
    let ack: unknown;
    switch (action) {
      case 'help':
      case 'status':
      case 'verify':
      case 'connect':
      case 'rotate':
      case 'disconnect':
        ack = (await h.command(action, `m${n}`, user).reply).body;
        break;
      case 'open form':
        ack = (
          await h.interact(
            buttonClick(
              ActionId.OpenCredentials,
              encodeFormState({ mode: 'connect', prefill: {} }),
              message,
              user,
            ),
          )
        ).body;
        break;
      case 'submit form': {
        const privateMetadata = encodeModalMetadata({ channelId: CHANNEL, mode: 'rotate' });
        const form = {
          authServer: sandbox.authServer,
          clientId: canary.clientId,
          clientSecret: CANARY_SECRET,
        };
        const view = { id: `VWHO${n}`, hash: `h${n}`, privateMetadata };
        ack = (await h.interact(credentialsSubmission(view, form, user))).body;
        break;
      }
      case 'confirm disconnect':
        ack = (await h.interact(buttonClick(ActionId.DisconnectConfirm, undefined, message, user)))
          .body;
        break;
    }
    await h.settle();
    return finalSurfaces(ack, h.fake.calls.slice(before));
  }

  /**
   * What the person ends up seeing: the ack, unless a later update replaced it, and the
   * last version of every modal and private reply; channel posts as they are.
   */
  function finalSurfaces(ack: unknown, calls: SlackCall[]): string {
    const surfaces = new Map<string, unknown>([['ack', ack ?? '']]);
    let posts = 0;
    for (const call of calls) {
      if (call.method === 'views.open') surfaces.set(h.fake.openedViewId(call), call.params.view);
      else if (call.method === 'views.update')
        surfaces.set(String(call.params.view_id), call.params.view);
      else if (call.method === 'response_url') surfaces.set(`r:${call.responseId}`, call.params);
      else if (call.method === 'chat.postMessage') surfaces.set(`p:${(posts += 1)}`, call.params);
    }
    const ackView = (ack as { view?: unknown } | undefined)?.view;
    if (ackView && calls.some((c) => c.method === 'views.update')) surfaces.delete('ack');
    return JSON.stringify([...surfaces.values()]);
  }

  const cases = (Object.keys(KINDS) as Kind[]).flatMap((kind) =>
    ACTIONS.map((action) => [kind, action] as const),
  );

  it.each(cases)('%s: %s', async (kind, action) => {
    await seed();
    const before = await h.store.getConnection(ID);
    const allowed = READING.includes(action) || KINDS[kind].manages;
    const text = await act(action, KINDS[kind].id);
    expectOutcome(text, action, allowed);
    const after = await h.store.getConnection(ID);
    if (!allowed) {
      expect(after?.secret).toEqual(before?.secret);
      expect(after?.rotatedAt).toBe(before?.rotatedAt);
    }
    if (action === 'confirm disconnect') expect(after === undefined).toBe(allowed);
  });
});

describe('Teams', () => {
  const ID = `teams:${TENANT_ID}`;
  /** Teams shows bots no admin or owner role: the allow-list, or any member without one. */
  const HARNESSES = {
    'with ADMIN_USER_IDS': { ADMIN_USER_IDS: USERS.admin.aadObjectId },
    'without ADMIN_USER_IDS': {},
  } as const;
  type Setting = keyof typeof HARNESSES;
  const KINDS: Record<Setting, Array<[string, keyof typeof USERS, boolean]>> = {
    'with ADMIN_USER_IDS': [
      ['allow-listed member', 'admin', true],
      ['member', 'member', false],
      ['guest', 'guest', false],
    ],
    'without ADMIN_USER_IDS': [
      ['member', 'member', true],
      ['guest', 'guest', false],
    ],
  };
  const harnesses = new Map<Setting, TeamsHarness>();

  beforeAll(async () => {
    for (const [setting, env] of Object.entries(HARNESSES) as Array<
      [Setting, Record<string, string>]
    >) {
      harnesses.set(setting, await teams.harness(env, generous, { perWorkspaceLimit: generous }));
    }
  });
  afterAll(() => {
    for (const h of harnesses.values()) {
      expectNoCanary({
        'Teams calls': h.connector.calls.map((c) => c.raw).join('\n'),
        logs: h.logLines.join('\n'),
        answers: h.answers.join('\n'),
      });
    }
  });

  /** Connects the canary credentials as the allow-listed admin, if not connected. */
  async function seed(h: TeamsHarness): Promise<void> {
    if (await h.store.getConnection(ID)) return;
    const form = {
      authServer: sandbox.authServer,
      clientId: canary.clientId,
      clientSecret: CANARY_SECRET,
    };
    await submitDialog(h, await openDialog(h), form, { user: 'admin' });
    expect(cardText(await finalReport(h))).toContain('HaloPSA is connected');
  }

  async function act(h: TeamsHarness, action: Action, user: keyof typeof USERS): Promise<string> {
    const before = h.connector.calls.length;
    const where = { serviceUrl: h.connector.url, user, conversation: 'channel' as const };
    let answer: unknown;
    switch (action) {
      case 'help':
      case 'status':
      case 'verify':
      case 'connect':
      case 'rotate':
      case 'disconnect':
        answer = (await h.post(messageActivity(action, where))).body;
        break;
      case 'open form':
        answer = (
          await h.post(
            taskFetch(
              {
                action: ActionId.OpenCredentials,
                value: encodeFormState({ mode: 'connect', prefill: {} }),
              },
              where,
            ),
          )
        ).body;
        break;
      case 'submit form':
        answer = (
          await h.post(
            taskSubmit(
              {
                action: SUBMIT_CREDENTIALS,
                value: encodeFormState({ mode: 'rotate', prefill: {} }),
                authServer: sandbox.authServer,
                clientId: canary.clientId,
                clientSecret: CANARY_SECRET,
              },
              where,
            ),
          )
        ).body;
        break;
      case 'confirm disconnect':
        answer = (
          await h.post(
            cardClick({ action: ActionId.DisconnectConfirm }, { ...where, replyToId: 'card-1' }),
          )
        ).body;
        break;
    }
    await h.settle();
    // The latest version of every card posted or replaced since, as the person sees it.
    const calls = h.connector.calls.slice(before);
    const cards = new Map<string, unknown>();
    for (const call of calls) {
      if (call.createdId) cards.set(call.createdId, h.connector.latest(call.createdId));
      else if (call.kind === 'update' && !cards.has(call.activityId!)) {
        cards.set(call.activityId!, call.body);
      }
    }
    return [cardText(answer), ...[...cards.values()].map(cardText)].join('\n');
  }

  const cases = (Object.keys(KINDS) as Setting[]).flatMap((setting) =>
    KINDS[setting].flatMap(([kind, user, manages]) =>
      ACTIONS.map((action) => [setting, kind, action, user, manages] as const),
    ),
  );

  it.each(cases)('%s, %s: %s', async (setting, _kind, action, user, manages) => {
    const h = harnesses.get(setting)!;
    await seed(h);
    const before = await h.store.getConnection(ID);
    const allowed = READING.includes(action) || manages;
    const text = await act(h, action, user);
    expectOutcome(text, action, allowed);
    const after = await h.store.getConnection(ID);
    if (!allowed) {
      expect(after?.secret).toEqual(before?.secret);
      expect(after?.rotatedAt).toBe(before?.rotatedAt);
    }
    if (action === 'confirm disconnect') expect(after === undefined).toBe(allowed);
  });
});
