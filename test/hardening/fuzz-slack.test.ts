import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIELD_LABELS, type CredentialsForm, type FieldId } from '../../src/core/credentials.js';
import { ActionId } from '../../src/core/message.js';
import { encodeFormState } from '../../src/core/messages.js';
import { encodeModalMetadata } from '../../src/bots/slack/modal-metadata.js';
import { finalView, type ModalJson } from '../slack/flow.js';
import { SlackHarness, type SlackReply } from '../slack/harness.js';
import {
  ADMIN,
  buttonClick,
  CHANNEL,
  credentialsSubmission,
  encodeInteraction,
  GUEST,
  MEMBER,
  signatureHeaders,
  TEAM,
} from '../slack/payloads.js';
import { CANARY_SECRET, canaryScenario, expectNoCanary } from './canary.js';
import { anyJson, anyText, deeplyNested, FUZZ, mutationOf } from './fuzz-values.js';
import { createOfflineVerifier } from './offline-verifier.js';
import { storedCredentials } from './stored-credentials.js';

/**
 * Property-based tests over everything Slack can send the bot: the credentials form, the
 * slash command's text, interaction payloads (arbitrary and mutated from real ones) and raw
 * bytes. Never a 5xx, never an error logged, always an answer, and the stored credentials
 * are what they were unless valid credentials were verified.
 */

const CONNECTION = `slack:${TEAM}`;
const FIELDS = Object.keys(FIELD_LABELS) as FieldId[];
const canary = canaryScenario('valid');
const AUTH_SERVER = 'https://acme.halopsa.com/auth';
const generous = { limit: 100_000, windowMs: 60_000 };

let h: SlackHarness;
let views = 0;

beforeAll(async () => {
  const verifier = createOfflineVerifier({ clientId: canary.clientId, secret: CANARY_SECRET });
  h = await SlackHarness.start({ verifier, perUserLimit: generous, perWorkspaceLimit: generous });
  h.fake.users.set(ADMIN, { is_admin: true });
  h.fake.users.set(GUEST, { is_restricted: true });
  const reply = await submit(
    { authServer: AUTH_SERVER, clientId: canary.clientId, clientSecret: CANARY_SECRET },
    'connect',
    ADMIN,
  );
  expect((await finalView(h, reply.viewId)).title.text).toBe('Connected');
});

afterAll(async () => {
  await h.close();
});

/** Submits the credentials form of a fresh modal; answers the ack and the view id. */
async function submit(form: CredentialsForm, mode: 'connect' | 'rotate', user: string) {
  views += 1;
  const viewId = `VFUZZ${views}`;
  const privateMetadata = encodeModalMetadata({ channelId: CHANNEL, mode });
  const payload = credentialsSubmission(
    { id: viewId, hash: `h${views}`, privateMetadata },
    form,
    user,
  );
  const reply = await h.interact(payload);
  return { ...reply, viewId, bytes: Buffer.byteLength(encodeInteraction(payload).body) };
}

/** Log lines at error level or above: a bug, never the answer to bad input. */
function errorLines(): string[] {
  return h.logLines.filter((line) => (JSON.parse(line) as { level: number }).level >= 50);
}

/** After any input: the bot still answers a plain command. */
async function expectAlive(): Promise<void> {
  const help = await h.command('help', 'alive').reply;
  expect(help.status).toBe(200);
  expect(errorLines()).toEqual([]);
}

function expect4xxOrOk(reply: SlackReply): void {
  expect(reply.status, reply.raw.slice(0, 200)).toBeLessThan(500);
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

describe('the credentials form, fuzzed', () => {
  it('always answers under the fields or with a view; a refusal writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        formValues,
        fc.constantFrom('connect', 'rotate' as const),
        fc.constantFrom(ADMIN, ADMIN, ADMIN, MEMBER, GUEST),
        async (form, mode, user) => {
          const before = { file: await h.storeFile(), stored: await storedCredentials(h.store) };
          const reply = await submit(form, mode, user);
          if (reply.status === 413) {
            // Past the 1 MiB body limit: refused before parsing, and nothing written.
            expect(reply.bytes).toBeGreaterThan(1024 * 1024);
            expect(await h.storeFile()).toBe(before.file);
            return;
          }
          expect(reply.status).toBe(200);
          const body = reply.body as {
            response_action: string;
            errors?: Record<string, string>;
            view?: ModalJson;
          };
          if (body.response_action === 'errors') {
            for (const [field, message] of Object.entries(body.errors ?? {})) {
              expect(FIELDS).toContain(field);
              expect(message.startsWith(`${FIELD_LABELS[field as FieldId]} `)).toBe(true);
            }
            await h.settle();
            expect(await h.storeFile()).toBe(before.file);
            return;
          }
          expect(body.response_action).toBe('update');
          expect(body.view?.title.text).toBeTruthy();
          await h.settle();
          const updates = h.fake
            .callsOf('views.update')
            .filter((c) => c.params.view_id === reply.viewId);
          const final = (updates.at(-1)?.params.view ?? body.view) as ModalJson;
          if (final.title.text !== 'Connected') {
            expect(await storedCredentials(h.store)).toEqual(before.stored);
          }
        },
      ),
      FUZZ,
    );
    await expectAlive();
    expect((await h.store.getConnection(CONNECTION))?.clientId).toBe(canary.clientId);
  });
});

describe('the slash command text, fuzzed', () => {
  it('answers every text, never with a 5xx, and changes no credentials', async () => {
    const stored = await storedCredentials(h.store);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          anyText,
          fc
            .tuple(
              fc.constantFrom('connect', 'status', 'verify', 'rotate', 'disconnect', 'help'),
              anyText,
            )
            .map(([word, rest]) => `${word} ${rest}`),
        ),
        fc.constantFrom(ADMIN, MEMBER, GUEST),
        async (text, user) => {
          const id = `fuzz-${(n += 1)}`;
          const calls = h.fake.calls.length;
          const reply = await h.command(text, id, user).reply;
          expect4xxOrOk(reply);
          if (reply.status !== 200) {
            expect(reply.status).toBe(400);
            return;
          }
          await h.settle();
          const answered =
            reply.raw.length > 0 ||
            h.fake.responsesTo(id).length > 0 ||
            h.fake.calls.slice(calls).some((c) => c.method === 'views.open');
          expect(answered, `no answer to ${JSON.stringify(text.slice(0, 80))}`).toBe(true);
        },
      ),
      FUZZ,
    );
    await expectAlive();
    expect(await storedCredentials(h.store)).toEqual(stored);
  });
});

/** Real payloads, from every button and the form, that mutations start from. */
function realPayloads(): unknown[] {
  const message = { kind: 'message' as const, responseUrl: h.fake.responseUrl('mutated') };
  const modal = {
    kind: 'modal' as const,
    viewId: 'VMUTATED',
    privateMetadata: encodeModalMetadata({ channelId: CHANNEL, mode: 'rotate' }),
  };
  const state = encodeFormState({ mode: 'rotate', prefill: { authServer: AUTH_SERVER } });
  const clicks = [
    buttonClick(ActionId.GuideNext, 'agent', message),
    buttonClick(ActionId.GuideGoto, 'scopes', modal),
    buttonClick(ActionId.OpenCredentials, state, message),
    buttonClick(ActionId.RetryCredentials, state, modal),
    buttonClick(ActionId.Rotate, undefined, { kind: 'home' }),
    buttonClick(ActionId.Verify, undefined, message, MEMBER),
    buttonClick(ActionId.DisconnectAsk, undefined, message),
    buttonClick(ActionId.DisconnectCancel, undefined, message),
    buttonClick(ActionId.Snooze, '1:2030-01-01T00:00:00.000Z', message, MEMBER),
  ];
  const form = credentialsSubmission(
    { id: 'VMUTATED', hash: 'h-mutated', privateMetadata: modal.privateMetadata },
    {
      authServer: AUTH_SERVER,
      clientId: canary.clientId,
      clientSecret: 'not-the-secret-0000000000',
    },
  );
  return [...clicks, form];
}

describe('interaction payloads, fuzzed', () => {
  it('answers arbitrary JSON and mutated real payloads with 200 or 400', async () => {
    const stored = await storedCredentials(h.store);
    await fc.assert(
      fc.asyncProperty(fc.oneof(anyJson, mutationOf(realPayloads())), async (payload) => {
        const reply = await h.interact(payload);
        expect([200, 400], reply.raw.slice(0, 200)).toContain(reply.status);
      }),
      { ...FUZZ, numRuns: FUZZ.numRuns * 2 },
    );
    await h.settle();
    await expectAlive();
    expect(await storedCredentials(h.store)).toEqual(stored);
  });

  it.each([
    ['a value nested 100,000 deep', `{"type":"block_actions","nested":${deeplyNested(100_000)}}`],
    [
      'an action value nested 50,000 deep',
      JSON.stringify({
        ...buttonClick(ActionId.GuideNext, 'agent', { kind: 'home' }),
        actions: '__DEEP__',
      }).replace('"__DEEP__"', `[{"action_id":"guide.next","value":${deeplyNested(50_000)}}]`),
    ],
    [
      'a view state nested 50,000 deep',
      '{"type":"view_submission","user":{"id":"U1"},"view":{"id":"V1","state":{"values":' +
        `${deeplyNested(50_000)}}}}`,
    ],
  ])('answers %s with 200 or 400', async (_name, json) => {
    const reply = await h.send({
      body: new URLSearchParams({ payload: json }).toString(),
      contentType: 'application/x-www-form-urlencoded',
    });
    expect([200, 400]).toContain(reply.status);
    await h.settle();
    await expectAlive();
  });
});

describe('raw bytes, fuzzed', () => {
  it('answers bodies that are not UTF-8, signed over their bytes, without a 5xx', async () => {
    const valid = encodeInteraction(realPayloads()[0]).body;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 2048 }),
          fc
            .tuple(fc.nat({ max: valid.length }), fc.uint8Array({ minLength: 1, maxLength: 8 }))
            .map(([at, bytes]) => {
              const text = Buffer.from(valid);
              return Buffer.concat([
                text.subarray(0, at),
                Buffer.from(bytes).fill(0xff, 0, 1),
                text.subarray(at),
              ]);
            }),
        ),
        fc.constantFrom(
          'application/x-www-form-urlencoded',
          'application/json',
          'application/json; charset=latin1',
          'text/plain',
          '',
        ),
        async (bytes, contentType) => {
          const reply = await h.send({ body: bytes, contentType });
          expect([200, 400], reply.raw.slice(0, 200)).toContain(reply.status);
        },
      ),
      FUZZ,
    );
    await h.settle();
    await expectAlive();
  });
});

describe('what fuzzing found, pinned', () => {
  const form = () => {
    const privateMetadata = encodeModalMetadata({ channelId: CHANNEL, mode: 'connect' });
    return credentialsSubmission({ id: 'VPINNED', hash: 'h-pinned', privateMetadata }, {});
  };

  it('answers a form submission without a state with the field errors', async () => {
    const { state: _state, ...view } = form().view;
    const reply = await h.interact({ ...form(), view });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ response_action: 'errors' });
    await expectAlive();
  });

  it('answers a view submission without a callback id with 400', async () => {
    const { callback_id: _id, ...view } = form().view;
    const reply = await h.interact({ ...form(), view });
    expect(reply).toMatchObject({ status: 400, raw: 'malformed view_submission' });
    await expectAlive();
  });
});

describe('a body that is not UTF-8', () => {
  it('is refused as unreadable (400), not as forged, when it is correctly signed', async () => {
    const body = Buffer.concat([
      Buffer.from(encodeInteraction(realPayloads()[0]).body.slice(0, 40)),
      Buffer.from([0xc3, 0x28, 0xff]),
    ]);
    const reply = await h.send({ body, contentType: 'application/x-www-form-urlencoded' });
    expect(reply).toMatchObject({ status: 400, raw: 'body is not UTF-8' });
    const forged = await h.send(
      { body, contentType: 'application/x-www-form-urlencoded' },
      { sign: false, headers: signatureHeaders('another-signing-secret', body) },
    );
    expect(forged.status).toBe(401);
  });
});

describe('the canary secret typed above', () => {
  it('is in no Slack call, log line, HTTP answer or the data file', async () => {
    await h.settle();
    expectNoCanary({
      'Slack calls': h.fake.transcript(),
      logs: h.logLines.join('\n'),
      answers: h.answers.join('\n'),
      'data file': await h.storeFile(),
    });
  });
});
