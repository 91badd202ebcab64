import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIELD_LABELS, type CredentialsForm, type FieldId } from '../../src/core/credentials.js';
import { holdsSecret, keepableValues, normalizeCredentials } from '../../src/core/input.js';
import { inspectHaloUrl } from '../../src/core/net/index.js';
import { CANARY_FRAGMENTS, CANARY_SECRET, canaryScenario } from './canary.js';
import { anyText, FUZZ } from './fuzz-values.js';

/**
 * The form check under any input: it never throws, every problem names its field, none
 * repeats the secret, a value that holds the secret in another field is refused and never
 * kept, and what passes is an address the policy allows.
 */

const canary = canaryScenario('valid');
const field = (likely: string[]) =>
  fc.option(fc.oneof(fc.constantFrom(...likely), anyText), { nil: undefined });

/** A form, sometimes with the canary pasted into another field, somewhere inside. */
const forms: fc.Arbitrary<CredentialsForm> = fc
  .tuple(
    fc.record({
      authServer: field(['https://acme.halopsa.com/auth', 'acme.halopsa.com']),
      tenant: field(['acme', '']),
      clientId: field([canary.clientId]),
      clientSecret: field([CANARY_SECRET, ` "${CANARY_SECRET}" `]),
    }),
    fc.option(
      fc.tuple(fc.constantFrom<FieldId>('authServer', 'tenant', 'clientId'), anyText, anyText),
      { nil: undefined },
    ),
  )
  .map(([form, paste]) => {
    if (!paste) return form;
    const [into, before, after] = paste;
    return { ...form, clientSecret: CANARY_SECRET, [into]: `${before}${CANARY_SECRET}${after}` };
  });

describe('normalizeCredentials, fuzzed', () => {
  it('never throws; names the field; repeats no secret; keeps no secret', () => {
    fc.assert(
      fc.property(forms, fc.boolean(), (form, allowPrivateNetwork) => {
        const result = normalizeCredentials(form, { allowPrivateNetwork });
        const notes = result.ok ? result.warnings : result.problems;
        for (const note of notes) {
          expect(note.message.startsWith(`${FIELD_LABELS[note.field]} `)).toBe(true);
          for (const fragment of CANARY_FRAGMENTS) expect(note.message).not.toContain(fragment);
        }
        const kept = JSON.stringify(keepableValues(form));
        for (const fragment of CANARY_FRAGMENTS) expect(kept).not.toContain(fragment);
        for (const id of ['authServer', 'tenant', 'clientId'] as const) {
          if (holdsSecret(form[id], form.clientSecret)) {
            expect(result.ok).toBe(false);
            expect(keepableValues(form)[id]).toBeUndefined();
          }
        }
        if (result.ok) {
          expect(result.value.authServer).not.toContain(CANARY_SECRET.slice(0, 36));
          expect(inspectHaloUrl(result.value.authServer, { allowPrivateNetwork }).ok).toBe(true);
        }
      }),
      { ...FUZZ, numRuns: FUZZ.numRuns * 10 },
    );
  });

  it.each<[string, CredentialsForm, FieldId]>([
    [
      'the secret as the Authorisation Server host',
      { authServer: `https://${CANARY_SECRET}/auth`, clientSecret: CANARY_SECRET },
      'authServer',
    ],
    ['the secret in the Tenant', { tenant: CANARY_SECRET, clientSecret: CANARY_SECRET }, 'tenant'],
    [
      'an unusual secret inside the Client ID',
      { clientId: 'x-plausible-secret-0123456789', clientSecret: 'plausible-secret-0123456789' },
      'clientId',
    ],
  ])('refuses %s, never keeping it', (_name, values, id) => {
    const form = {
      authServer: 'https://acme.halopsa.com/auth',
      clientId: canary.clientId,
      ...values,
    };
    const result = normalizeCredentials(form);
    expect(result.ok).toBe(false);
    const problem = result.ok ? undefined : result.problems.find((p) => p.field === id);
    expect(problem?.message).toMatch(/contains the Client Secret|looks like a client secret/);
    expect(keepableValues(form)[id as 'authServer' | 'tenant' | 'clientId']).toBeUndefined();
  });
});
