import '../teams/clean-env.js';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { SUBMIT_CREDENTIALS } from '../../src/bots/teams/credentials-dialog.js';
import { UNKNOWN_DIALOG_ANSWER } from '../../src/bots/teams/dialog-handlers.js';
import { FIELD_LABELS, type CredentialsForm } from '../../src/core/credentials.js';
import { normalizeCredentials } from '../../src/core/input.js';
import { ActionId } from '../../src/core/message.js';
import { encodeFormState } from '../../src/core/messages.js';
import {
  cardClick,
  messageActivity,
  taskFetch,
  taskSubmit,
  TENANT_ID,
  type ActivityOptions,
  type UserCase,
} from '../teams/activities.js';
import { cardText, finalReport, openDialog, submitDialog } from '../teams/flow.js';
import type { PostResult, TeamsHarness } from '../teams/harness.js';
import { useTeamsSuite } from '../teams/suite.js';
import { CANARY_SECRET, canaryScenario, expectNoCanary } from './canary.js';
import { anyJson, anyText, deeplyNested, FUZZ, mutationOf } from './fuzz-values.js';
import { createOfflineVerifier } from './offline-verifier.js';
import { storedCredentials } from './stored-credentials.js';

/**
 * Property-based tests over what Teams can send the bot: the dialog's fields, a message's
 * text, activities (arbitrary JSON and mutations of real ones) and raw bytes. Never a 5xx,
 * never an error logged, always an answer, and the stored credentials are what they were
 * unless valid credentials were verified.
 */

const canary = canaryScenario('valid');
const AUTH_SERVER = 'https://acme.halopsa.com/auth';
const generous = { limit: 100_000, windowMs: 60_000 };
const LABELS = Object.values(FIELD_LABELS);

const suite = useTeamsSuite();
let h: TeamsHarness;

beforeAll(async () => {
  const verifier = createOfflineVerifier({ clientId: canary.clientId, secret: CANARY_SECRET });
  h = await suite.harness({}, generous, { verifier, perWorkspaceLimit: generous });
  const answer = await submitDialog(h, await openDialog(h), accepted());
  expect(answer.status).toBe(200);
  expect(cardText(await finalReport(h))).toContain('HaloPSA is connected');
});

function accepted(): CredentialsForm {
  return { authServer: AUTH_SERVER, clientId: canary.clientId, clientSecret: CANARY_SECRET };
}

const where = (user: UserCase = 'admin'): ActivityOptions => ({
  serviceUrl: h.connector.url,
  user,
  conversation: 'channel',
});

/** Log lines at error level or above: a bug, never the answer to bad input. */
function errorLines(): string[] {
  return h.logLines.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
}

async function expectAlive(): Promise<void> {
  const help = await h.post(messageActivity('help', where()));
  expect(help.status).toBe(200);
  expect(errorLines()).toEqual([]);
}

function expectNo5xx(result: PostResult): void {
  expect(result.status, result.raw.slice(0, 200)).toBeLessThan(500);
}

/** Whether these values could pass every check: then a change in the store is expected. */
function couldConnect(form: CredentialsForm): boolean {
  const normalized = normalizeCredentials(form);
  return (
    normalized.ok &&
    normalized.value.clientId === canary.clientId &&
    normalized.value.clientSecret.reveal() === CANARY_SECRET
  );
}

const fieldValue = (likely: string[]) =>
  fc.option(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...likely) }, anyText), {
    nil: undefined,
  });

const formValues: fc.Arbitrary<CredentialsForm> = fc.record({
  authServer: fieldValue([AUTH_SERVER, 'acme.halopsa.com', `${AUTH_SERVER}/token?tenant=x`]),
  tenant: fieldValue(['acme', '']),
  clientId: fieldValue([canary.clientId, ` ${canary.clientId}\u200b`, CANARY_SECRET]),
  clientSecret: fieldValue([CANARY_SECRET, `"${CANARY_SECRET}"`, CANARY_SECRET.slice(0, 36)]),
});

describe('the credentials dialog, fuzzed', () => {
  it('always answers with the dialog or a message; a refusal writes nothing', async () => {
    const dialog = await openDialog(h);
    await fc.assert(
      fc.asyncProperty(
        formValues,
        fc.constantFrom<UserCase>('admin', 'admin', 'member', 'guest'),
        async (form, user) => {
          const before = await storedCredentials(h.store);
          const answer = await submitDialog(h, dialog, form, { user });
          if (answer.status === 413) {
            // Past the 256 KB body limit: refused before parsing, and nothing written.
            expect(answer.body).toEqual({ error: 'body_too_large' });
            expect(await storedCredentials(h.store)).toEqual(before);
            return;
          }
          expect(answer.status).toBe(200);
          const task = (answer.body as { task: { type: string; value: unknown } }).task;
          expect(['continue', 'message']).toContain(task.type);
          const text = cardText(answer.body) || String(task.value);
          expect(text.length).toBeGreaterThan(0);
          const problems = text
            .split('\n')
            .filter((line) => LABELS.some((l) => line.startsWith(`${l} `)));
          if (task.type === 'continue' && problems.length > 0) {
            expect(await storedCredentials(h.store)).toEqual(before);
          }
          await h.settle();
          if (!couldConnect(form)) expect(await storedCredentials(h.store)).toEqual(before);
        },
      ),
      FUZZ,
    );
    await expectAlive();
    expect((await h.store.getConnection(`teams:${TENANT_ID}`))?.clientId).toBe(canary.clientId);
  });
});

describe('message text, fuzzed', () => {
  it('answers every text with a card, never with a 5xx, and changes no credentials', async () => {
    const stored = await storedCredentials(h.store);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          anyText,
          fc
            .tuple(
              fc.constantFrom('connect', 'status', 'rotate', 'disconnect', 'help', 'halo', '/halo'),
              anyText,
            )
            .map(([word, rest]) => `${word} ${rest}`),
        ),
        fc.constantFrom<UserCase>('admin', 'member', 'guest'),
        async (text, user) => {
          const before = h.connector.calls.length;
          const result = await h.post(messageActivity(text, where(user)));
          expectNo5xx(result);
          if (result.status !== 200) {
            expect(result.body).toEqual({ error: 'body_too_large' });
            return;
          }
          await h.settle();
          const answered = h.connector.calls.slice(before).some((c) => c.kind !== 'member');
          expect(answered, `no answer to ${JSON.stringify(text.slice(0, 80))}`).toBe(true);
        },
      ),
      FUZZ,
    );
    await expectAlive();
    expect(await storedCredentials(h.store)).toEqual(stored);
  });
});

/** Real activities, from every button, the dialog and a typed command, to mutate. */
function realActivities(): unknown[] {
  const state = encodeFormState({ mode: 'rotate', prefill: { authServer: AUTH_SERVER } });
  const clicks = [
    ActionId.GuideNext,
    ActionId.GuideGoto,
    ActionId.Verify,
    ActionId.DisconnectAsk,
    ActionId.DisconnectCancel,
    ActionId.Snooze,
  ].map((action) => cardClick({ action, value: 'agent' }, { ...where(), replyToId: 'card-1' }));
  return [
    ...clicks,
    messageActivity('status', where('member')),
    taskFetch({ action: ActionId.OpenCredentials, value: state }, where()),
    taskFetch({ action: ActionId.Rotate }, where('guest')),
    taskSubmit(
      {
        action: SUBMIT_CREDENTIALS,
        value: state,
        authServer: AUTH_SERVER,
        clientId: canary.clientId,
        clientSecret: 'not-the-secret-0000000000',
      },
      where(),
    ),
  ];
}

describe('activities, fuzzed', () => {
  it('answers arbitrary JSON and mutated real activities without a 5xx', async () => {
    const stored = await storedCredentials(h.store);
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyJson, mutationOf(realActivities())), async (activity) => {
        const result = await h.post(JSON.stringify(activity));
        expectNo5xx(result);
        if ((activity as { type?: unknown } | null)?.type === 'invoke' && result.status === 200) {
          expect(result.raw.length).toBeGreaterThan(0);
        }
      }),
      { ...FUZZ, numRuns: FUZZ.numRuns * 2 },
    );
    await h.settle();
    await expectAlive();
    expect(await storedCredentials(h.store)).toEqual(stored);
  });

  it.each([
    [
      'a value nested 100,000 deep',
      () =>
        JSON.stringify({ ...messageActivity('help', where()), value: '__DEEP__' }).replace(
          '"__DEEP__"',
          deeplyNested(100_000),
        ),
    ],
    [
      'channel data nested 50,000 deep',
      () =>
        JSON.stringify({ ...messageActivity('help', where()), channelData: '__DEEP__' }).replace(
          '"__DEEP__"',
          deeplyNested(50_000),
        ),
    ],
    [
      'dialog data nested 50,000 deep',
      () =>
        JSON.stringify(
          taskSubmit({ action: SUBMIT_CREDENTIALS, authServer: '__DEEP__' }, where()),
        ).replace('"__DEEP__"', deeplyNested(50_000)),
    ],
  ])('answers %s without a 5xx', async (_name, body) => {
    const result = await h.post(body());
    expectNo5xx(result);
    await h.settle();
    await expectAlive();
  });

  it('answers bodies that are not UTF-8 or not JSON without a 5xx', async () => {
    const valid = Buffer.from(JSON.stringify(messageActivity('help', where())));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 2048 }),
          fc
            .tuple(fc.nat({ max: valid.length }), fc.uint8Array({ minLength: 1, maxLength: 8 }))
            .map(([at, bytes]) =>
              Buffer.concat([
                valid.subarray(0, at),
                Buffer.from(bytes).fill(0xff, 0, 1),
                valid.subarray(at),
              ]),
            ),
        ),
        async (bytes) => {
          expectNo5xx(await h.post(bytes));
        },
      ),
      FUZZ,
    );
    await h.settle();
    await expectAlive();
  });
});

describe('what fuzzing found, pinned', () => {
  it('does not echo a secret pasted into the Client ID field back into the dialog', async () => {
    const form = { authServer: AUTH_SERVER, clientId: CANARY_SECRET, clientSecret: CANARY_SECRET };
    const answer = await submitDialog(h, await openDialog(h), form);
    expect(cardText(answer.body)).toContain('Client ID looks like a client secret');
    expect(answer.raw).not.toContain(CANARY_SECRET.slice(0, 36));
  });

  it('refuses a secret pasted into the Authorisation Server, before any lookup', async () => {
    const form = {
      authServer: `https://${CANARY_SECRET}/auth`,
      clientId: canary.clientId,
      clientSecret: CANARY_SECRET,
    };
    const answer = await submitDialog(h, await openDialog(h), form);
    expect(cardText(answer.body)).toContain('Authorisation Server contains the Client Secret');
    expect(answer.raw).not.toContain(CANARY_SECRET.slice(0, 36));
  });

  it.each<[string, () => unknown, number]>([
    ['an invoke without a name', () => ({ ...taskSubmit({}, where()), name: undefined }), 400],
    [
      'an invoke this bot does not offer',
      () => ({ ...taskSubmit({}, where()), name: 'composeExtension/query' }),
      400,
    ],
    [
      'an activity without a channel id',
      () => ({ ...messageActivity('help', where()), channelId: undefined }),
      400,
    ],
    [
      'an activity without a recipient',
      () => ({ ...messageActivity('help', where()), recipient: undefined }),
      400,
    ],
    [
      'a conversation id with a lone surrogate',
      () => {
        const activity = messageActivity('help', where());
        return { ...activity, conversation: { ...activity.conversation, id: 'a:\ud800' } };
      },
      400,
    ],
    [
      'a reply to a card id with a lone surrogate',
      () => ({ ...messageActivity('help', where()), replyToId: '\udfff' }),
      400,
    ],
  ])('answers %s with %i', async (_name, activity, status) => {
    const result = await h.post(activity());
    expect(result.status).toBe(status);
    await expectAlive();
  });

  it('answers a dialog submission that is not from its dialog, in the dialog', async () => {
    const result = await h.post(taskSubmit({ action: 'something.else' }, where()));
    expect(result.body).toEqual({ task: { type: 'message', value: UNKNOWN_DIALOG_ANSWER } });
  });
});

describe('the canary secret typed above', () => {
  it('is in no connector call, log line, HTTP answer or the data file', async () => {
    await h.settle();
    expectNoCanary({
      'Teams calls': h.connector.calls.map((c) => c.raw).join('\n'),
      logs: h.logLines.join('\n'),
      answers: h.answers.join('\n'),
      'data file': await h.storeFile(),
    });
  });
});
