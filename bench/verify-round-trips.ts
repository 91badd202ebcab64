import { readFileSync } from 'node:fs';
import { systemClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import {
  HaloDispatcher,
  type HaloDispatcherOptions,
  type PreconnectOutcome,
} from '../src/core/net/index.js';
import { Secret } from '../src/core/secret.js';
import { createVerifier } from '../src/core/verifier.js';
import { startSandbox, type Sandbox } from '../src/sandbox/server.js';
import { sandboxScenario } from '../src/sandbox/scenarios.js';
import { atMost, row } from './row.js';
import { median, since } from './stats.js';
import { startLatencyProxy, type LatencyProxy } from './support/latency-proxy.js';
import type { BenchOptions, BenchRow } from './types.js';

const NAME = 'verify-round-trips';

/** A test-only self-signed pair for 127.0.0.1 and localhost; see bench/fixtures/README.md. */
const TLS = {
  key: readFileSync(new URL('./fixtures/localhost-key.pem', import.meta.url)),
  cert: readFileSync(new URL('./fixtures/localhost-cert.pem', import.meta.url)),
};

type Scheme = 'http' | 'https';

interface Setup {
  sandbox: Sandbox;
  proxy: LatencyProxy;
  authServer: string;
}

async function setUp(scheme: Scheme, rttMs: number): Promise<Setup> {
  const sandbox = await startSandbox(scheme === 'https' ? { tls: TLS } : {});
  const port = Number(new URL(sandbox.url).port);
  const proxy = await startLatencyProxy(port, rttMs);
  return { sandbox, proxy, authServer: `${scheme}://${proxy.host}/auth` };
}

/**
 * The product's dispatcher with `preconnect` turned off: the verifier as it was before the
 * pre-connect, for the comparison rows only. Bench-only.
 */
class WithoutPreconnect extends HaloDispatcher {
  override preconnect(): Promise<PreconnectOutcome> {
    return Promise.resolve({ idle: 0, opened: 0, failed: 0 });
  }
}

/** The product's dispatcher; `preconnect: false` for the comparison rows. */
function dispatcherFor(scheme: Scheme, preconnect = true): HaloDispatcher {
  const options: HaloDispatcherOptions = {
    allowPrivateNetwork: true,
    ...(scheme === 'https' ? { ca: TLS.cert } : {}),
  };
  return preconnect ? new HaloDispatcher(options) : new WithoutPreconnect(options);
}

/** One verification of the `valid` scenario; throws if it did not pass (a broken set-up). */
async function verifyOnce(dispatcher: HaloDispatcher, authServer: string): Promise<number> {
  const verifier = createVerifier({ dispatcher, logger: silentLogger, clock: systemClock });
  const valid = sandboxScenario('valid');
  const started = performance.now();
  const report = await verifier.verify({
    authServer,
    clientId: valid.clientId,
    clientSecret: new Secret(valid.clientSecret),
  });
  const ms = since(started);
  if (!report.ok) {
    const failed = report.checks.find((c) => c.status === 'fail');
    throw new Error(`${NAME}: the sandbox verification failed: ${failed?.id} ${failed?.message}`);
  }
  return ms;
}

/** Warm: one dispatcher whose kept-alive connections a first verification opened. */
async function warm(scheme: Scheme, authServer: string, samples: number): Promise<number[]> {
  const dispatcher = dispatcherFor(scheme);
  try {
    await verifyOnce(dispatcher, authServer);
    const times: number[] = [];
    for (let i = 0; i < samples; i++) times.push(await verifyOnce(dispatcher, authServer));
    return times;
  } finally {
    await dispatcher.close();
  }
}

/** Cold: a new dispatcher each time, as for a Halo instance the bot has not talked to lately. */
async function cold(
  scheme: Scheme,
  authServer: string,
  samples: number,
  preconnect = true,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const dispatcher = dispatcherFor(scheme, preconnect);
    try {
      times.push(await verifyOnce(dispatcher, authServer));
    } finally {
      await dispatcher.close();
    }
  }
  return times;
}

/**
 * 3. Verification round trips: a full verification against the Halo sandbox behind a proxy
 * that adds a round-trip time L to every exchange (requests, TCP and TLS handshakes), over
 * HTTP and HTTPS, warm and cold. The figure is the time divided by L: the round trips paid.
 * Warm and cold rows are the product as it runs (the probes' connections opened during the
 * token request); a last row per case turns that pre-connect off, for comparison.
 */
export async function verifyRoundTrips(options: BenchOptions): Promise<BenchRow[]> {
  const latencies = options.smoke ? [20] : [50, 200];
  const samples = options.smoke ? 1 : 5;
  const rows: BenchRow[] = [];
  for (const scheme of ['http', 'https'] as const) {
    for (const rtt of latencies) {
      options.progress(`${NAME}: ${scheme} with L = ${rtt} ms`);
      const setup = await setUp(scheme, rtt);
      try {
        const w = median(await warm(scheme, setup.authServer, samples));
        const c = median(await cold(scheme, setup.authServer, samples));
        const off = median(await cold(scheme, setup.authServer, samples, false));
        rows.push(row(NAME, `${scheme} L=${rtt}ms warm (ms)`, w, rtt, atMost(2.3)));
        rows.push(row(NAME, `${scheme} L=${rtt}ms cold (ms)`, c, rtt, atMost(4.5)));
        // No target: the verifier before the pre-connect, measured in the same run.
        rows.push(row(NAME, `${scheme} L=${rtt}ms cold, pre-connect off (ms)`, off, rtt));
      } finally {
        await setup.proxy.close();
        await setup.sandbox.close();
      }
    }
  }
  return rows;
}
