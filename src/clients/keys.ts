/**
 * A client's public keys: checked when registered (a JSON Web Key Set of public keys, each with a
 * `kid`), and turned into what `jose` verifies a client assertion with.
 */
import { createLocalJWKSet, createRemoteJWKSet, importJWK, type JWK, type JWTVerifyGetKey } from 'jose';
import { ValidationError } from '../platform/errors';

const DEFAULT_ALG: Record<string, string> = { RSA: 'RS512', EC: 'ES256', OKP: 'EdDSA' };
const EC_ALG: Record<string, string> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };
/** Members of a JWK that only a private key has: sent by mistake, they are refused, never stored. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

export type KeySet = { keys: JWK[] };

/** Check a key set as given (JSON text or an object): public keys only, each usable and named. */
export async function checkKeySet(given: unknown, field = 'jwks'): Promise<KeySet> {
  let parsed: unknown = given;
  if (typeof given === 'string') {
    try {
      parsed = JSON.parse(given);
    } catch {
      throw new ValidationError({ [field]: 'The key set is not valid JSON: paste the whole JSON Web Key Set, starting { "keys": [' });
    }
  }
  const keys = (parsed as { keys?: unknown })?.keys;
  if (!Array.isArray(keys) || !keys.length) throw new ValidationError({ [field]: 'The key set needs a "keys" list with at least one public key' });
  if (keys.length > 10) throw new ValidationError({ [field]: 'A key set may hold 10 keys at most' });
  const kids = new Set<string>();
  const out: JWK[] = [];
  for (const k of keys as JWK[]) {
    if (!k || typeof k !== 'object') throw new ValidationError({ [field]: 'Each key must be a JSON object' });
    if (PRIVATE_MEMBERS.some((m) => m in k))
      throw new ValidationError({ [field]: 'The key set holds a private key. Send only the public key: keep the private key on your system.' });
    if (!k.kid || typeof k.kid !== 'string')
      throw new ValidationError({ [field]: 'Each key needs a key id ("kid"), so a rotation can name the key it signs with' });
    if (kids.has(k.kid)) throw new ValidationError({ [field]: `Two keys share the key id ${k.kid}` });
    kids.add(k.kid);
    const alg = k.alg ?? (k.kty === 'EC' ? EC_ALG[k.crv ?? ''] : DEFAULT_ALG[k.kty ?? '']);
    if (!alg) throw new ValidationError({ [field]: `Key ${k.kid} is of a type Beacon does not accept (use RSA, EC or Ed25519)` });
    try {
      await importJWK(k, alg);
    } catch {
      throw new ValidationError({ [field]: `Key ${k.kid} could not be read as a ${k.kty} public key` });
    }
    if (k.kty === 'RSA' && typeof k.n === 'string' && Buffer.from(k.n, 'base64url').length < 256)
      throw new ValidationError({ [field]: `Key ${k.kid} is too short: RSA keys must be 2048 bits or more` });
    // Only public members are kept.
    const { kty, kid, alg: a, use, crv, x, y, n, e } = k;
    out.push(Object.fromEntries(Object.entries({ kty, kid, alg: a, use, crv, x, y, n, e }).filter(([, v]) => v !== undefined)) as JWK);
  }
  return { keys: out };
}

/** A key set address: HTTPS, or plain HTTP to this machine outside production. */
export function checkKeySetUrl(url: string, production: boolean, field = 'jwksUrl'): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ValidationError({ [field]: 'Enter the full address of the key set, like https://epr.example.nhs.uk/.well-known/jwks.json' });
  }
  const local = u.hostname === '127.0.0.1' || u.hostname === 'localhost' || u.hostname === '[::1]';
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && local && !production))
    throw new ValidationError({ [field]: 'The key set address must start with https://' });
  return u.toString();
}

// Remote key sets are fetched once and cached by jose (with its cool-down), per address.
const remote = new Map<string, JWTVerifyGetKey>();

/** What verifies a client's assertions: its stored key set, or the one published at its address. */
export function keyResolver(client: { jwks: KeySet | null; jwksUrl: string | null }): JWTVerifyGetKey | null {
  if (client.jwks?.keys.length) return createLocalJWKSet(client.jwks);
  if (client.jwksUrl) {
    let r = remote.get(client.jwksUrl);
    if (!r) {
      r = createRemoteJWKSet(new URL(client.jwksUrl), { timeoutDuration: 3000, cacheMaxAge: 600_000 });
      remote.set(client.jwksUrl, r);
    }
    return r;
  }
  return null;
}
