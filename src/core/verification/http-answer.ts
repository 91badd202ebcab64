import type { HaloResponse } from '../net/halo-request.js';
import { summarizeHaloBody } from './summarize-halo-body.js';

/** `HTTP 403` or `HTTP 403: Access denied.`: the status and Halo's one-sentence reason. */
export function describeAnswer(response: HaloResponse, redact: readonly string[]): string {
  const summary = summarizeHaloBody(response, redact);
  return summary ? `HTTP ${response.status}: ${summary}` : `HTTP ${response.status}`;
}

/** Whether Halo answered with a web page rather than JSON. */
export function isHtml(response: HaloResponse): boolean {
  return (
    (response.headers['content-type'] ?? '').includes('text/html') || /^\s*</.test(response.text)
  );
}

/** A JSON object body as a record, or undefined. */
export function jsonObject(response: HaloResponse): Record<string, unknown> | undefined {
  const { json } = response;
  return json && typeof json === 'object' && !Array.isArray(json)
    ? (json as Record<string, unknown>)
    : undefined;
}
