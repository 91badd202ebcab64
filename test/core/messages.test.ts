import { describe, expect, it } from 'vitest';
import { verifyingMessage } from '../../src/core/messages.js';

describe('verifyingMessage', () => {
  it('shares one frozen first view, with every check still running', () => {
    const first = verifyingMessage([]);
    expect(verifyingMessage([])).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.sections)).toBe(true);
    const checklist = first.sections.flatMap((s) => s.checklist ?? []);
    expect(checklist.length).toBeGreaterThan(0);
    expect(checklist.map((item) => item.state)).toEqual(checklist.map(() => 'running'));
  });

  it('builds a view with finished checks afresh, not frozen', () => {
    const view = verifyingMessage([
      { id: 'token', status: 'pass', message: 'Halo issued a token.', ms: 3 },
    ]);
    expect(view).not.toBe(verifyingMessage([]));
    expect(Object.isFrozen(view)).toBe(false);
  });
});
