import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { rotateKeys, runKeysCli } from '../../src/cli/keys.js';
import { connectionSecretAad, slackTokenAad } from '../../src/core/aad.js';
import { createAesVault } from '../../src/core/aes-vault.js';
import { silentLogger } from '../../src/core/logger.js';
import { KeyRing } from '../../src/core/key-ring.js';
import type { Store } from '../../src/core/store.js';
import type { Vault } from '../../src/core/vault.js';
import { FileStore } from '../../src/store/file-store.js';
import {
  DATABASE_URL,
  dropSchemas,
  newSchema,
  openPostgresStore,
  postgresSuite,
} from './pg-env.js';
import { connection, masterKeyOf, slackInstallation } from './records.js';

const OLD: [string, Buffer] = ['k1', randomBytes(32)];
const NEW: [string, Buffer] = ['k2', randomBytes(32)];
const oldVault = createAesVault(new KeyRing([OLD]));
const bothVault = createAesVault(new KeyRing([NEW, OLD]));
const CONNECTIONS = ['slack:T1', 'slack:T2', 'teams:tenant-1'];
const secretOf = (id: string) => `secret-of-${id}-${'x'.repeat(20)}`;
const tokenOf = (name: string) => `xoxb-${name}-${'y'.repeat(20)}`;

/** Connections and a Slack installation sealed with the old key, and one broken record. */
async function seed(store: Store, vault: Vault = oldVault): Promise<void> {
  for (const id of CONNECTIONS) {
    await store.putConnection({
      ...connection(id),
      secret: vault.seal(secretOf(id), connectionSecretAad(id)),
    });
  }
  // An envelope copied from another record: it belongs to slack:T1 and opens nowhere else.
  const copied = (await store.getConnection('slack:T1'))!.secret;
  await store.putConnection({ ...connection('slack:TBAD'), secret: copied });
  const tokens = Object.fromEntries(
    ['botToken', 'userToken'].map((name) => [
      name,
      vault.seal(tokenOf(name), slackTokenAad('T1', name)),
    ]),
  );
  await store.putSlackInstallation(slackInstallation('T1', { tokens }));
}

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
}

async function expectAllUnderNewKey(store: Store): Promise<void> {
  for (const id of CONNECTIONS) {
    const record = (await store.getConnection(id))!;
    expect(record.secret.kid).toBe('k2');
    expect(bothVault.open(record.secret, connectionSecretAad(id))).toBe(secretOf(id));
  }
  const installation = (await store.getSlackInstallation('T1'))!;
  for (const [name, envelope] of Object.entries(installation.tokens)) {
    expect(envelope.kid).toBe('k2');
    expect(bothVault.open(envelope, slackTokenAad('T1', name))).toBe(tokenOf(name));
  }
}

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function seededDataDir(): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'halo-connect-keys-'));
  dirs.push(dataDir);
  const store = new FileStore({ dataDir, logger: silentLogger });
  await store.init();
  await seed(store);
  await store.close();
  return dataDir;
}

function run(argv: string[], env: NodeJS.ProcessEnv) {
  const { out, err, io } = capture();
  return runKeysCli(argv, { ...io, env, logger: silentLogger }).then((code) => ({
    code,
    out,
    err,
  }));
}

describe('npm run keys (file store)', () => {
  it('check counts what each key protects and names a key missing from MASTER_KEY', async () => {
    const dataDir = await seededDataDir();
    const both = await run(['check'], { DATA_DIR: dataDir, MASTER_KEY: masterKeyOf([NEW, OLD]) });
    expect(both.out.join('\n')).toMatch(/^k1\s+4\s+2\s+in the ring$/m);
    expect(both.out.join('\n')).toMatch(/^k2\s+0\s+0\s+active$/m);
    expect(both.out.join('\n')).toContain('npm run keys -- rotate');
    expect(both.err.join('\n')).toContain('connection slack:TBAD does not decrypt');
    expect(both.code).toBe(1);

    const onlyNew = await run(['check'], { DATA_DIR: dataDir, MASTER_KEY: masterKeyOf([NEW]) });
    expect(onlyNew.out.join('\n')).toMatch(/^k1\s+4\s+2\s+MISSING from MASTER_KEY$/m);
    expect(onlyNew.err.join('\n')).toContain('key id "k1" is missing');
    expect(onlyNew.code).toBe(1);
  });

  it('rotate puts every readable secret under the new key and leaves a broken one as it was', async () => {
    const dataDir = await seededDataDir();
    const env = { DATA_DIR: dataDir, MASTER_KEY: masterKeyOf([NEW, OLD]) };
    const before = new FileStore({ dataDir, logger: silentLogger, readOnly: true });
    await before.init();
    const broken = await before.getConnection('slack:TBAD');
    await before.close();

    const rotated = await run(['rotate'], env);
    expect(rotated.code).toBe(1);
    expect(rotated.out[0]).toBe('re-encrypted under k2: 4; already under it: 0; left untouched: 1');
    expect(rotated.err.join('\n')).toMatch(
      /left untouched connection slack:TBAD: .*did not decrypt/,
    );

    const store = new FileStore({ dataDir, logger: silentLogger });
    await store.init();
    await expectAllUnderNewKey(store);
    expect(await store.getConnection('slack:TBAD')).toEqual(broken);
    const audit = await store.listAudit({});
    expect(audit.filter((e) => e.action === 'key-rotate' && e.outcome === 'ok')).toHaveLength(4);
    expect(audit.filter((e) => e.outcome === 'failed').map((e) => e.workspaceId)).toEqual(['TBAD']);
    expect(JSON.stringify(audit)).not.toContain('secret-of');
    await store.close();

    const check = await run(['check'], env);
    expect(check.out.join('\n')).toMatch(/^k2\s+3\s+2\s+active$/m);
    expect(check.out.join('\n')).toMatch(/^k1\s+1\s+0\s+in the ring$/m);
    const again = await run(['rotate'], env);
    expect(again.out[0]).toBe('re-encrypted under k2: 0; already under it: 4; left untouched: 1');
  });

  it('rotate tells to stop the bot while it holds the file store; check still reads', async () => {
    const dataDir = await seededDataDir();
    const env = { DATA_DIR: dataDir, MASTER_KEY: masterKeyOf([NEW, OLD]) };
    const bot = new FileStore({ dataDir, logger: silentLogger });
    await bot.init();
    const rotate = await run(['rotate'], env);
    expect(rotate.code).toBe(1);
    expect(rotate.err.join('\n')).toContain('another halo-connect process holds DATA_DIR');
    expect(rotate.err.join('\n')).toContain('stop the bot, run `npm run keys -- rotate`');
    expect((await bot.getConnection('slack:T1'))!.secret.kid).toBe('k1');
    const check = await run(['check'], env);
    expect(check.out.join('\n')).toMatch(/^k1\s+4\s+2/m);
    await bot.close();
  });

  it('answers usage and configuration mistakes plainly', async () => {
    expect((await run([], {})).code).toBe(2);
    expect((await run(['spin'], {})).err.join()).toContain('usage: npm run keys -- check | rotate');
    const dataDir = await seededDataDir();
    const noKey = await run(['check'], { DATA_DIR: dataDir });
    expect(noKey.err.join()).toMatch(/MASTER_KEY is not set and there is no key file/);
    const badKey = await run(['check'], { DATA_DIR: dataDir, MASTER_KEY: 'k1:c2VjcmV0' });
    expect(badKey.err.join()).toMatch(/not base64 of exactly 32 bytes/);
    expect(badKey.err.join()).not.toContain('c2VjcmV0');
  });
});

describe('rotateKeys', () => {
  it('retries on Conflict and keeps what a running bot wrote meanwhile', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'halo-connect-keys-'));
    dirs.push(dataDir);
    const store = new FileStore({ dataDir, logger: silentLogger });
    await store.init();
    await seed(store);
    let raced = false;
    const racing = new Proxy(store, {
      get(target, name) {
        if (name !== 'putConnection') {
          const value: unknown = Reflect.get(target, name, target);
          return typeof value === 'function' ? value.bind(target) : value;
        }
        return async (...args: Parameters<Store['putConnection']>) => {
          if (!raced && args[0].id === 'slack:T2') {
            raced = true;
            const current = (await target.getConnection('slack:T2'))!;
            await target.putConnection({ ...current, health: 'failing' }, current.version);
          }
          return target.putConnection(...args);
        };
      },
    });
    const report = await rotateKeys(racing, bothVault);
    expect(raced).toBe(true);
    expect(report.rotated).toContain('connection slack:T2');
    const t2 = (await store.getConnection('slack:T2'))!;
    expect(t2).toMatchObject({ health: 'failing', version: 3 });
    expect(bothVault.open(t2.secret, connectionSecretAad('slack:T2'))).toBe(secretOf('slack:T2'));
    await store.close();
  });
});

const pgSuite = await postgresSuite();

describe.skipIf(pgSuite.skip)(`npm run keys (${pgSuite.label})`, () => {
  afterAll(async () => {
    await dropSchemas();
  });

  it('rotates live, next to a running bot', async () => {
    const schema = newSchema();
    const bot = await openPostgresStore(schema);
    await seed(bot);
    const url = new URL(DATABASE_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const env = { DATABASE_URL: url.toString(), MASTER_KEY: masterKeyOf([NEW, OLD]) };
    const rotated = await run(['rotate'], env);
    expect(rotated.out[0]).toBe('re-encrypted under k2: 4; already under it: 0; left untouched: 1');
    await expectAllUnderNewKey(bot);
    await bot.close();
    await dropSchemas(schema);
  });
});
