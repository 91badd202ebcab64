import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/logger.js';
import { createHaloDispatcher, type ResolveHost } from '../../../src/core/net/index.js';
import { firstFailure } from '../../../src/core/report.js';
import { createVerifier } from '../../../src/core/verifier.js';
import { startSandbox, type Sandbox } from '../../../src/sandbox/server.js';
import { credentialsFor, FIXED_CLOCK } from '../support/verifier-kit.js';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A throwaway certificate for `halo.test`, made with the openssl CLI. */
function makeCertificate(dir: string): { key: Buffer; cert: Buffer } {
  const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
      .concat(['-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=halo.test'])
      .concat(['-addext', 'subjectAltName=DNS:halo.test']),
    { stdio: 'ignore' },
  );
  return { key: readFileSync(key), cert: readFileSync(cert) };
}

describe.skipIf(!hasOpenssl())('HTTPS through the pinned address', () => {
  let dir: string;
  let sandbox: Sandbox;
  let cert: Buffer;
  const lookup: ResolveHost = async () => [{ address: '127.0.0.1', family: 4 }];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'halo-tls-'));
    const tls = makeCertificate(dir);
    cert = tls.cert;
    sandbox = await startSandbox({ tls });
  });
  afterAll(async () => {
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function verifyAt(host: string) {
    const dispatcher = createHaloDispatcher({ allowPrivateNetwork: true, lookup, ca: cert });
    const verifier = createVerifier({ dispatcher, logger: silentLogger, clock: FIXED_CLOCK });
    const authServer = `https://${host}:${new URL(sandbox.url).port}/auth`;
    const report = await verifier.verify(credentialsFor(sandbox, 'valid', { authServer }));
    await dispatcher.close();
    return report;
  }

  it('connects to the checked address, checking the certificate against the name', async () => {
    expect((await verifyAt('halo.test')).ok).toBe(true);
  });

  it('fails TLS when the name does not match the certificate', async () => {
    const failure = firstFailure(await verifyAt('other.test'));
    expect(failure).toMatchObject({ id: 'reachable', step: 'application' });
    expect(failure?.message).toMatch(
      /^The secure connection to other\.test failed \(ERR_TLS_CERT_ALTNAME_INVALID\)/,
    );
    expect(failure?.fix).toMatch(/certificate/);
  });
});
