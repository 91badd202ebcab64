import type { types } from '@slack/bolt';
import type {
  Action,
  ChecklistItem,
  ChecklistState,
  Field,
  Message,
  Section,
  Severity,
} from '../../core/message.js';
import { toMrkdwn, truncate } from './mrkdwn.js';

type Block = types.KnownBlock;

/** Block Kit limits this renderer keeps to (Slack's reference, "Block Kit limits"). */
export const SLACK_LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  fieldText: 2000,
  fieldsPerSection: 10,
  headerText: 150,
  buttonText: 75,
  buttonValue: 2000,
  actionsPerBlock: 25,
  modalTitle: 24,
  notificationText: 3000,
} as const;

const STATE_EMOJI: Record<ChecklistState, string> = {
  pass: '✅',
  fail: '❌',
  warn: '⚠️',
  skipped: '⏭️',
  running: '⏳',
  todo: '⬜',
};

const SEVERITY_EMOJI: Record<Severity, string> = {
  info: '',
  success: '✅ ',
  warning: '⚠️ ',
  error: '❌ ',
};

/** What `chat.postMessage`, `chat.update` and a `response_url` take: fallback text and blocks. */
export interface RenderedMessage {
  text: string;
  blocks: Block[];
}

/** Renders a core message for a channel, a DM or an ephemeral reply (at most 50 blocks). */
export function renderMessage(message: Message): RenderedMessage {
  return {
    text: truncate(message.summary, SLACK_LIMITS.notificationText),
    blocks: renderBlocks(message, SLACK_LIMITS.messageBlocks, [headerBlock(message)]),
  };
}

/** The options a modal view needs besides the message. */
export interface ModalOptions {
  callbackId: string;
  privateMetadata?: string;
  /** Label of the submit button; only for views with input blocks. */
  submit?: string;
  close?: string;
}

/**
 * Renders a core message as a modal view; the title is the modal's title (24 characters), so
 * no header block repeats it.
 */
export function renderModal(message: Message, options: ModalOptions): types.ModalView {
  return {
    type: 'modal',
    callback_id: options.callbackId,
    title: plain(truncate(message.title, SLACK_LIMITS.modalTitle)),
    close: plain(truncate(options.close ?? 'Close', SLACK_LIMITS.modalTitle)),
    ...(options.submit ? { submit: plain(truncate(options.submit, SLACK_LIMITS.modalTitle)) } : {}),
    ...(options.privateMetadata ? { private_metadata: options.privateMetadata } : {}),
    blocks: renderBlocks(message, SLACK_LIMITS.viewBlocks, []),
  };
}

/** Renders a core message as the App Home tab. */
export function renderHome(message: Message): types.HomeView {
  return {
    type: 'home',
    blocks: renderBlocks(message, SLACK_LIMITS.viewBlocks, [headerBlock(message)]),
  };
}

/** A plain-text object, as titles, labels and button texts need. */
export function plain(text: string): types.PlainTextElement {
  return { type: 'plain_text', text, emoji: true };
}

/** A section with mrkdwn text, cut to the section limit. */
export function mrkdwnSection(text: string): types.SectionBlock {
  return {
    type: 'section',
    text: { type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText) },
  };
}

function renderBlocks(message: Message, limit: number, lead: Block[]): Block[] {
  const body: Block[] = [...lead];
  if (message.progress) body.push(progressBlock(message.progress));
  for (const section of message.sections) body.push(...sectionBlocks(section));
  if (message.context) body.push(contextBlock(message.context));
  const actions = actionBlocks(message.actions ?? []);
  const room = limit - actions.length;
  if (body.length > room) {
    // Note: cut the body, never the buttons: a truncated report must still offer "Try again".
    body.splice(room - 1, body.length, contextBlock('(More was cut to fit Slack’s limits.)'));
  }
  return [...body, ...actions];
}

function headerBlock(message: Message): Block {
  const title = `${SEVERITY_EMOJI[message.severity]}${message.title}`;
  return { type: 'header', text: plain(truncate(title, SLACK_LIMITS.headerText)) };
}

function progressBlock(progress: { current: number; total: number }): Block {
  const total = Math.max(1, Math.min(progress.total, 20));
  const current = Math.max(0, Math.min(progress.current, total));
  const bar = '●'.repeat(current) + '○'.repeat(total - current);
  return contextBlock(`Step ${progress.current} of ${progress.total}   ${bar}`);
}

function sectionBlocks(section: Section): Block[] {
  const blocks: Block[] = [];
  const heading = section.heading ? `*${toMrkdwn(section.heading)}*` : undefined;
  const text = section.text ? toMrkdwn(section.text) : undefined;
  const lead = [heading, text].filter((part): part is string => Boolean(part)).join('\n');
  for (const chunk of chunkLines(lead ? [lead] : [], SLACK_LIMITS.sectionText)) {
    blocks.push(mrkdwnSection(chunk));
  }
  for (let i = 0; i < (section.fields?.length ?? 0); i += SLACK_LIMITS.fieldsPerSection) {
    const fields = section.fields!.slice(i, i + SLACK_LIMITS.fieldsPerSection);
    blocks.push({ type: 'section', fields: fields.map(fieldText) });
  }
  const lines = (section.checklist ?? []).map(checklistLine);
  for (const chunk of chunkLines(lines, SLACK_LIMITS.sectionText))
    blocks.push(mrkdwnSection(chunk));
  return blocks;
}

function fieldText(field: Field): types.MrkdwnElement {
  const text = `*${toMrkdwn(field.label)}*\n${toMrkdwn(field.value)}`;
  return { type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.fieldText) };
}

function checklistLine(item: ChecklistItem): string {
  const line = `${STATE_EMOJI[item.state]} ${toMrkdwn(item.label)}`;
  return item.detail ? `${line}\n      ${toMrkdwn(item.detail)}` : line;
}

/** Joins lines into chunks no longer than `max`, cutting a single overlong line. */
function chunkLines(lines: string[], max: number): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const raw of lines) {
    const line = truncate(raw, max);
    if (current && current.length + 1 + line.length > max) {
      chunks.push(current);
      current = line;
    } else {
      current = current ? `${current}\n${line}` : line;
    }
  }
  if (current) chunks.push(current);
  return chunks;
}

function contextBlock(text: string): Block {
  return {
    type: 'context',
    elements: [{ type: 'mrkdwn', text: truncate(toMrkdwn(text), SLACK_LIMITS.sectionText) }],
  };
}

function actionBlocks(actions: Action[]): Block[] {
  // A value over Slack's limit would make the whole message fail; such a button is left out.
  const buttons = actions
    .filter((a) => (a.value ?? '').length <= SLACK_LIMITS.buttonValue)
    .map((action, index, all) => button(action, all.slice(0, index)));
  const blocks: Block[] = [];
  for (let i = 0; i < buttons.length; i += SLACK_LIMITS.actionsPerBlock) {
    blocks.push({ type: 'actions', elements: buttons.slice(i, i + SLACK_LIMITS.actionsPerBlock) });
  }
  return blocks;
}

function button(action: Action, before: Action[]): types.Button {
  // action_id must be unique within a message: a repeated id gets a `#n` suffix.
  const repeats = before.filter((a) => a.id === action.id).length;
  return {
    type: 'button',
    action_id: repeats ? `${action.id}#${repeats}` : action.id,
    text: plain(truncate(action.label, SLACK_LIMITS.buttonText)),
    ...(action.value !== undefined ? { value: action.value } : {}),
    ...(action.style ? { style: action.style } : {}),
  };
}

/** The core ActionId a rendered `action_id` stands for (strips the `#n` suffix). */
export function baseActionId(actionId: string): string {
  const hash = actionId.indexOf('#');
  return hash === -1 ? actionId : actionId.slice(0, hash);
}
