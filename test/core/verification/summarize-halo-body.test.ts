import { describe, expect, it } from 'vitest';
import { summarizeHaloBody } from '../../../src/core/verification/summarize-halo-body.js';

const json = (value: unknown) => ({ text: JSON.stringify(value), json: value });
const html = (text: string) => ({ text });

describe('summarizeHaloBody', () => {
  it.each([
    ['OAuth error', json({ error: 'invalid_client' }), 'invalid_client'],
    [
      'OAuth error with description',
      json({ error: 'invalid_scope', error_description: 'read:actions' }),
      'invalid_scope: read:actions',
    ],
    ['resultCode', json({ resultCode: 3, errorMessage: 'Agent not found' }), 'Agent not found'],
    ['ClassName', json({ ClassName: 'System.Exception', Message: 'Denied.' }), 'Denied.'],
    [
      'Message',
      json({ Message: 'Authorization has been denied.' }),
      'Authorization has been denied.',
    ],
    ['a JSON string', json('Rate limited'), 'Rate limited'],
    [
      'an HTML title',
      html(
        '<!DOCTYPE html><html><head><title> Sorry, something\n went wrong </title></head>' +
          '<body><p>x</p></body></html>',
      ),
      'Sorry, something went wrong',
    ],
    [
      'a heading when there is no title',
      html('<html><body><h1>Server <b>Error</b></h1></body></html>'),
      'Server Error',
    ],
    ['entities', html('<title>Tom &amp; Jerry&#39;s &#x41;PI</title>'), "Tom & Jerry's API"],
  ])('%s', (_name, response, summary) => {
    expect(summarizeHaloBody(response)).toBe(summary);
  });

  it.each([
    ['an empty body', { text: '' }],
    ['plain text', { text: 'Rate Limit Reached - 300 Requests per rolling 5 minute window' }],
    ['an HTML page without title or heading', html('<html><body><div>x</div></body></html>')],
    ['JSON without a message', json({ id: 3 })],
  ])('nothing for %s', (_name, response) => {
    expect(summarizeHaloBody(response)).toBeUndefined();
  });

  it('cuts a long message to one short sentence', () => {
    const summary = summarizeHaloBody(json({ Message: 'word '.repeat(100) }));
    expect(summary?.length).toBeLessThanOrEqual(120);
    expect(summary?.endsWith('…')).toBe(true);
  });

  it('never dumps a page body', () => {
    const trace = 'secret stack trace '.repeat(50);
    const page = `<html><head><title>Error</title></head><body>${trace}</body></html>`;
    expect(summarizeHaloBody(html(page))).toBe('Error');
  });

  it('redacts the values it is given', () => {
    expect(summarizeHaloBody(json({ Message: 'token abc123 is bad' }), ['abc123'])).toBe(
      'token [redacted] is bad',
    );
  });
});
