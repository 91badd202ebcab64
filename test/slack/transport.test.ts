import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SIGNING_SECRET, SlackHarness } from './harness.js';
import {
  appHomeOpened,
  buttonClick,
  encodeCommand,
  encodeInteraction,
  signatureHeaders,
  slashCommand,
} from './payloads.js';

let h: SlackHarness;

beforeAll(async () => {
  h = await SlackHarness.start();
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await h.settle();
  h.fake.reset();
});

const json = (body: string) => ({ body, contentType: 'application/json' });

describe('Slack request checks', () => {
  it('refuses a bad signature with 401 and runs no handler', async () => {
    const command = encodeCommand(slashCommand('status', h.fake.responseUrl('bad')));
    const reply = await h.send(command, {
      sign: false,
      headers: {
        'x-slack-signature': `v0=${'0'.repeat(64)}`,
        'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)),
      },
    });
    expect(reply.status).toBe(401);
    await h.settle();
    expect(h.fake.calls).toEqual([]);
  });

  it('refuses a request without signature headers with 401', async () => {
    const reply = await h.send(encodeCommand(slashCommand('status', h.fake.responseUrl('none'))), {
      sign: false,
    });
    expect(reply.status).toBe(401);
    await h.settle();
    expect(h.fake.calls).toEqual([]);
  });

  it('refuses a correctly signed but stale request (older than 5 minutes) with 401', async () => {
    const reply = await h.send(encodeCommand(slashCommand('status', h.fake.responseUrl('old'))), {
      timestampSeconds: Math.floor(Date.now() / 1000) - 6 * 60,
    });
    expect(reply.status).toBe(401);
    await h.settle();
    expect(h.fake.calls).toEqual([]);
  });

  it('refuses a timestamp more than 5 minutes in the future with 401', async () => {
    const reply = await h.send(
      encodeCommand(slashCommand('status', h.fake.responseUrl('future'))),
      {
        timestampSeconds: Math.floor(Date.now() / 1000) + 6 * 60,
      },
    );
    expect(reply.status).toBe(401);
  });

  it('refuses a body signed for a different content (tampered) with 401', async () => {
    const command = encodeCommand(slashCommand('status', h.fake.responseUrl('t')));
    const headers = signatureHeaders(SIGNING_SECRET, command.body);
    const reply = await h.send(
      { ...command, body: command.body.replace('status', 'connect') },
      { sign: false, headers },
    );
    expect(reply.status).toBe(401);
  });

  it.each([
    ['JSON null', json('null')],
    ['JSON array', json('[]')],
    ['JSON number', json('42')],
    [
      'form payload=null',
      { body: 'payload=null', contentType: 'application/x-www-form-urlencoded' },
    ],
    [
      'form payload that is not JSON',
      { body: 'payload=%7Bnope', contentType: 'application/x-www-form-urlencoded' },
    ],
    [
      'block actions without actions',
      encodeInteraction({ type: 'block_actions', user: { id: 'U1' } }),
    ],
    ['an event whose event is null', json('{"type":"event_callback","event":null}')],
    [
      'app_home_opened with a null user',
      json('{"type":"event_callback","event":{"type":"app_home_opened","user":null}}'),
    ],
    [
      'a view submission without a view',
      encodeInteraction({ type: 'view_submission', user: { id: 'U1' } }),
    ],
    ['an unsupported content type', { body: 'x', contentType: 'text/plain' }],
  ])('answers a signed but unusable body (%s) with 400 and stays alive', async (_name, body) => {
    const reply = await h.send(body);
    expect(reply.status).toBe(400);
    const after = h.command('help', 'alive');
    expect((await after.reply).status).toBe(200);
  });

  it('answers url_verification with the challenge', async () => {
    const reply = await h.send(
      json('{"type":"url_verification","challenge":"abc123","token":"t"}'),
    );
    expect(reply).toMatchObject({ status: 200, body: { challenge: 'abc123' } });
  });

  it('acknowledges events it does not handle without calling Slack', async () => {
    const reply = await h.send(
      json(
        JSON.stringify({
          type: 'event_callback',
          team_id: 'T0001',
          event: { type: 'reaction_added', item: 'x' },
        }),
      ),
    );
    expect(reply.status).toBe(200);
    await h.settle();
    expect(h.fake.calls).toEqual([]);
  });

  it('acknowledges an unknown button without doing anything', async () => {
    const click = buttonClick('something.else', 'v', {
      kind: 'message',
      responseUrl: h.fake.responseUrl('u'),
    });
    const reply = await h.interact(click);
    expect(reply.status).toBe(200);
    await h.settle();
    expect(h.fake.calls).toEqual([]);
  });

  it('publishes App Home when the Home tab opens', async () => {
    const reply = await h.event(appHomeOpened());
    expect(reply.status).toBe(200);
    const publish = await h.fake.waitFor('views.publish', () => h.fake.callsOf('views.publish')[0]);
    expect(JSON.stringify(publish.params.view)).toContain('Not connected');
  });
});
