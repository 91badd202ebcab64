import { describe, expect, it } from 'vitest';
import { renderCard } from '../../src/bots/teams/render.js';
import { renderCredentialsDialog } from '../../src/bots/teams/credentials-dialog.js';
import { GUIDE } from '../../src/core/guide.js';
import { ActionId, type Message } from '../../src/core/message.js';
import {
  channelMessage,
  guideMessage,
  helpMessage,
  reportMessage,
  statusMessage,
  verifyingMessage,
} from '../../src/core/messages.js';
import type { VerificationReport } from '../../src/core/report.js';
import type { ConnectionRecord } from '../../src/core/store.js';
import { cardProblems } from './card-check.js';

const failed: VerificationReport = {
  ok: false,
  ms: 812,
  startedAt: '2026-01-01T00:00:00.000Z',
  checks: [
    { id: 'input', status: 'pass', message: 'The form values look right.', ms: 0 },
    { id: 'reachable', status: 'pass', message: 'Halo answered.', ms: 20 },
    {
      id: 'token',
      status: 'fail',
      message: 'Halo refused the client id and secret (invalid_client).',
      fix: 'Copy the `Client ID` again after saving.',
      step: 'application',
      ms: 40,
    },
  ],
};

const record = {
  id: 'teams:t',
  authServer: 'https://acme.halopsa.com/auth',
  clientId: '9f0c3f5e-1d2b-4c6a-8e7f-0a1b2c3d4e5f',
  connectedBy: 'user-1',
  connectedAt: '2026-01-01T00:00:00.000Z',
  rotatedAt: '2026-01-01T00:00:00.000Z',
  rotatedBy: 'user-1',
  rotationDueAt: '2026-04-01T00:00:00.000Z',
  health: 'ok',
} as ConnectionRecord;

const everyMessage: Array<[string, Message]> = [
  ['help', helpMessage('')],
  ...GUIDE.map((s): [string, Message] => [`guide ${s.id}`, guideMessage(s.id)]),
  ['verifying', verifyingMessage(failed.checks)],
  ['report', reportMessage(failed, { mode: 'connect', prefill: {} }, undefined)],
  ['status', statusMessage(record, true)],
  ['not connected', statusMessage(undefined, true)],
  ['channel', channelMessage({ kind: 'started', userId: 'user-1' })],
];

describe('renderCard', () => {
  it.each(everyMessage)(
    'renders %s as a card adaptivecards 1.5 accepts without warnings',
    (_name, message) => {
      expect(cardProblems(renderCard(message, { names: () => 'Ada' }))).toEqual([]);
    },
  );

  it('renders the checklist with one icon per state and the fix under the check', () => {
    const card = JSON.stringify(renderCard(verifyingMessage(failed.checks)));
    expect(card).toContain('✅ Form values');
    expect(card).toContain('❌ Token issued');
    expect(card).toContain('⏳ Read customers');
    expect(card).toContain('**Fix:** Copy the **Client ID** again after saving.');
  });

  it('shows guide progress and Back / Next / enter credentials as submit buttons', () => {
    const card = renderCard(guideMessage('permissions'));
    const actions = card.actions ?? [];
    expect(actions.map((a) => (a.data as { action: string }).action)).toEqual([
      ActionId.GuideBack,
      ActionId.GuideNext,
      ActionId.OpenCredentials,
    ]);
    expect(actions[2]?.data).toMatchObject({ msteams: { type: 'task/fetch' } });
    expect(actions[0]?.data).not.toHaveProperty('msteams');
    const bar = card.body.find((n) => n.type === 'ColumnSet') as unknown as {
      columns: Array<{ style: string }>;
    };
    expect(bar.columns.map((c) => c.style)).toEqual([
      'accent',
      'accent',
      'emphasis',
      'emphasis',
      'emphasis',
    ]);
  });

  it('opens the dialog from Try again and Rotate', () => {
    const report = renderCard(reportMessage(failed, { mode: 'connect', prefill: {} }, undefined));
    const retry = report.actions?.find(
      (a) => (a.data as { action: string }).action === ActionId.RetryCredentials,
    );
    expect(retry?.data).toMatchObject({ msteams: { type: 'task/fetch' } });
    const status = renderCard(statusMessage(record, true));
    const rotate = status.actions?.find(
      (a) => (a.data as { action: string }).action === ActionId.Rotate,
    );
    expect(rotate?.data).toMatchObject({ msteams: { type: 'task/fetch' } });
  });

  it('mentions people it knows by name and names nobody it does not', () => {
    const known = renderCard(channelMessage({ kind: 'started', userId: 'user-1' }), {
      names: () => 'Ada Admin',
    });
    expect(JSON.stringify(known.body)).toContain('<at>Ada Admin</at> started connecting HaloPSA.');
    expect(known.msteams?.entities).toEqual([
      {
        type: 'mention',
        text: '<at>Ada Admin</at>',
        mentioned: { id: 'user-1', name: 'Ada Admin' },
      },
    ]);
    const unknown = renderCard(channelMessage({ kind: 'started', userId: 'user-1' }));
    expect(JSON.stringify(unknown.body)).toContain('a team member started connecting HaloPSA.');
    expect(unknown.msteams?.entities).toBeUndefined();
  });
});

describe('renderCredentialsDialog', () => {
  it('has the four inputs, the secret as a password, problems in red above their field', () => {
    const dialog = renderCredentialsDialog({
      state: { mode: 'connect', prefill: {} },
      values: { authServer: 'https://acme.halopsa.com/auth', clientId: 'not-a-guid' },
      problems: [{ field: 'clientId', message: 'Client ID must be a GUID.' }],
    });
    const body = dialog.card.content.body;
    expect(cardProblems(dialog.card.content)).toEqual([]);
    const inputs = body.filter((n) => n.type === 'Input.Text');
    expect(inputs.map((i) => i.id)).toEqual(['authServer', 'tenant', 'clientId', 'clientSecret']);
    expect(inputs[3]).toMatchObject({ style: 'password', isRequired: true });
    expect(inputs[3]).not.toHaveProperty('value');
    expect(inputs[0]).toMatchObject({ value: 'https://acme.halopsa.com/auth' });
    const problemAt = body.findIndex((n) => n.text === 'Client ID must be a GUID.');
    expect(body[problemAt]).toMatchObject({ color: 'Attention' });
    expect(body.indexOf(inputs[2]!)).toBe(problemAt + 1);
  });
});
