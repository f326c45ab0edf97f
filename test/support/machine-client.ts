/**
 * A machine client as an integrating system is one: its own key pair, registered by an administrator,
 * signing a fresh client assertion for each token, then calling with `Authorization: Bearer`.
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import type { TestApp } from './app';
import { ApiClient } from './api-client';

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export interface KeyPair {
  privateKey: PrivateKey;
  publicJwk: JWK;
  kid: string;
}

export async function makeKey(kid = `key-${randomUUID().slice(0, 8)}`): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair('RS512', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS512', use: 'sig' };
  return { privateKey, publicJwk, kid };
}

/** A signed client assertion; `claims` override the usual ones (iss = sub = id, aud, jti, exp in 4 minutes). */
export async function assertion(clientId: string, key: KeyPair, aud: string, claims: Record<string, unknown> = {}, exp?: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: randomUUID(), ...claims })
    .setProtectedHeader({ alg: 'RS512', kid: key.kid, typ: 'JWT' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(aud)
    .setIssuedAt(now)
    .setExpirationTime(exp ?? now + 240)
    .sign(key.privateKey);
}

export class MachineClient {
  accessToken = '';
  constructor(
    readonly t: TestApp,
    readonly id: string,
    readonly key: KeyPair,
    public endUser: string | null = 'Jane Smith; Staff midwife',
  ) {}

  get tokenUrl(): string {
    return `${this.t.config.publicUrl}/oauth2/token`;
  }

  /** Register a client as the demo administrator; returns it (without a token yet). */
  static async register(t: TestApp, body: Record<string, unknown>, key?: KeyPair): Promise<MachineClient> {
    const k = key ?? (await makeKey());
    const admin = await ApiClient.as(t, 'admin@beacon.example');
    const r = await admin.post('/api/clients', { jwks: { keys: [k.publicJwk] }, ...body });
    if (r.status !== 201) throw new Error(`registering a client answered ${r.status}: ${JSON.stringify(r.json)}`);
    return new MachineClient(t, r.json.id, k);
  }

  async requestToken(form: Record<string, string>) {
    const res = await this.t.app.inject({
      method: 'POST',
      url: '/oauth2/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(form).toString(),
    });
    // biome-ignore lint/suspicious/noExplicitAny: tests read whatever the endpoint answers
    return { status: res.statusCode, json: JSON.parse(res.body) as any };
  }

  /** Get a token (throws when refused). */
  async signIn(scope?: string): Promise<this> {
    const r = await this.requestToken({
      grant_type: 'client_credentials',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await assertion(this.id, this.key, this.tokenUrl),
      ...(scope ? { scope } : {}),
    });
    if (r.status !== 200) throw new Error(`token request answered ${r.status}: ${JSON.stringify(r.json)}`);
    this.accessToken = r.json.access_token;
    return this;
  }

  async send(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, headers: Record<string, string> = {}) {
    const res = await this.t.app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${this.accessToken}`,
        ...(this.endUser ? { 'beacon-end-user': this.endUser } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    let json: unknown = null;
    try {
      json = JSON.parse(res.body);
    } catch {
      json = null;
    }
    // biome-ignore lint/suspicious/noExplicitAny: tests read whatever the endpoint answers
    return { status: res.statusCode, json: json as any, headers: res.headers, body: res.body };
  }

  get = (url: string, headers?: Record<string, string>) => this.send('GET', url, undefined, headers);
  post = (url: string, body: unknown = {}, headers?: Record<string, string>) => this.send('POST', url, body, headers);
  put = (url: string, body: unknown, headers?: Record<string, string>) => this.send('PUT', url, body, headers);
}

/** The id of an organisation by ODS code (through the directory API, as a client would find it). */
export async function organisationId(t: TestApp, ods: string): Promise<string> {
  const admin = await ApiClient.as(t, 'admin@beacon.example');
  const r = await admin.get(`/api/directory/organisations?ods=${ods}`);
  return r.json.organisations[0].id;
}
