import { describe, expect, it } from 'vitest';
import { MemberRoles } from '../../src/bots/teams/turn-actor.js';

function clockAt(start: number) {
  let now = start;
  return { now: () => new Date(now), advance: (ms: number) => void (now += ms) };
}

describe('MemberRoles', () => {
  it('trusts a role for five minutes, then asks again', () => {
    const clock = clockAt(0);
    const roles = new MemberRoles(clock);
    roles.set('conv\nada', true);
    clock.advance(5 * 60_000 - 1);
    expect(roles.get('conv\nada')).toBe(true);
    clock.advance(1);
    expect(roles.get('conv\nada')).toBeUndefined();
  });

  it('keeps at most 10,000 people, forgetting the one looked up longest ago', () => {
    const roles = new MemberRoles(clockAt(0));
    for (let i = 0; i <= 10_000; i++) roles.set(`conv\nperson-${i}`, false);
    expect(roles.get('conv\nperson-0')).toBeUndefined();
    expect(roles.get('conv\nperson-1')).toBe(false);
    expect(roles.get('conv\nperson-10000')).toBe(false);
  });
});
