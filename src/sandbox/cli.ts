import { parseArgs } from 'node:util';
import { startSandbox } from './server.js';
import type { SandboxScenario } from './scenarios.js';

const USAGE = 'usage: npm run sandbox -- [--port 4000] [--host 127.0.0.1] [--latency 0]';

/** `--port 4000` → 4000; exits with the usage line on anything but a whole number. */
function wholeNumber(name: string, value: string): number {
  if (!/^\d+$/.test(value)) {
    console.error(`--${name} must be a whole number.\n${USAGE}`);
    process.exit(2);
  }
  return Number(value);
}

function table(scenarios: readonly SandboxScenario[]): string {
  const rows = [
    ['scenario', 'client id', 'client secret', 'tenant', 'demonstrates'],
    ...scenarios.map((s) => [s.name, s.clientId, s.clientSecret, s.tenant ?? '-', s.demonstrates]),
  ];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  const line = (row: string[]) => row.map((cell, col) => cell.padEnd(widths[col]!)).join('  ');
  return rows.map((row) => line(row).trimEnd()).join('\n');
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string', default: '4000' },
        host: { type: 'string', default: '127.0.0.1' },
        latency: { type: 'string', default: '0' },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const sandbox = await startSandbox({
    port: wholeNumber('port', values.port),
    host: values.host,
    latencyMs: wholeNumber('latency', values.latency),
  });
  // Installed before anything is printed: whoever reads the output may stop us at once.
  const stop = () => void sandbox.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const example = sandbox.scenarios[0]!;
  console.log(`Halo sandbox on ${sandbox.url}`);
  console.log(`Authorisation Server: ${sandbox.authServer}`);
  console.log('The bot and `npm run verify` reach it only with HALO_ALLOW_PRIVATE_NETWORK=true.\n');
  console.log(table(sandbox.scenarios));
  console.log(
    `\nTry: HALO_CLIENT_SECRET=${example.clientSecret} npm run verify -- ` +
      `--auth-server ${sandbox.authServer} --client-id ${example.clientId} --allow-private-network`,
  );
  console.log('These secrets are public test data. Ctrl+C stops the sandbox.');
}

await main();
