/**
 * The neutral message model. The core writes every word a user reads as one of these; the
 * Slack adapter renders it as Block Kit, the Teams adapter as an Adaptive Card 1.5.
 *
 * Text uses a tiny markup both renderers understand: `**bold**`, `` `code` `` and
 * `<url|label>` links. Nothing else.
 */
export type Severity = 'info' | 'success' | 'warning' | 'error';

export type ChecklistState = 'todo' | 'pass' | 'fail' | 'warn' | 'skipped' | 'running';

export interface ChecklistItem {
  label: string;
  state: ChecklistState;
  /** Shown under the label: a fix, a hint, a value to copy. */
  detail?: string;
}

export interface Field {
  label: string;
  value: string;
}

export interface Section {
  heading?: string;
  text?: string;
  fields?: Field[];
  checklist?: ChecklistItem[];
}

/**
 * Every action id the core emits. Adapters map a click back to the core by this id and the
 * `value`; a value never carries a secret.
 */
export const ActionId = {
  GuideNext: 'guide.next',
  GuideBack: 'guide.back',
  GuideGoto: 'guide.goto',
  OpenCredentials: 'credentials.open',
  RetryCredentials: 'credentials.retry',
  Verify: 'connection.verify',
  Rotate: 'connection.rotate',
  DisconnectAsk: 'connection.disconnect',
  DisconnectConfirm: 'connection.disconnect.confirm',
  DisconnectCancel: 'connection.disconnect.cancel',
  Snooze: 'reminder.snooze',
} as const;

export type ActionId = (typeof ActionId)[keyof typeof ActionId];

export interface Action {
  id: ActionId;
  label: string;
  /** Opaque to the adapter: a step id, a snooze length, a form state token. */
  value?: string;
  style?: 'primary' | 'danger';
}

export interface Message {
  /** At most 24 characters, so a Slack modal title never truncates it. */
  title: string;
  severity: Severity;
  /** Plain-text summary for notifications and screen readers. */
  summary: string;
  progress?: { current: number; total: number };
  sections: Section[];
  actions?: Action[];
  /** A small footer line. */
  context?: string;
}
