import { CHECK_IDS, firstFailure, type CheckResult, type VerificationReport } from './report.js';
import { CHECK_LABELS } from './check-labels.js';
import { GUIDE, guideStep, type StepId } from './guide.js';
import { ActionId, type Action, type ChecklistItem, type Message } from './message.js';
import type { ConnectionRecord } from './store.js';
import type { ManageDecision } from './policy.js';
import type { CredentialsForm } from './credentials.js';

export type FormMode = 'connect' | 'rotate';

/** What a "Try again" or "Rotate" button carries: the non-secret fields only. */
export interface FormState {
  mode: FormMode;
  prefill: Omit<CredentialsForm, 'clientSecret'>;
}

export function encodeFormState(state: FormState): string {
  return JSON.stringify(state);
}

/** A prefilled value from a form state: a string, cut to a sane length, or nothing. */
function prefillText(value: unknown): string | undefined {
  return typeof value === 'string' ? value.slice(0, 500) : undefined;
}

export function decodeFormState(value: string | undefined): FormState {
  try {
    const parsed = JSON.parse(value ?? '') as Partial<FormState>;
    const p = (parsed.prefill ?? {}) as Record<string, unknown>;
    return {
      mode: parsed.mode === 'rotate' ? 'rotate' : 'connect',
      prefill: {
        authServer: prefillText(p.authServer),
        tenant: prefillText(p.tenant),
        clientId: prefillText(p.clientId),
      },
    };
  } catch {
    return { mode: 'connect', prefill: {} };
  }
}

export function day(iso: string | Date): string {
  return new Date(iso).toISOString().slice(0, 10);
}

const COMMANDS = [
  '`connect`: step-by-step HaloPSA setup, then the private credentials form',
  '`status`: the current connection and the next rotation date',
  '`verify`: re-run every check on the stored credentials',
  '`rotate`: enter a new client secret (verified before it replaces the old one)',
  '`disconnect`: remove the stored credentials (asks first)',
  '`help`: this list',
];

export function helpMessage(prefix: string): Message {
  return {
    title: 'HaloPSA connection',
    severity: 'info',
    summary: 'Commands for connecting HaloPSA to Cloud Depot',
    sections: [
      {
        text: 'I connect your HaloPSA to Cloud Depot: I walk you through the Halo setup, check the credentials against Halo, keep them encrypted and remind you when the secret is due for rotation.',
      },
      {
        heading: 'Commands',
        checklist: COMMANDS.map((c) => ({ label: `${prefix}${c}`, state: 'todo' })),
      },
    ],
  };
}

export function guideMessage(id: StepId): Message {
  const step = guideStep(id);
  const actions: Action[] = [];
  if (step.number > 1) actions.push({ id: ActionId.GuideBack, label: 'Back', value: id });
  if (step.number < GUIDE.length) {
    actions.push({ id: ActionId.GuideNext, label: 'Next', value: id, style: 'primary' });
  }
  actions.push({
    id: ActionId.OpenCredentials,
    label:
      step.id === 'credentials' ? 'Enter credentials' : 'I did this already: enter credentials',
    value: encodeFormState({ mode: 'connect', prefill: {} }),
    style: step.id === 'credentials' ? 'primary' : undefined,
  });
  return {
    title: `Step ${step.number} of ${GUIDE.length}`,
    severity: 'info',
    summary: `Step ${step.number} of ${GUIDE.length}: ${step.title}`,
    progress: { current: step.number, total: GUIDE.length },
    sections: [
      { heading: step.title, text: `**Where:** ${step.where}` },
      { checklist: step.checklist.map((label) => ({ label, state: 'todo' as const })) },
      ...(step.note ? [{ text: `Note: ${step.note}` }] : []),
    ],
    actions,
  };
}

export function deniedMessage(decision: ManageDecision, adminUserIds: readonly string[]): Message {
  const who =
    decision.allowed || decision.reason === 'guest'
      ? 'Guests cannot change the HaloPSA connection.'
      : 'Only workspace admins and owners, and the people the bot operator allow-listed, can connect, rotate or disconnect HaloPSA.';
  const list = adminUserIds.length ? ` Allow-listed: ${adminUserIds.length} people.` : '';
  return {
    title: 'Not allowed',
    severity: 'warning',
    summary: who,
    sections: [{ text: `${who}${list} Ask one of them, or use \`status\` to see the connection.` }],
  };
}

export function rateLimitedMessage(retryMs: number): Message {
  const minutes = Math.max(1, Math.ceil(retryMs / 60_000));
  return {
    title: 'Too many attempts',
    severity: 'warning',
    summary: `Too many verification attempts; try again in ${minutes} min.`,
    sections: [
      {
        text: `There were too many verification attempts in a short time. Try again in about ${minutes} minute${minutes === 1 ? '' : 's'}.`,
      },
    ],
  };
}

function checkItem(check: CheckResult): ChecklistItem {
  const parts = [check.message];
  if (check.fix) parts.push(`**Fix:** ${check.fix}`);
  if (check.step)
    parts.push(`(guide step ${guideStep(check.step).number}: ${guideStep(check.step).title})`);
  return { label: CHECK_LABELS[check.id], state: check.status, detail: parts.join(' ') };
}

/** The live view while checks complete: done ones with their outcome, the rest running. */
export function verifyingMessage(done: readonly CheckResult[]): Message {
  // The first view of every verification is the same: built once, frozen, shared.
  if (done.length === 0) return (NOTHING_DONE_YET ??= deepFreeze(buildVerifying([])));
  return buildVerifying(done);
}

let NOTHING_DONE_YET: Message | undefined;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function buildVerifying(done: readonly CheckResult[]): Message {
  const byId = new Map(done.map((c) => [c.id, c]));
  return {
    title: 'Verifying…',
    severity: 'info',
    summary: 'Checking the credentials against HaloPSA',
    sections: [
      {
        text: 'Checking the credentials against your HaloPSA. Nothing is stored until every check passes.',
      },
      {
        checklist: CHECK_IDS.map((id) => {
          const c = byId.get(id);
          return c ? checkItem(c) : { label: CHECK_LABELS[id], state: 'running' as const };
        }),
      },
    ],
  };
}

/** The report the person who submitted sees, with Try again and the guide step to fix. */
export function reportMessage(
  report: VerificationReport,
  state: FormState,
  stored: { rotationDueAt: string } | undefined,
  retiringClientId?: string,
): Message {
  const failing = firstFailure(report);
  const warnings = report.checks.filter((c) => c.status === 'warn');
  const actions: Action[] = [];
  if (!report.ok) {
    actions.push({
      id: ActionId.RetryCredentials,
      label: 'Try again',
      value: encodeFormState(state),
      style: 'primary',
    });
    if (failing?.step) {
      actions.push({
        id: ActionId.GuideGoto,
        label: `Open guide at step ${guideStep(failing.step).number}`,
        value: failing.step,
      });
    }
  }
  const headline = report.ok
    ? state.mode === 'rotate'
      ? 'The new credentials work and now replace the old ones.'
      : 'HaloPSA is connected. The credentials are stored encrypted.'
    : `Not connected: **${CHECK_LABELS[failing?.id ?? 'token']}** failed. Nothing was stored${state.mode === 'rotate' ? ' and the old credentials stay in force' : ''}.`;
  return {
    title: report.ok ? 'Connected' : 'Check failed',
    severity: report.ok ? (warnings.length ? 'warning' : 'success') : 'error',
    summary: headline.replace(/\*\*/g, ''),
    sections: [
      { text: headline },
      ...(stored
        ? [{ fields: [{ label: 'Next rotation due', value: day(stored.rotationDueAt) }] }]
        : []),
      ...(retiringClientId
        ? [
            {
              text: `Now delete the old application (Client ID \`${retiringClientId}\`) in Halo: Configuration › Integrations › HaloPSA API › View Applications. I will confirm here once Halo no longer accepts it.`,
            },
          ]
        : []),
      { checklist: report.checks.map(checkItem) },
    ],
    actions,
    context: `Checked in ${(report.ms / 1000).toFixed(1)} s`,
  };
}

export type ChannelEvent =
  | { kind: 'started'; userId: string }
  | { kind: 'connected'; userId: string; record: ConnectionRecord; report: VerificationReport }
  | { kind: 'failed'; userId: string; check: CheckResult | undefined; mode: FormMode }
  | { kind: 'rotated'; userId: string; record: ConnectionRecord }
  | { kind: 'verified'; userId: string; report: VerificationReport }
  | { kind: 'disconnected'; userId: string };

/** What the channel sees: who did what, never a secret, no detail that helps an attacker. */
export function channelMessage(event: ChannelEvent): Message {
  const who = `<@${event.userId}>`;
  switch (event.kind) {
    case 'started':
      return simple('Connection started', 'info', `${who} started connecting HaloPSA.`);
    case 'connected': {
      const passed = event.report.checks
        .filter((c) => c.status === 'pass')
        .map((c) => CHECK_LABELS[c.id]);
      return {
        ...simple(
          'HaloPSA connected',
          'success',
          `${who} connected HaloPSA and every check passed.`,
        ),
        sections: [
          { text: `${who} connected HaloPSA and every required check passed.` },
          {
            fields: [
              { label: 'Halo', value: new URL(event.record.authServer).host },
              { label: 'Next rotation due', value: day(event.record.rotationDueAt) },
            ],
          },
          { checklist: passed.map((label) => ({ label, state: 'pass' as const })) },
        ],
      };
    }
    case 'failed':
      return simple(
        event.mode === 'rotate' ? 'Rotation failed' : 'Connection failed',
        'error',
        `${who}'s ${event.mode === 'rotate' ? 'rotation' : 'connection'} attempt failed at the check "${CHECK_LABELS[event.check?.id ?? 'token']}". Nothing was changed.`,
      );
    case 'rotated':
      return simple(
        'Secret rotated',
        'success',
        `${who} rotated the HaloPSA client secret. Next rotation due ${day(event.record.rotationDueAt)}.`,
      );
    case 'verified':
      return simple(
        event.report.ok ? 'Verified' : 'Verification failed',
        event.report.ok ? 'success' : 'error',
        event.report.ok
          ? `${who} re-checked the HaloPSA connection: every check passed.`
          : `${who} re-checked the HaloPSA connection: "${CHECK_LABELS[firstFailure(event.report)?.id ?? 'token']}" failed.`,
      );
    case 'disconnected':
      return simple(
        'HaloPSA disconnected',
        'warning',
        `${who} disconnected HaloPSA. The stored credentials were removed.`,
      );
  }
}

export function simple(title: string, severity: Message['severity'], text: string): Message {
  return { title, severity, summary: text.replace(/<@[^>]+>/g, 'Someone'), sections: [{ text }] };
}

export function statusMessage(record: ConnectionRecord | undefined, canManage: boolean): Message {
  if (!record) {
    return {
      ...simple('Not connected', 'info', 'HaloPSA is not connected yet. Run `connect` to start.'),
      actions: canManage
        ? [{ id: ActionId.GuideGoto, label: 'Start the guide', value: 'agent', style: 'primary' }]
        : [],
    };
  }
  const failing = record.health === 'failing';
  const actions: Action[] = [{ id: ActionId.Verify, label: 'Verify now' }];
  if (canManage) {
    actions.push({
      id: ActionId.Rotate,
      label: 'Rotate secret',
      value: encodeFormState({
        mode: 'rotate',
        prefill: {
          authServer: record.authServer,
          tenant: record.tenant,
          clientId: record.clientId,
        },
      }),
    });
    actions.push({ id: ActionId.DisconnectAsk, label: 'Disconnect', style: 'danger' });
  }
  return {
    title: failing ? 'Connection failing' : 'Connected',
    severity: failing ? 'error' : 'success',
    summary: failing ? 'The stored HaloPSA credentials stopped working.' : 'HaloPSA is connected.',
    sections: [
      {
        fields: [
          { label: 'Halo instance', value: new URL(record.authServer).host },
          ...(record.tenant ? [{ label: 'Tenant', value: record.tenant }] : []),
          { label: 'Client ID', value: record.clientId },
          { label: 'Agent', value: record.agentName ?? 'unknown' },
          { label: 'Connected', value: `${day(record.connectedAt)} by <@${record.connectedBy}>` },
          { label: 'Last rotated', value: `${day(record.rotatedAt)} by <@${record.rotatedBy}>` },
          { label: 'Next rotation due', value: day(record.rotationDueAt) },
          ...(record.retiring
            ? [
                {
                  label: 'Old application',
                  value: `Client ID ${record.retiring.clientId}: delete it in Halo; I confirm here once Halo refuses it`,
                },
              ]
            : []),
          {
            label: 'Last verified',
            value: record.lastVerifiedAt ? day(record.lastVerifiedAt) : 'never',
          },
        ],
      },
    ],
    actions,
  };
}

export function disconnectConfirmMessage(): Message {
  return {
    ...simple(
      'Disconnect HaloPSA?',
      'warning',
      'This removes the stored client secret. Cloud Depot stops receiving HaloPSA data until someone connects again. The audit trail is kept.',
    ),
    actions: [
      { id: ActionId.DisconnectConfirm, label: 'Disconnect', style: 'danger' },
      { id: ActionId.DisconnectCancel, label: 'Cancel' },
    ],
  };
}

export function notInChannelMessage(): Message {
  return simple(
    'Bot not in channel',
    'warning',
    'I could not post the status in this channel because I am not a member. Invite me with `/invite @halo-connect` (or add the app in the channel settings), then run the command again.',
  );
}
