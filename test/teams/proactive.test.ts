import './clean-env.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { ActionId } from '../../src/core/message.js';
import { sandboxScenario } from '../../src/sandbox/scenarios.js';
import { CONVERSATIONS, TENANT_ID, USERS } from './activities.js';
import { cardProblems, cardsIn } from './card-check.js';
import {
  buttonData,
  cardText,
  click,
  finalReport,
  openDialog,
  scenarioForm,
  submitDialog,
} from './flow.js';
import type { TeamsHarness } from './harness.js';
import { useTeamsSuite } from './suite.js';

const DAY = 86_400_000;
const CHANNEL = CONVERSATIONS.channel.id;

const suite = useTeamsSuite();
let h: TeamsHarness;

beforeAll(async () => {
  h = await suite.harness();
  const dialog = await openDialog(h);
  await submitDialog(h, dialog, scenarioForm(suite.sandbox.authServer, sandboxScenario('valid')));
  await finalReport(h);
});

/** Moves the clock to `days` before the rotation is due. */
async function daysBeforeDue(days: number): Promise<void> {
  const record = await h.store.getConnection(`teams:${TENANT_ID}`);
  h.offsetMs = Date.parse(record!.rotationDueAt) - days * DAY - Date.now();
}

describe('proactive posts through the stored conversation reference', () => {
  it('posts the reminder in the channel, mentioning who connected', async () => {
    await daysBeforeDue(13.5);
    const before = h.connector.calls.length;
    const result = await h.scheduler.runOnce();
    expect(result.sent).toBe(1);
    const post = h.connector.calls.slice(before).find((c) => c.kind === 'send')!;
    expect(post.conversationId).toBe(CHANNEL);
    expect(cardText(post.body)).toContain('<at>Ada Admin</at>');
    const card = cardsIn(post.body)[0] as {
      msteams?: { entities?: Array<{ mentioned: { id: string } }> };
    };
    expect(card.msteams?.entities?.map((e) => e.mentioned.id)).toContain(USERS.admin.aadObjectId);
    expect(cardProblems(card)).toEqual([]);

    const snooze = await click(h, post.createdId!, buttonData(post.body, ActionId.Snooze));
    const answer = snooze.calls.find((c) => c.kind === 'reply')!;
    expect(cardText(answer.body)).toMatch(/snoozed/i);
    expect(cardProblems(cardsIn(answer.body)[0])).toEqual([]);
  });

  it('disables the conversation when Teams says the bot was removed (403)', async () => {
    await daysBeforeDue(6.5);
    h.connector.fail('send', {
      status: 403,
      body: {
        error: {
          code: 'BotNotInConversationRoster',
          message: 'The bot is not part of the conversation roster.',
        },
      },
    });
    await h.scheduler.runOnce();
    await h.settle();
    const ref = await h.store.getConversationRef(`${TENANT_ID}:${CHANNEL}`);
    expect(ref?.disabled).toBe(true);
    const logs = h.logLines.join('');
    expect(logs).toContain('BotNotInConversationRoster');
  });
});
