import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxScenario, SANDBOX_SCENARIOS } from '../../src/sandbox/scenarios.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/server.js';

/** A secret of the real shape that the sandbox does not know. */
const CANARY = 'ca9a7e00-c11c-4bad-8bad-00000000c11c-ca9a7e01-c11c-4bad-8bad-00000000c11c';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(
  script: string,
  args: string[],
  options: { stdin?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  const env = { ...process.env, ...options.env };
  if (!options.env?.HALO_CLIENT_SECRET) delete env.HALO_CLIENT_SECRET;
  if (!options.env?.HALO_ALLOW_PRIVATE_NETWORK) delete env.HALO_ALLOW_PRIVATE_NETWORK;
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(options.stdin ?? '');
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

const verify = (name: string, extra: string[], options?: Parameters<typeof run>[2]) =>
  run(
    'src/cli/verify.ts',
    ['--auth-server', sandbox.authServer, '--client-id', sandboxScenario(name).clientId, ...extra],
    options,
  );

describe.concurrent('npm run verify', () => {
  it('--json: one object, exit 0, secret from stdin', async () => {
    const secret = sandboxScenario('valid').clientSecret;
    const result = await verify('valid', ['--json', '--allow-private-network'], {
      stdin: `${secret}\n`,
    });
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(Object.keys(report)).toEqual(['ok', 'checks', 'ms']);
    expect(report.ok).toBe(true);
    const checks = report.checks as Record<string, unknown>[];
    expect(checks).toHaveLength(11);
    for (const check of checks) {
      expect(Object.keys(check)).toEqual(['id', 'status', 'step', 'message', 'ms']);
      expect(check.step).toBeNull();
    }
    expect(result.stdout + result.stderr).not.toContain(secret);
  });

  it('a failing check: exit 1 and a checklist naming the step and the fix', async () => {
    const result = await verify('no-customers', [], {
      env: {
        HALO_CLIENT_SECRET: sandboxScenario('no-customers').clientSecret,
        HALO_ALLOW_PRIVATE_NETWORK: 'true',
      },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^✗ customers\.read +The agent is not allowed to read customers/m,
    );
    expect(result.stdout).toMatch(
      /^ {4}step 2, Set the agent's permissions: .*Customers to Read Only/m,
    );
    expect(result.stdout).toMatch(/^✓ token /m);
    expect(result.stdout).toMatch(/^– visibility +Skipped/m);
  });

  it('a canary secret never reaches stdout or stderr', async () => {
    const result = await verify('wrong-secret', ['--allow-private-network'], { stdin: CANARY });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^✗ token /m);
    expect(result.stdout + result.stderr).not.toContain(CANARY);
    expect(result.stdout + result.stderr).not.toContain(CANARY.slice(0, 36));
  });

  it('input problems: a failing input check, exit 1', async () => {
    const result = await run(
      'src/cli/verify.ts',
      [
        '--auth-server',
        sandbox.authServer,
        '--client-id',
        'not-a-guid',
        '--json',
        '--allow-private-network',
      ],
      { stdin: CANARY },
    );
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as {
      ok: boolean;
      checks: { id: string; status: string; step: string; message: string }[];
    };
    expect(report.ok).toBe(false);
    expect(report.checks[0]).toMatchObject({ id: 'input', status: 'fail', step: 'credentials' });
    expect(report.checks[0]?.message).toMatch(/^Client ID must be an ID of 36 characters/);
    expect(result.stdout).not.toContain(CANARY);
  });

  it('--client-secret is refused with exit 2, without echoing it', async () => {
    const result = await verify('valid', [`--client-secret=${CANARY}`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--client-secret is refused: .*HALO_CLIENT_SECRET/);
    expect(result.stderr).toMatch(/^usage: npm run verify/m);
    expect(result.stdout + result.stderr).not.toContain(CANARY);
  });

  it('bad arguments: exit 2 with a usage line, a stray value not echoed', async () => {
    const missing = await run('src/cli/verify.ts', ['--auth-server', sandbox.authServer]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--auth-server and --client-id are required/);
    const stray = await verify('valid', [CANARY]);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/^usage:/m);
    expect(stray.stderr).not.toContain(CANARY);
  });

  it('refuses the loopback sandbox without the private-network switch', async () => {
    const result = await verify('valid', ['--json'], {
      stdin: sandboxScenario('valid').clientSecret,
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/Authorisation Server must start with https/);
  });
});

describe('npm run sandbox', () => {
  it('prints the Authorisation Server and every scenario, and stops on SIGINT', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/sandbox/cli.ts', '--port', '0']);
    let stdout = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('Ctrl+C')) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/^Authorisation Server: http:\/\/127\.0\.0\.1:\d+\/auth$/m);
    for (const scenario of SANDBOX_SCENARIOS) {
      expect(stdout).toMatch(
        new RegExp(`^${scenario.name} +${scenario.clientId} +${scenario.clientSecret} `, 'm'),
      );
    }
  });
});
