import { Agent, request } from 'undici';
import { since } from '../stats.js';

/** One HTTP request of a load run; built fresh per request (signatures carry a timestamp). */
export interface LoadRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface LoadResult {
  /** Time to the whole HTTP answer, per request, in milliseconds. */
  latencies: number[];
  /** Completed requests per second over the run. */
  rps: number;
  /** Answers whose status was not the expected one. */
  errors: number;
  elapsedMs: number;
}

export interface LoadOptions {
  origin: string;
  /** Requests in flight at any time (a closed loop: each worker sends its next on an answer). */
  concurrency: number;
  requests: number;
  /** Builds request `i`. */
  build: (i: number) => LoadRequest;
  /** Default 200. */
  expectStatus?: number;
}

/**
 * Sends `requests` POSTs with `concurrency` workers over kept-alive connections (as Slack and
 * Teams do) and times each until its body is read. The client's pool is its own per run, so
 * every run starts with the same cold pool.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { origin, concurrency, requests, build, expectStatus = 200 } = options;
  const agent = new Agent({ connections: concurrency, keepAliveTimeout: 10_000 });
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const worker = async () => {
    for (let i = next++; i < requests; i = next++) {
      const { path, headers, body } = build(i);
      const started = performance.now();
      const answer = await request(`${origin}${path}`, {
        method: 'POST',
        headers,
        body,
        dispatcher: agent,
      });
      await answer.body.text();
      latencies.push(since(started));
      if (answer.statusCode !== expectStatus) errors += 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, requests) }, worker));
  const elapsed = since(started);
  await agent.close();
  return { latencies, rps: (requests / elapsed) * 1000, errors, elapsedMs: elapsed };
}
