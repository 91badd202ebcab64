import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';

/** An RSA key pair made for one test run, with the JWK form of its public half. */
export interface TestKey {
  kid: string;
  privateKey: KeyObject;
  jwk: Record<string, unknown>;
}

export function createTestKey(kid: string): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, kty: 'RSA', use: 'sig', alg: 'RS256' };
  return { kid, privateKey, jwk };
}

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs an RS256 JWT locally, as the Bot Framework would with its own key. */
export function signJwt(key: TestKey, claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url({ alg: 'RS256', typ: 'JWT', kid: key.kid });
  const payload = b64url({ iat: now - 60, nbf: now - 60, exp: now + 3600, ...claims });
  const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(key.privateKey);
  return `${header}.${payload}.${signature.toString('base64url')}`;
}
