import fc from 'fast-check';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DurableJsonFile, jsonPieces } from '../../src/store/durable-json-file.js';

describe('jsonPieces', () => {
  it('joins to exactly what JSON.stringify gives, whatever the piece size', () => {
    const member = fc.oneof(fc.jsonValue(), fc.constant(undefined));
    const container = fc.oneof(
      fc.dictionary(fc.string(), member, { maxKeys: 30 }),
      fc.array(member, { maxLength: 30 }),
    );
    const top = fc.dictionary(fc.string(), fc.oneof(member, container), { maxKeys: 8 });
    fc.assert(
      fc.property(top, fc.integer({ min: 1, max: 7 }), (value, perPiece) => {
        expect([...jsonPieces(value, perPiece)].join('')).toBe(JSON.stringify(value));
      }),
      { numRuns: 300 },
    );
  });

  it('serialises a large collection a few records per piece', () => {
    const records = Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`id-${i}`, { i }]));
    const pieces = [...jsonPieces({ schemaVersion: 2, records }, 100)];
    expect(pieces.length).toBeGreaterThanOrEqual(10);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(2_000);
    expect(JSON.parse(pieces.join(''))).toEqual({ schemaVersion: 2, records });
  });
});

describe('DurableJsonFile', () => {
  it('writes in chunks to a private temporary file, then replaces the file whole', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'halo-connect-durable-'));
    try {
      const file = new DurableJsonFile<{ n: number; list: number[] }>(join(dir, 'data.json'));
      expect(await file.read()).toBeNull();
      const data = { n: 1, list: Array.from({ length: 2_000 }, (_, i) => i) };
      const bytes = await file.writeTemp(data);
      expect(await file.read()).toBeNull();
      await file.replaceWithTemp();
      expect(await file.readSized()).toEqual({ value: data, bytes });
      expect(bytes).toBe(Buffer.byteLength(await readFile(join(dir, 'data.json'))));
      await file.write({ n: 2, list: [] });
      expect(await file.read()).toEqual({ n: 2, list: [] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
