import { parseArgs } from 'node:util';
import { systemClock } from '../core/clock.js';
import type { CredentialsForm } from '../core/credentials.js';
import { normalizeCredentials } from '../core/input.js';
import { silentLogger } from '../core/logger.js';
import { createHaloDispatcher } from '../core/net/create-halo-dispatcher.js';
import type { VerificationReport } from '../core/report.js';
import { buildInputFailureReport } from '../core/verification/input-report.js';
import { createVerifier } from '../core/verifier.js';
import { formatChecklist, toJsonSummary } from './format-report.js';
import { readSecret } from './read-secret.js';

const USAGE =
  'usage: npm run verify -- --auth-server URL [--tenant T] --client-id ID [--json] ' +
  '[--allow-private-network]\n' +
  'The client secret is read from HALO_CLIENT_SECRET or standard input.';

const OPTIONS = {
  'auth-server': { type: 'string' },
  tenant: { type: 'string' },
  'client-id': { type: 'string' },
  json: { type: 'boolean', default: false },
  'allow-private-network': { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;

function usageError(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

function parseArguments(argv: string[]) {
  if (argv.some((arg) => arg === '--client-secret' || arg.startsWith('--client-secret='))) {
    usageError(
      '--client-secret is refused: a secret on the command line shows in the process list ' +
        'and in shell history. Set HALO_CLIENT_SECRET or pipe the secret on standard input.',
    );
  }
  try {
    return parseArgs({ args: argv, options: OPTIONS, strict: true }).values;
  } catch (error) {
    // Only a known option's name is repeated: a stray argument may be a secret.
    const option = Object.keys(OPTIONS)
      .map((name) => `--${name}`)
      .find((name) => (error as Error).message.includes(`'${name}`));
    usageError(
      option
        ? `${option}: a missing or unexpected value.`
        : 'Unknown option or unexpected argument (not repeated here: it may be a secret).',
    );
  }
}

function isTrue(value: string | undefined): boolean {
  return ['true', '1', 'yes'].includes((value ?? '').trim().toLowerCase());
}

/** The checks for the form; a form with problems becomes a report with a failing `input`. */
async function verifyForm(
  form: CredentialsForm,
  allowPrivateNetwork: boolean,
  showWarnings: boolean,
): Promise<{ report: VerificationReport; host?: string }> {
  const input = normalizeCredentials(form, { allowPrivateNetwork });
  if (!input.ok) return { report: buildInputFailureReport(input.problems, systemClock) };
  if (showWarnings) for (const warning of input.warnings) console.log(`! ${warning.message}`);
  const dispatcher = createHaloDispatcher({ allowPrivateNetwork });
  try {
    const verifier = createVerifier({ dispatcher, logger: silentLogger, clock: systemClock });
    const report = await verifier.verify(input.value);
    return { report, host: new URL(input.value.authServer).host };
  } finally {
    await dispatcher.close();
  }
}

async function main(): Promise<number> {
  const args = parseArguments(process.argv.slice(2));
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (!args['auth-server'] || !args['client-id']) {
    usageError('--auth-server and --client-id are required.');
  }
  const allowPrivateNetwork =
    args['allow-private-network'] || isTrue(process.env.HALO_ALLOW_PRIVATE_NETWORK);
  const form: CredentialsForm = {
    authServer: args['auth-server'],
    tenant: args.tenant,
    clientId: args['client-id'],
    clientSecret: await readSecret(),
  };
  const { report, host } = await verifyForm(form, allowPrivateNetwork, !args.json);
  console.log(args.json ? JSON.stringify(toJsonSummary(report)) : formatChecklist(report, host));
  return report.ok ? 0 : 1;
}

process.exitCode = await main();
