import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, HaloConnectError } from '../../src/core/errors.js';
import { KEY_FILE_NAME, resolveKeyRing } from '../../src/store/key-file.js';

const dirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'halo-connect-key-file-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const posix = process.platform !== 'win32';

describe('resolveKeyRing', () => {
  it('uses MASTER_KEY when set, and writes no file', async () => {
    const dataDir = await tempDir();
    const key = randomBytes(32).toString('base64');
    const resolved = await resolveKeyRing({ masterKey: `k1:${key}`, dataDir });
    expect(resolved).toMatchObject({ source: 'env', warnings: [] });
    expect(resolved.ring.activeKeyId).toBe('k1');
    await expect(stat(join(dataDir, KEY_FILE_NAME))).rejects.toThrow();
  });

  it('generates a private key file once, then reads it back', async () => {
    const dataDir = join(await tempDir(), 'data');
    const first = await resolveKeyRing({ dataDir });
    const path = join(dataDir, KEY_FILE_NAME);
    expect(first).toMatchObject({ source: 'file-generated', path, warnings: [] });
    const text = await readFile(path, 'utf8');
    expect(Buffer.from(text.trim(), 'base64')).toHaveLength(32);
    if (posix) expect((await stat(path)).mode & 0o777).toBe(0o600);
    const second = await resolveKeyRing({ dataDir });
    expect(second.source).toBe('file');
    expect(second.ring.activeKeyId).toBe(first.ring.activeKeyId);
  });

  it('generates one key when several processes start together', async () => {
    const dataDir = await tempDir();
    const results = await Promise.all(Array.from({ length: 6 }, () => resolveKeyRing({ dataDir })));
    expect(new Set(results.map((r) => r.ring.activeKeyId)).size).toBe(1);
    expect(results.filter((r) => r.source === 'file-generated')).toHaveLength(1);
  });

  it('reads a key ring from the key file too', async () => {
    const dataDir = await tempDir();
    const ring = `new:${randomBytes(32).toString('base64')},old:${randomBytes(32).toString('base64')}`;
    await writeFile(join(dataDir, KEY_FILE_NAME), ring, { mode: 0o600 });
    const resolved = await resolveKeyRing({ dataDir });
    expect(resolved.ring.keyIds).toEqual(['new', 'old']);
  });

  it('generates nothing when asked not to, and says how to fix it', async () => {
    const dataDir = await tempDir();
    const error = await resolveKeyRing({ dataDir, create: false }).catch((e: unknown) => e);
    expect((error as HaloConnectError).code).toBe(ErrorCode.Config);
    expect((error as Error).message).toMatch(/MASTER_KEY is not set and there is no key file/);
  });

  it('refuses a key file the world can read, and warns about one its group can', async () => {
    if (!posix) return;
    const dataDir = await tempDir();
    const { path } = await resolveKeyRing({ dataDir });
    await chmod(path!, 0o644);
    const error = await resolveKeyRing({ dataDir }).catch((e: unknown) => e);
    expect((error as HaloConnectError).code).toBe(ErrorCode.Config);
    expect((error as Error).message).toContain(`chmod 600 ${path}`);
    await chmod(path!, 0o640);
    const warned = await resolveKeyRing({ dataDir });
    expect(warned.warnings.join()).toMatch(/open to its group/);
  });

  it('names a bad key file without showing its content', async () => {
    const dataDir = await tempDir();
    const content = randomBytes(20).toString('base64');
    await writeFile(join(dataDir, KEY_FILE_NAME), content, { mode: 0o600 });
    const error = await resolveKeyRing({ dataDir }).catch((e: unknown) => e);
    expect((error as Error).message).toContain(`the key file ${join(dataDir, KEY_FILE_NAME)}`);
    expect((error as Error).message).not.toContain(content);
  });

  it('warns when it generates a key next to existing data', async () => {
    const dataDir = await tempDir();
    await writeFile(join(dataDir, 'halo-connect.json'), '{}');
    const resolved = await resolveKeyRing({ dataDir });
    expect(resolved.source).toBe('file-generated');
    expect(resolved.warnings.join()).toMatch(/restore the earlier master.key from backup/);
  });
});
