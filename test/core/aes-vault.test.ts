import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { connectionSecretAad, slackTokenAad } from '../../src/core/aad.js';
import { createAesVault } from '../../src/core/aes-vault.js';
import type { Envelope } from '../../src/core/envelope.js';
import { ErrorCode, HaloConnectError } from '../../src/core/errors.js';
import { deriveKeyId, KeyRing, parseMasterKey } from '../../src/core/key-ring.js';

const SECRET = 'b5c3e7a1-2d4f-4e6a-8b9c-0d1e2f3a4b5c-9f8e7d6c-5b4a-3c2d-1e0f-a9b8c7d6e5f4';
const AAD = connectionSecretAad('slack:T1');

function ring(...ids: string[]): KeyRing {
  return new KeyRing(ids.map((id) => [id, randomBytes(32)]));
}

function thrown(fn: () => unknown): HaloConnectError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HaloConnectError);
    return error as HaloConnectError;
  }
  throw new Error('expected a HaloConnectError');
}

/** Flips one bit of a base64 field, keeping it valid base64 of the same length. */
function flip(value: string): string {
  const bytes = Buffer.from(value, 'base64');
  bytes[0] = bytes[0]! ^ 0x01;
  return bytes.toString('base64');
}

describe('createAesVault', () => {
  it('seals and opens, with a fresh 96-bit IV and a 16-byte tag each time', () => {
    const vault = createAesVault(ring('k1'));
    const a = vault.seal(SECRET, AAD);
    const b = vault.seal(SECRET, AAD);
    expect(a).toMatchObject({ v: 1, kid: 'k1' });
    expect(Buffer.from(a.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(a.tag, 'base64')).toHaveLength(16);
    expect(a.iv).not.toBe(b.iv);
    expect(a.ct).not.toBe(b.ct);
    expect(JSON.stringify(a)).not.toContain(SECRET);
    expect(vault.open(a, AAD)).toBe(SECRET);
    expect(vault.open(vault.seal('', AAD), AAD)).toBe('');
    expect(vault.open(vault.seal('ünïcødé ✓', AAD), AAD)).toBe('ünïcødé ✓');
  });

  it.each(['iv', 'tag', 'ct'] as const)('refuses an envelope whose %s was altered', (field) => {
    const vault = createAesVault(ring('k1'));
    const envelope = vault.seal(SECRET, AAD);
    const error = thrown(() => vault.open({ ...envelope, [field]: flip(envelope[field]) }, AAD));
    expect(error.code).toBe(ErrorCode.Decrypt);
    expect(error.message).not.toContain(SECRET);
  });

  it('refuses an envelope moved to another record or another token', () => {
    const vault = createAesVault(ring('k1'));
    const envelope = vault.seal(SECRET, AAD);
    const moved = thrown(() => vault.open(envelope, connectionSecretAad('slack:T2')));
    expect(moved.code).toBe(ErrorCode.Decrypt);
    expect(moved.message).toMatch(/altered, or it belongs to another record/);
    const token = vault.seal(SECRET, slackTokenAad('T1', 'botToken'));
    const other = thrown(() => vault.open(token, slackTokenAad('T1', 'userToken')));
    expect(other.code).toBe(ErrorCode.Decrypt);
  });

  it('refuses malformed envelopes: short IV, truncated tag, not base64, wrong version', () => {
    const vault = createAesVault(ring('k1'));
    const envelope = vault.seal(SECRET, AAD);
    const broken: Envelope[] = [
      { ...envelope, iv: randomBytes(8).toString('base64') },
      { ...envelope, tag: randomBytes(12).toString('base64') },
      { ...envelope, ct: '%%not base64%%' },
      { ...envelope, v: 2 as 1 },
    ];
    for (const bad of broken)
      expect(thrown(() => vault.open(bad, AAD)).code).toBe(ErrorCode.Decrypt);
  });

  it('names a key id missing from the ring and says to add it to MASTER_KEY', () => {
    const old = createAesVault(ring('2024-01'));
    const envelope = old.seal(SECRET, AAD);
    const error = thrown(() => createAesVault(ring('2025-06')).open(envelope, AAD));
    expect(error.code).toBe(ErrorCode.KeyMissing);
    expect(error.message).toContain('"2024-01"');
    expect(error.message).toContain('MASTER_KEY');
  });

  it('opens with every key of the ring and seals with the first', () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const before = createAesVault(new KeyRing([['old', oldKey]]));
    const sealedBefore = before.seal(SECRET, AAD);
    const after = createAesVault(
      new KeyRing([
        ['new', newKey],
        ['old', oldKey],
      ]),
    );
    expect(after.activeKeyId).toBe('new');
    expect(after.keyIds).toEqual(['new', 'old']);
    expect(after.open(sealedBefore, AAD)).toBe(SECRET);
    const sealedAfter = after.seal(SECRET, AAD);
    expect(sealedAfter.kid).toBe('new');
    expect(thrown(() => before.open(sealedAfter, AAD)).code).toBe(ErrorCode.KeyMissing);
  });
});

describe('parseMasterKey', () => {
  const key = randomBytes(32);
  const b64 = key.toString('base64');

  it('takes base64 of 32 bytes, with a stable derived key id', () => {
    const parsed = parseMasterKey(`  ${b64}\n`);
    expect(parsed.keyIds).toEqual([deriveKeyId(key)]);
    expect(parsed.activeKeyId).toMatch(/^[0-9a-f]{8}$/);
    expect(parseMasterKey(b64).activeKeyId).toBe(parsed.activeKeyId);
    expect(parsed.key(parsed.activeKeyId)).toEqual(key);
  });

  it('takes a ring id:base64,id:base64 whose first key encrypts, ids optional', () => {
    const other = randomBytes(32);
    const parsed = parseMasterKey(`k2:${other.toString('base64')}, k1:${b64}`);
    expect(parsed.activeKeyId).toBe('k2');
    expect(parsed.keyIds).toEqual(['k2', 'k1']);
    const mixed = parseMasterKey(`k2:${other.toString('base64')},${b64}`);
    expect(mixed.keyIds).toEqual(['k2', deriveKeyId(key)]);
    const url = parseMasterKey(key.toString('base64url'));
    expect(url.key(url.activeKeyId)).toEqual(key);
  });

  it.each([
    ['empty', '', /is empty/],
    ['too short', randomBytes(16).toString('base64'), /not base64 of exactly 32 bytes/],
    ['too long', randomBytes(48).toString('base64'), /not base64 of exactly 32 bytes/],
    ['hex', randomBytes(32).toString('hex'), /looks like hex/],
    ['not base64', `${b64.slice(0, 20)}!@#${b64.slice(23)}`, /not base64/],
    ['bad entry', `k1:${b64},k2:${randomBytes(31).toString('base64')}`, /entry 2 \(key id "k2"\)/],
    ['bad id', `k 1:${b64}`, /key id that is not/],
    ['same id twice', `k1:${b64},k1:${randomBytes(32).toString('base64')}`, /"k1" twice/],
    ['same key twice', `${b64},${b64}`, /twice/],
  ])(
    'refuses %s, naming the problem and the expected form, never the value',
    (_, value, problem) => {
      const error = thrown(() => parseMasterKey(value));
      expect(error.code).toBe(ErrorCode.Config);
      expect(error.message).toMatch(problem);
      expect(error.message).toMatch(/MASTER_KEY/);
      for (const part of value.split(/[,:]/).filter((p) => p.length > 4)) {
        expect(error.message).not.toContain(part);
        expect(error.message).not.toContain(part.slice(0, 8));
      }
    },
  );

  it('names where the value came from', () => {
    expect(() => parseMasterKey('nope', 'the key file /data/master.key')).toThrow(
      /^the key file \/data\/master\.key is not base64/,
    );
  });

  it('never prints key bytes: String, JSON and inspect show ids only', () => {
    const parsed = parseMasterKey(`k1:${b64}`);
    for (const shown of [String(parsed), JSON.stringify(parsed), inspect(parsed, { depth: 9 })]) {
      expect(shown).toContain('k1');
      expect(shown).not.toContain(b64);
      expect(shown).not.toContain(key.toString('hex').slice(0, 16));
    }
  });
});
