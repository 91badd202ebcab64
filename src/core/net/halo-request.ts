import type { Dispatcher } from 'undici';
import { ErrorCode, HaloConnectError } from '../errors.js';
import { checkHaloUrl, hostOf } from './check-halo-url.js';
import type { HaloDispatcher } from './create-halo-dispatcher.js';
import { toHaloNetworkError } from './to-halo-network-error.js';

/** One request to Halo. */
export interface HaloRequestOptions {
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Deadline for the whole call: connect, headers and body. */
  timeoutMs: number;
  /** Default 1 MiB. */
  maxBytes?: number;
  signal?: AbortSignal;
}

/** Halo's answer, whatever its status: a 3xx or a 500 is an answer too. */
export interface HaloResponse {
  status: number;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  text: string;
  /** The parsed body when it is JSON. */
  json?: unknown;
}

const ONE_MIB = 1024 * 1024;

/**
 * One HTTP request to Halo through a HaloDispatcher. The URL is checked before any
 * connection (see `checkHaloUrl`); redirects are not followed (a 3xx is returned like any
 * answer); the body is read up to `maxBytes`; the call has a deadline on headers, on body
 * and overall.
 *
 * Throws HaloConnectError: AddressRefused, HaloUnreachable or HaloTimeout (as a
 * HaloNetworkError with a `reason`), or BodyTooLarge. Messages name the host only, never a
 * body, a header or a token.
 */
export async function haloRequest(
  dispatcher: HaloDispatcher,
  options: HaloRequestOptions,
): Promise<HaloResponse> {
  const url = checkHaloUrl(options.url, dispatcher);
  const host = hostOf(url);
  const { timeoutMs, maxBytes = ONE_MIB } = options;
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), timeoutMs);
  const signals = options.signal ? [options.signal, timeout.signal] : [timeout.signal];
  const signal = AbortSignal.any(signals);
  try {
    const response = await untilAborted(
      dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: options.method,
        headers: options.headers,
        body: options.body,
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      }),
      signal,
    );
    const text = await readCapped(response, maxBytes, host);
    // The body ends a moment before undici marks the connection idle; one turn of the event
    // loop lets a request sent right after this one reuse the kept-alive connection.
    await new Promise((resolve) => setImmediate(resolve));
    return { status: response.statusCode, headers: flatten(response.headers), text, ...json(text) };
  } catch (error) {
    const cancelled = options.signal?.aborted ?? false;
    throw toHaloNetworkError(error, {
      host,
      timeoutMs,
      timedOut: timeout.signal.aborted,
      cancelled,
    });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The request, or a rejection as soon as `signal` aborts. undici only looks at the signal
 * once a connection is up, so a TLS handshake that stalls would otherwise hold the call
 * until the dispatcher's connect timeout, past this call's deadline. An answer that comes
 * after the abort is discarded.
 */
function untilAborted(
  request: Promise<Dispatcher.ResponseData>,
  signal: AbortSignal,
): Promise<Dispatcher.ResponseData> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason);
      request.then(
        (late) => late.body.destroy(),
        () => undefined,
      );
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    request.then(
      (response) => {
        signal.removeEventListener('abort', onAbort);
        resolve(response);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

async function readCapped(
  response: Dispatcher.ResponseData,
  maxBytes: number,
  host: string,
): Promise<string> {
  const { body } = response;
  const tooLarge = () =>
    new HaloConnectError(
      ErrorCode.BodyTooLarge,
      `The answer from ${host} is larger than ${maxBytes} bytes; it was not read.`,
    );
  if (Number(response.headers['content-length'] ?? 0) > maxBytes) {
    body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    // Leaving the loop by throwing destroys the stream, which closes the connection.
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function flatten(headers: Dispatcher.ResponseData['headers']): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined)
      flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function json(text: string): { json?: unknown } {
  const start = text.trimStart()[0];
  if (start !== '{' && start !== '[') return {};
  try {
    return { json: JSON.parse(text) as unknown };
  } catch {
    return {};
  }
}
