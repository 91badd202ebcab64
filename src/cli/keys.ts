import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { loadConfig } from '../config.js';
import { connectionSecretAad, retiringSecretAad, slackTokenAad } from '../core/aad.js';
import { createAesVault } from '../core/aes-vault.js';
import type { Envelope } from '../core/envelope.js';
import { ErrorCode, HaloConnectError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { AuditEvent, Store } from '../core/store.js';
import type { Vault } from '../core/vault.js';
import { createLogger } from '../log.js';
import { resolveKeyRing } from '../store/key-file.js';
import { openStoreAt } from '../store/store-location.js';

/** Where the tool writes and which environment it reads; tests pass their own. */
export interface KeysCliIo {
  out(line: string): void;
  err(line: string): void;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

const USAGE = [
  'usage: npm run keys -- check | rotate',
  '',
  '  check   how many records each key id protects, and any key id missing from MASTER_KEY',
  '  rotate  re-encrypt every secret not under the active (first) key of MASTER_KEY',
  '',
  'Reads DATA_DIR, DATABASE_URL and MASTER_KEY like the bot. With the file store, stop the',
  'bot before rotate; with PostgreSQL, rotate runs while the bot is up.',
].join('\n');

/** How many sealed values one key id protects. */
export interface KeyUsage {
  connections: number;
  slackTokens: number;
}

/** What `keys check` found. */
export interface KeyCheck {
  usage: Map<string, KeyUsage>;
  /** Records whose envelope is under a key of the ring but does not open. */
  unreadable: string[];
}

/** What `keys rotate` did. */
export interface RotationReport {
  rotated: string[];
  current: number;
  /** Records left untouched because they could not be re-encrypted, with the reason. */
  failed: Array<{ record: string; reason: string }>;
}

/** `npm run keys -- check | rotate`. Returns the exit code: 0 fine, 1 problems, 2 usage. */
export async function runKeysCli(argv: string[], io: KeysCliIo = consoleIo()): Promise<number> {
  const command = argv[0];
  if (argv.length !== 1 || (command !== 'check' && command !== 'rotate')) {
    io.err(USAGE);
    return 2;
  }
  let store: Store | undefined;
  try {
    const config = loadConfig(io.env ?? process.env);
    const keys = await resolveKeyRing({
      masterKey: config.masterKey,
      dataDir: config.dataDir,
      create: false,
    });
    const vault = createAesVault(keys.ring);
    store = await openStoreAt(config.databaseUrl ?? config.dataDir, {
      logger:
        io.logger ??
        createLogger({ level: 'warn', format: 'json', destination: pino.destination(2) }),
      readOnly: command === 'check',
      failFastOnLock: true,
      mustExist: true,
    });
    return command === 'check' ? await check(store, vault, io) : await rotate(store, vault, io);
  } catch (error) {
    io.err(`keys ${command} failed: ${describeError(error)}`);
    if (command === 'rotate' && (error as HaloConnectError).code === ErrorCode.StoreLocked) {
      io.err(
        'keys rotate needs the file store to itself: stop the bot, run `npm run keys -- rotate`, ' +
          'then start the bot again. (With DATABASE_URL, rotation runs while the bot is up.)',
      );
    }
    return 1;
  } finally {
    await store?.close();
  }
}

async function check(store: Store, vault: Vault, io: KeysCliIo): Promise<number> {
  const { usage, unreadable } = await checkKeys(store, vault);
  io.out(`active key: ${vault.activeKeyId}; key ring: ${vault.keyIds.join(', ')}`);
  io.out(`${'key id'.padEnd(12)} ${'connections'.padEnd(12)} ${'Slack tokens'.padEnd(13)} status`);
  const ids = [...new Set([...vault.keyIds, ...usage.keys()])];
  const missing = ids.filter((id) => !vault.keyIds.includes(id));
  for (const id of ids) {
    const { connections, slackTokens } = usage.get(id) ?? { connections: 0, slackTokens: 0 };
    const status =
      id === vault.activeKeyId
        ? 'active'
        : missing.includes(id)
          ? 'MISSING from MASTER_KEY'
          : 'in the ring';
    io.out(
      `${id.padEnd(12)} ${String(connections).padEnd(12)} ${String(slackTokens).padEnd(13)} ${status}`,
    );
  }
  for (const id of missing) {
    io.err(
      `key id "${id}" is missing: its records cannot be opened; add it to MASTER_KEY as ${id}:<base64>`,
    );
  }
  for (const record of unreadable) io.err(`${record} does not decrypt: it was altered or copied`);
  const stale = ids.filter((id) => id !== vault.activeKeyId && !missing.includes(id));
  if (
    stale.some((id) => (usage.get(id)?.connections ?? 0) + (usage.get(id)?.slackTokens ?? 0) > 0)
  ) {
    io.out(`run \`npm run keys -- rotate\` to re-encrypt everything under ${vault.activeKeyId}`);
  }
  return missing.length > 0 || unreadable.length > 0 ? 1 : 0;
}

async function rotate(store: Store, vault: Vault, io: KeysCliIo): Promise<number> {
  const report = await rotateKeys(store, vault);
  io.out(
    `re-encrypted under ${vault.activeKeyId}: ${report.rotated.length}; ` +
      `already under it: ${report.current}; left untouched: ${report.failed.length}`,
  );
  for (const record of report.rotated) io.out(`  re-encrypted ${record}`);
  for (const { record, reason } of report.failed) io.err(`  left untouched ${record}: ${reason}`);
  if (report.failed.length === 0) {
    io.out('every secret is under the active key; older keys can leave MASTER_KEY (keep a backup)');
  }
  return report.failed.length > 0 ? 1 : 0;
}

/**
 * Counts, per key id, the connection secrets and Slack tokens it seals, and tries to open
 * each one whose key is in the ring.
 */
export async function checkKeys(store: Store, vault: Vault): Promise<KeyCheck> {
  const usage = new Map<string, KeyUsage>();
  const unreadable: string[] = [];
  const count = (envelope: Envelope, field: keyof KeyUsage, aad: string, label: string) => {
    const entry = usage.get(envelope.kid) ?? { connections: 0, slackTokens: 0 };
    entry[field] += 1;
    usage.set(envelope.kid, entry);
    if (!vault.keyIds.includes(envelope.kid)) return;
    try {
      vault.open(envelope, aad);
    } catch {
      unreadable.push(label);
    }
  };
  for (const record of await store.listConnections()) {
    const label = `connection ${record.id}`;
    count(record.secret, 'connections', connectionSecretAad(record.id), label);
    if (record.retiring) {
      const aad = retiringSecretAad(record.id);
      count(record.retiring.secret, 'connections', aad, `${label} (old client id)`);
    }
  }
  for (const record of await store.listSlackInstallations()) {
    for (const [name, envelope] of Object.entries(record.tokens)) {
      const label = `Slack installation ${record.id} token ${name}`;
      count(envelope, 'slackTokens', slackTokenAad(record.id, name), label);
    }
  }
  return { usage, unreadable };
}

/**
 * Re-encrypts every connection secret and Slack token not under the vault's active key,
 * record by record. A connection is written with its version as the expected one and read
 * again on a Conflict, so a bot writing meanwhile loses nothing. A record that does not
 * decrypt is reported and left as it is: never deleted, never overwritten. Each record
 * changed or left behind gets an audit event (`key-rotate`).
 *
 * Note: a Slack installation has no version; it is re-read just before it is written, which
 * leaves a window of milliseconds in which a reinstall could be overwritten by the old one.
 */
export async function rotateKeys(
  store: Store,
  vault: Vault,
  options: { actor?: string; maxAttempts?: number; now?: () => Date } = {},
): Promise<RotationReport> {
  const report: RotationReport = { rotated: [], current: 0, failed: [] };
  const context = { store, vault, maxAttempts: options.maxAttempts ?? 5 };
  const audit = auditor(store, options.actor ?? 'cli:keys', options.now ?? (() => new Date()));
  for (const { id, platform, workspaceId } of await store.listConnections()) {
    const label = `connection ${id}`;
    await settle(
      report,
      label,
      () => rotateConnection(context, id),
      (outcome, detail) => audit({ platform, workspaceId }, outcome, detail),
    );
  }
  for (const { id } of await store.listSlackInstallations()) {
    const label = `Slack installation ${id}`;
    await settle(
      report,
      label,
      () => rotateSlackInstallation(context, id),
      (outcome, detail) => audit({ platform: 'slack', workspaceId: id }, outcome, detail),
    );
  }
  return report;
}

interface RotationContext {
  store: Store;
  vault: Vault;
  maxAttempts: number;
}

type Outcome = 'rotated' | 'current';

async function settle(
  report: RotationReport,
  label: string,
  work: () => Promise<Outcome>,
  audit: (outcome: 'ok' | 'failed', detail: string) => Promise<void>,
): Promise<void> {
  try {
    const outcome = await work();
    if (outcome === 'current') {
      report.current += 1;
      return;
    }
    report.rotated.push(label);
    await audit('ok', 're-encrypted under the active key');
  } catch (error) {
    const reason = describeError(error);
    report.failed.push({ record: label, reason });
    await audit('failed', (error as HaloConnectError).code ?? 'unknown error');
  }
}

async function rotateConnection(context: RotationContext, id: string): Promise<Outcome> {
  const { store, vault } = context;
  for (let attempt = 1; ; attempt += 1) {
    const record = await store.getConnection(id);
    if (record === undefined) return 'current';
    const staleSecret = record.secret.kid !== vault.activeKeyId;
    const staleRetiring = record.retiring && record.retiring.secret.kid !== vault.activeKeyId;
    if (!staleSecret && !staleRetiring) return 'current';
    const reseal = (envelope: Envelope, aad: string) =>
      envelope.kid === vault.activeKeyId ? envelope : vault.seal(vault.open(envelope, aad), aad);
    const secret = reseal(record.secret, connectionSecretAad(id));
    const retiring = record.retiring && {
      ...record.retiring,
      secret: reseal(record.retiring.secret, retiringSecretAad(id)),
    };
    try {
      await store.putConnection({ ...record, secret, retiring }, record.version);
      return 'rotated';
    } catch (error) {
      const conflict = (error as HaloConnectError).code === ErrorCode.Conflict;
      if (!conflict || attempt >= context.maxAttempts) throw error;
    }
  }
}

async function rotateSlackInstallation(context: RotationContext, id: string): Promise<Outcome> {
  const { store, vault } = context;
  for (let attempt = 1; ; attempt += 1) {
    const record = await store.getSlackInstallation(id);
    if (record === undefined) return 'current';
    const stale = Object.entries(record.tokens).filter(([, e]) => e.kid !== vault.activeKeyId);
    if (stale.length === 0) return 'current';
    const tokens = { ...record.tokens };
    for (const [name, envelope] of stale) {
      const aad = slackTokenAad(id, name);
      tokens[name] = vault.seal(vault.open(envelope, aad), aad);
    }
    const latest = await store.getSlackInstallation(id);
    if (JSON.stringify(latest) === JSON.stringify(record)) {
      await store.putSlackInstallation({ ...record, tokens });
      return 'rotated';
    }
    if (attempt >= context.maxAttempts) {
      throw new HaloConnectError(ErrorCode.Conflict, 'it kept changing while being rotated');
    }
  }
}

function auditor(store: Store, actor: string, now: () => Date) {
  return async (
    where: Pick<AuditEvent, 'platform' | 'workspaceId'>,
    outcome: 'ok' | 'failed',
    detail: string,
  ): Promise<void> => {
    await store.appendAudit({
      id: randomUUID(),
      at: now().toISOString(),
      ...where,
      actor,
      action: 'key-rotate',
      outcome,
      detail,
    });
  };
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function consoleIo(): KeysCliIo {
  return { out: (line) => console.log(line), err: (line) => console.error(line) };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runKeysCli(process.argv.slice(2));
}
