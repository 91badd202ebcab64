import type { HaloVerifier } from '../../src/core/verifier-types.js';

/** A verifier for tests that must never reach verification. */
export const unusedVerifier: HaloVerifier = {
  verify: () => Promise.reject(new Error('verification was not expected in this test')),
  fetchToken: () => Promise.reject(new Error('a token was not expected in this test')),
};
