import './clean-env.js';
import { describe, expect, it, vi } from 'vitest';
import { sameJson } from '../../src/bots/teams/conversation-refs.js';
import { CONVERSATIONS, TENANT_ID, messageActivity } from './activities.js';
import { useTeamsSuite } from './suite.js';

const suite = useTeamsSuite();

describe('sameJson', () => {
  it.each<[string, unknown, unknown, boolean]>([
    ['the same object', { a: 1 }, { a: 1 }, true],
    ['keys in another order', { a: 1, b: { c: 'x', d: 2 } }, { b: { d: 2, c: 'x' }, a: 1 }, true],
    ['an undefined key counts as absent', { a: 1, b: undefined }, { a: 1 }, true],
    ['a changed nested value', { a: { name: 'Ada' } }, { a: { name: 'Ada L.' } }, false],
    ['a key more', { a: 1 }, { a: 1, b: 2 }, false],
    ['a key less', { a: 1, b: 2 }, { a: 1 }, false],
    ['null against an object', { a: null }, { a: {} }, false],
    ['a string against a number', { a: '1' }, { a: 1 }, false],
    ['arrays', { a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }, true],
    ['arrays of other lengths', { a: [1] }, { a: [1, 2] }, false],
    ['an array against an object', { a: [] }, { a: {} }, false],
  ])('%s', (_name, a, b, same) => {
    expect(sameJson(a, b)).toBe(same);
    expect(sameJson(b, a)).toBe(same);
  });
});

describe('the stored conversation reference', () => {
  it('is written once while it stays the same, and again when it changes', async () => {
    const h = await suite.harness();
    const writes = vi.spyOn(h.store, 'putConversationRef');
    const where = { serviceUrl: h.connector.url, conversation: 'channel' as const };
    const id = `${TENANT_ID}:${CONVERSATIONS.channel.id}`;

    await h.post(messageActivity('help', where));
    await h.settle();
    expect(writes).toHaveBeenCalledTimes(1);

    await h.post(messageActivity('status', where));
    await h.settle();
    expect(writes).toHaveBeenCalledTimes(1);

    const renamed = messageActivity('help', where);
    renamed.from = { ...renamed.from!, name: 'Ada Renamed' };
    await h.post(renamed);
    await h.settle();
    expect(writes).toHaveBeenCalledTimes(2);
    const stored = await h.store.getConversationRef(id);
    expect(stored?.reference).toMatchObject({ user: { name: 'Ada Renamed' } });
  });
});
