import { describe, expect, it } from 'vitest';
import { toMrkdwn } from '../../src/bots/slack/mrkdwn.js';
import {
  baseActionId,
  renderHome,
  renderMessage,
  renderModal,
  SLACK_LIMITS,
} from '../../src/bots/slack/render.js';
import { ActionId, type Message } from '../../src/core/message.js';
import { guideMessage, helpMessage, verifyingMessage } from '../../src/core/messages.js';

const base: Message = { title: 'Title', severity: 'info', summary: 'Summary', sections: [] };

describe('mrkdwn', () => {
  it.each([
    ['**bold**', '*bold*'],
    ['a **b** c **d**', 'a *b* c *d*'],
    ['`code` stays', '`code` stays'],
    ['`**not bold**`', '`**not bold**`'],
    ['<https://x.halopsa.com/auth|Halo>', '<https://x.halopsa.com/auth|Halo>'],
    ['<@U123ABC> connected', '<@U123ABC> connected'],
    ['Halo said <html> & more', 'Halo said &lt;html&gt; &amp; more'],
    ['<!channel> ping', '&lt;!channel&gt; ping'],
    ['<javascript:alert(1)|x>', '&lt;javascript:alert(1)|x&gt;'],
  ])('converts %j', (input, output) => {
    expect(toMrkdwn(input)).toBe(output);
  });
});

describe('Block Kit rendering', () => {
  it('renders header, progress, sections, checklist and buttons', () => {
    const rendered = renderMessage(guideMessage('permissions'));
    const types = rendered.blocks.map((b) => b.type);
    expect(types[0]).toBe('header');
    expect(types[1]).toBe('context');
    expect(types.at(-1)).toBe('actions');
    const json = JSON.stringify(rendered.blocks);
    expect(json).toContain('Step 2 of 5');
    expect(json).toContain('⬜ Customers: *Read Only*');
    const actions = rendered.blocks.at(-1) as { elements: { action_id: string }[] };
    expect(actions.elements.map((e) => e.action_id)).toEqual([
      ActionId.GuideBack,
      ActionId.GuideNext,
      ActionId.OpenCredentials,
    ]);
    expect(rendered.text).toContain('Step 2 of 5');
  });

  it('shows an emoji per checklist state', () => {
    const json = JSON.stringify(
      renderMessage({
        ...base,
        sections: [
          {
            checklist: (['pass', 'fail', 'warn', 'skipped', 'running', 'todo'] as const).map(
              (state) => ({
                label: state,
                state,
              }),
            ),
          },
        ],
      }).blocks,
    );
    for (const mark of ['✅ pass', '❌ fail', '⚠️ warn', '⏭️ skipped', '⏳ running', '⬜ todo']) {
      expect(json).toContain(mark);
    }
  });

  it('keeps a message within 50 blocks and keeps its buttons', () => {
    const many: Message = {
      ...base,
      sections: Array.from({ length: 80 }, (_, i) => ({ text: `section ${i}` })),
      actions: [{ id: ActionId.RetryCredentials, label: 'Try again', value: 'x' }],
    };
    const blocks = renderMessage(many).blocks;
    expect(blocks).toHaveLength(SLACK_LIMITS.messageBlocks);
    expect(blocks.at(-1)!.type).toBe('actions');
    expect(renderModal(many, { callbackId: 'c' }).blocks.length).toBe(81);
  });

  it('cuts section text at 3000 characters and splits long checklists', () => {
    const long = 'x'.repeat(5000);
    const blocks = renderMessage({
      ...base,
      sections: [
        { text: long },
        {
          checklist: Array.from({ length: 40 }, () => ({
            label: 'y'.repeat(200),
            state: 'todo' as const,
          })),
        },
      ],
    }).blocks;
    for (const block of blocks) {
      const text = (block as { text?: { text: string } }).text?.text ?? '';
      expect(text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
    }
    expect(blocks.filter((b) => b.type === 'section').length).toBeGreaterThan(3);
  });

  it('gives repeated action ids a suffix and leaves out a button whose value is too long', () => {
    const blocks = renderMessage({
      ...base,
      actions: [
        { id: ActionId.GuideGoto, label: 'One', value: 'agent' },
        { id: ActionId.GuideGoto, label: 'Two', value: 'scopes' },
        { id: ActionId.Verify, label: 'Too long', value: 'v'.repeat(2001) },
      ],
    }).blocks;
    const ids = (blocks.at(-1) as { elements: { action_id: string }[] }).elements.map(
      (e) => e.action_id,
    );
    expect(ids).toEqual([ActionId.GuideGoto, `${ActionId.GuideGoto}#1`]);
    expect(baseActionId(ids[1]!)).toBe(ActionId.GuideGoto);
  });

  it('renders a modal with a title of at most 24 characters and no header block', () => {
    const view = renderModal(
      { ...base, title: 'A title that is far too long for Slack' },
      { callbackId: 'c', privateMetadata: '{}' },
    );
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    expect(view.blocks.some((b) => b.type === 'header')).toBe(false);
    expect(view.private_metadata).toBe('{}');
    const verifying = renderModal(verifyingMessage([]), { callbackId: 'c' });
    expect(JSON.stringify(verifying.blocks)).toContain('⏳');
  });

  it('renders App Home as a home view with a header', () => {
    const home = renderHome(helpMessage('/halo '));
    expect(home.type).toBe('home');
    expect(home.blocks[0]!.type).toBe('header');
  });
});
