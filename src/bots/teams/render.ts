import {
  ActionId,
  type Action,
  type ChecklistItem,
  type ChecklistState,
  type Message,
  type Section,
  type Severity,
} from '../../core/message.js';
import { createCard, type AdaptiveCard, type CardNode, type SubmitData } from './adaptive-card.js';
import { CardMarkdown } from './card-markdown.js';
import type { NameLookup } from './mentions.js';

/** Buttons that open the credentials dialog (`task/fetch`) instead of posting a message. */
export const DIALOG_ACTIONS: ReadonlySet<string> = new Set<string>([
  ActionId.OpenCredentials,
  ActionId.RetryCredentials,
  ActionId.Rotate,
]);

const ICONS: Record<ChecklistState, string> = {
  todo: '⬜',
  pass: '✅',
  fail: '❌',
  warn: '⚠️',
  skipped: '⏭️',
  running: '⏳',
};

const TITLE_COLORS: Record<Severity, string> = {
  info: 'Default',
  success: 'Good',
  warning: 'Warning',
  error: 'Attention',
};

export interface RenderOptions {
  /** Names for `<@id>` mentions; unknown ids render as plain words. */
  names?: NameLookup;
}

/**
 * Renders a core message as an Adaptive Card 1.5: the title coloured by severity, a progress
 * bar, each section (heading, markdown text, a FactSet for fields, a checklist with one icon
 * per state), the context line, and the actions as `Action.Submit` buttons whose `data` is
 * `{ action, value }`. Buttons that open the credentials dialog carry `msteams.type:
 * 'task/fetch'`. Note: a value never holds a secret; the core guarantees it.
 */
export function renderCard(message: Message, options: RenderOptions = {}): AdaptiveCard {
  const md = new CardMarkdown(options.names);
  const body: CardNode[] = [
    {
      type: 'TextBlock',
      text: md.convert(message.title),
      size: 'Medium',
      weight: 'Bolder',
      color: TITLE_COLORS[message.severity],
      wrap: true,
    },
  ];
  if (message.progress) body.push(progressBar(message.progress));
  for (const section of message.sections) body.push(...renderSection(section, md));
  if (message.context) {
    body.push({
      type: 'TextBlock',
      text: md.convert(message.context),
      size: 'Small',
      isSubtle: true,
      wrap: true,
    });
  }
  const actions = (message.actions ?? []).map(renderAction);
  return createCard(body, actions, md.entities());
}

function renderSection(section: Section, md: CardMarkdown): CardNode[] {
  const nodes: CardNode[] = [];
  if (section.heading) {
    nodes.push({
      type: 'TextBlock',
      text: md.convert(section.heading),
      weight: 'Bolder',
      wrap: true,
      spacing: 'Medium',
    });
  }
  if (section.text) nodes.push({ type: 'TextBlock', text: md.convert(section.text), wrap: true });
  if (section.fields?.length) {
    nodes.push({
      type: 'FactSet',
      facts: section.fields.map((f) => ({
        title: md.convert(f.label),
        value: md.convert(f.value),
      })),
    });
  }
  if (section.checklist?.length) {
    nodes.push({
      type: 'Container',
      spacing: 'Small',
      items: section.checklist.flatMap((item) => checklistItem(item, md)),
    });
  }
  return nodes;
}

function checklistItem(item: ChecklistItem, md: CardMarkdown): CardNode[] {
  const line: CardNode = {
    type: 'TextBlock',
    text: `${ICONS[item.state]} ${md.convert(item.label)}`,
    wrap: true,
    spacing: 'Small',
  };
  if (!item.detail) return [line];
  return [
    line,
    {
      type: 'TextBlock',
      text: md.convert(item.detail),
      wrap: true,
      isSubtle: true,
      size: 'Small',
      spacing: 'None',
    },
  ];
}

/** One thin bar per step: done steps filled with the accent colour. */
function progressBar(progress: { current: number; total: number }): CardNode {
  const columns: CardNode[] = [];
  for (let step = 1; step <= progress.total; step++) {
    columns.push({
      type: 'Column',
      width: 'stretch',
      style: step <= progress.current ? 'accent' : 'emphasis',
      items: [{ type: 'TextBlock', text: ' ', size: 'Small' }],
    });
  }
  return { type: 'ColumnSet', columns, spacing: 'Small' };
}

function renderAction(action: Action): CardNode {
  const data: SubmitData = { action: action.id };
  if (action.value !== undefined) data.value = action.value;
  if (DIALOG_ACTIONS.has(action.id)) data.msteams = { type: 'task/fetch' };
  const node: CardNode = { type: 'Action.Submit', title: action.label, data };
  if (action.style === 'primary') node.style = 'positive';
  if (action.style === 'danger') node.style = 'destructive';
  return node;
}
