import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/core/message.js';
import { simple } from '../../src/core/messages.js';
import type { DeliveryResult, Notifier } from '../../src/core/notifier.js';
import type { Address } from '../../src/core/platform.js';
import { LiveCard } from '../../src/bots/teams/live-card.js';

const ADDRESS: Address = { platform: 'teams', workspaceId: 'tenant', channelId: 'conversation' };

const view = (title: string): Message => simple(title, 'info', title);

interface Sent {
  kind: 'post' | 'update';
  title: string;
  finish: () => void;
  answered: boolean;
}

/**
 * A notifier whose sends end only when the test says so, to see what waits. `failing`
 * titles throw instead of answering.
 */
function heldNotifier(failing: string[] = []) {
  const sent: Sent[] = [];
  const send = (kind: Sent['kind'], message: Message) =>
    new Promise<DeliveryResult>((resolve, reject) => {
      const finish = () =>
        failing.includes(message.title)
          ? reject(new Error(`${message.title} failed`))
          : resolve({ ok: true, ref: 'card-1' });
      sent.push({ kind, title: message.title, finish, answered: false });
    });
  const notifier: Notifier = {
    platform: 'teams',
    post: (_address, message) => send('post', message),
    update: (_address, _ref, message) => send('update', message),
    direct: () => Promise.resolve({ ok: false, reason: 'failed', detail: 'unused' }),
  };
  const titles = () => sent.map((s) => `${s.kind} ${s.title}`);
  /** Ends the oldest send still open and lets the card go on. */
  const answer = async () => {
    const open = sent.find((s) => !s.answered);
    if (!open) throw new Error('nothing is being sent');
    open.answered = true;
    open.finish();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { notifier, titles, answer };
}

/** Progress updates without the least time between them, for the tests of ordering. */
const UNSPACED = { progressIntervalMs: 0 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('LiveCard', () => {
  it('posts the first view, then updates the same card in place', async () => {
    const h = heldNotifier();
    const card = new LiveCard(h.notifier, ADDRESS, UNSPACED);
    const started = card.start(view('Verifying'));
    await h.answer();
    await started;
    const finished = card.finish(view('Connected'));
    await h.answer();
    await finished;
    expect(h.titles()).toEqual(['post Verifying', 'update Connected']);
  });

  it('sends only the newest progress view once the one being sent is done', async () => {
    const h = heldNotifier();
    const card = new LiveCard(h.notifier, ADDRESS, UNSPACED);
    card.progress(view('1 of 5'));
    card.progress(view('2 of 5'));
    card.progress(view('3 of 5'));
    await h.answer();
    expect(h.titles()).toEqual(['post 1 of 5', 'update 3 of 5']);
    // The first view was already on its way: start does not post a second card.
    const started = card.start(view('Verifying'));
    await h.answer();
    await started;
    expect(h.titles()).toEqual(['post 1 of 5', 'update 3 of 5']);
  });

  it('shows the final view last, instead of progress still waiting', async () => {
    const h = heldNotifier();
    const card = new LiveCard(h.notifier, ADDRESS, UNSPACED);
    card.progress(view('1 of 5'));
    card.progress(view('4 of 5'));
    const finished = card.finish(view('Connected'));
    card.progress(view('5 of 5'));
    await h.answer();
    await h.answer();
    await finished;
    expect(h.titles()).toEqual(['post 1 of 5', 'update Connected']);
  });

  it('still shows the final view when a progress update failed', async () => {
    const h = heldNotifier(['2 of 5']);
    const card = new LiveCard(h.notifier, ADDRESS, UNSPACED);
    card.progress(view('1 of 5'));
    await h.answer();
    card.progress(view('2 of 5'));
    const finished = card.finish(view('Connected'));
    await h.answer();
    await h.answer();
    await expect(finished).resolves.toBeUndefined();
    expect(h.titles()).toEqual(['post 1 of 5', 'update 2 of 5', 'update Connected']);
  });

  it('rejects finish when the final view itself could not be sent', async () => {
    const h = heldNotifier(['Connected']);
    const card = new LiveCard(h.notifier, ADDRESS, UNSPACED);
    const outcome = expect(card.finish(view('Connected'))).rejects.toThrow('Connected failed');
    await h.answer();
    await outcome;
  });

  it('keeps progress updates apart, and sends the final view without waiting', async () => {
    const h = heldNotifier();
    const card = new LiveCard(h.notifier, ADDRESS, { progressIntervalMs: 60 });
    card.progress(view('1 of 5'));
    await h.answer();
    card.progress(view('2 of 5'));
    await sleep(20);
    expect(h.titles()).toEqual(['post 1 of 5']);
    await sleep(70);
    expect(h.titles()).toEqual(['post 1 of 5', 'update 2 of 5']);
    await h.answer();
    card.progress(view('3 of 5'));
    const finished = card.finish(view('Connected'));
    await sleep(5);
    expect(h.titles()).toEqual(['post 1 of 5', 'update 2 of 5', 'update Connected']);
    await h.answer();
    await finished;
  });
});
