import * as client from 'openid-client';
import { z } from 'zod';
import { decryptText, encryptText, safeEqual } from '../crypto';

/**
 * OpenID Connect relying party (authorization code flow with PKCE S256, state and nonce), for NHS CIS2
 * Authentication or Microsoft Entra ID. This module knows nothing about Beacon accounts: it turns a
 * callback into a verified identity (issuer, subject, email) or a classified error. Linking that
 * identity to a Beacon user is done by the routes (src/people/oidc-routes.ts).
 */

export interface OidcSettings {
  issuer: string;
  clientId: string;
  /** Absent for a public client (PKCE only). CIS2 and Entra ID web apps are confidential clients. */
  clientSecret: string | undefined;
  /** Space-separated; `openid` is always requested. */
  scopes: string;
  /** Plain-HTTP issuer allowed (local testing only; refused in production by config). */
  allowHttp: boolean;
  /** Absolute callback URL registered with the provider: `${publicUrl}/sign-in/sso/callback`. */
  redirectUri: string;
  /** Seconds to wait for the provider (discovery, token, userinfo). */
  timeoutSeconds?: number;
}

/** What must survive the round trip to the provider. Kept in an encrypted, signed, short-lived cookie. */
export interface OidcTransaction {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Safe same-site path to return to after sign-in. */
  next: string;
  /** Epoch milliseconds after which the attempt is refused. */
  expiresAt: number;
}

/** A verified identity from the provider. */
export interface OidcIdentity {
  issuer: string;
  subject: string;
  /** Lower-cased, or null when the provider shared none. */
  email: string | null;
  /** The `email_verified` claim when the provider sent one. */
  emailVerified: boolean | null;
}

export type OidcErrorKind =
  /** The provider sent the person back with an error (e.g. access_denied: they cancelled). */
  | 'provider_error'
  /** The response did not verify: state, nonce, PKCE, signature, issuer or audience. */
  | 'invalid_response'
  /** The provider could not be reached or answered unexpectedly (discovery, token endpoint down). */
  | 'unavailable';

export class OidcError extends Error {
  constructor(
    public readonly kind: OidcErrorKind,
    message: string,
    /** The OAuth `error` code when the provider gave one. */
    public readonly providerError?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OidcError';
  }
}

/** How long a person has to finish signing in at the provider. */
export const OIDC_TRANSACTION_SECONDS = 600;
const TRANSACTION_AAD = 'beacon-oidc-transaction';

const transactionSchema = z.object({
  state: z.string().min(16).max(200),
  nonce: z.string().min(16).max(200),
  codeVerifier: z.string().min(43).max(128),
  next: z.string().max(2000),
  expiresAt: z.number().int().positive(),
});

/** Encrypt (AES-256-GCM with the service key) so the PKCE verifier and nonce are never readable in the browser. */
export function sealTransaction(key: Buffer, tx: OidcTransaction): string {
  return encryptText(key, JSON.stringify(tx), TRANSACTION_AAD);
}

/** The transaction, or null when absent, altered, unreadable or expired. */
export function openTransaction(key: Buffer, sealed: string | null | undefined, now = Date.now()): OidcTransaction | null {
  if (!sealed) return null;
  try {
    const parsed = transactionSchema.safeParse(JSON.parse(decryptText(key, sealed, TRANSACTION_AAD)));
    if (!parsed.success || parsed.data.expiresAt <= now) return null;
    return parsed.data;
  } catch {
    return null;
  }
}

/** Constant-time comparison of the `state` returned by the provider with the one we sent. */
export function stateMatches(tx: OidcTransaction, returned: unknown): boolean {
  return typeof returned === 'string' && returned.length > 0 && safeEqual(tx.state, returned);
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function normaliseEmail(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const e = v.trim().toLowerCase();
  return e.length <= 254 && EMAIL.test(e) ? e : null;
}

function isNetworkError(err: unknown): boolean {
  if (err instanceof DOMException) return err.name === 'TimeoutError' || err.name === 'AbortError';
  return (
    err instanceof TypeError && /fetch failed|network|ECONNREFUSED|ENOTFOUND|socket/i.test(`${err.message} ${String((err as { cause?: unknown }).cause ?? '')}`)
  );
}

function classify(err: unknown): OidcError {
  if (err instanceof OidcError) return err;
  if (err instanceof client.AuthorizationResponseError) return new OidcError('provider_error', err.error_description ?? err.error, err.error, { cause: err });
  if (isNetworkError(err)) return new OidcError('unavailable', 'The sign-in provider could not be reached', undefined, { cause: err });
  if (err instanceof client.ResponseBodyError) {
    // invalid_grant: code already used or expired, or the PKCE verifier does not match.
    if (err.status >= 500) return new OidcError('unavailable', `The sign-in provider answered ${err.status}`, err.error, { cause: err });
    return new OidcError('invalid_response', `The token request was refused (${err.error})`, err.error, { cause: err });
  }
  if (err instanceof client.ClientError && err.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM') {
    return new OidcError('unavailable', 'The sign-in provider answered unexpectedly', undefined, { cause: err });
  }
  return new OidcError('invalid_response', err instanceof Error ? err.message : 'The sign-in response could not be verified', undefined, { cause: err });
}

export interface OidcClient {
  /** The provider's metadata (discovered once and cached; a failed discovery is retried next time). */
  configuration(): Promise<client.Configuration>;
  /** A fresh transaction and the provider URL to send the person to. */
  begin(next: string): Promise<{ url: URL; transaction: OidcTransaction }>;
  /**
   * Verify the callback (state, then code exchange with the PKCE verifier, ID token signature, issuer,
   * audience, expiry and nonce) and return who signed in. `query` is the callback's raw query string.
   */
  complete(query: string, transaction: OidcTransaction): Promise<OidcIdentity>;
}

export function createOidcClient(settings: OidcSettings): OidcClient {
  const timeout = settings.timeoutSeconds ?? 15;
  const scope = Array.from(new Set(['openid', ...settings.scopes.split(/\s+/).filter(Boolean)])).join(' ');
  let cached: Promise<client.Configuration> | null = null;

  const configuration = () => {
    cached ??= client
      .discovery(
        new URL(settings.issuer),
        settings.clientId,
        // Confidential client (client_secret_post is accepted by both CIS2 and Entra ID); public otherwise.
        { redirect_uris: [settings.redirectUri], response_types: ['code'] },
        settings.clientSecret ? client.ClientSecretPost(settings.clientSecret) : client.None(),
        { timeout, ...(settings.allowHttp ? { execute: [client.allowInsecureRequests] } : {}) },
      )
      .then((config) => {
        // A multi-tenant Entra ID endpoint (common / organizations) would let any tenant's users in, and
        // their email claims are set by their own administrators: only a single tenant's issuer is accepted.
        if (config.serverMetadata().issuer.includes('{tenantid}')) {
          throw new Error('A multi-tenant issuer (e.g. Entra ID /common or /organizations) is not allowed: use the tenant-specific issuer');
        }
        return config;
      })
      .catch((err: unknown) => {
        cached = null;
        throw new OidcError(
          'unavailable',
          err instanceof Error ? `The sign-in provider could not be discovered: ${err.message}` : 'The sign-in provider could not be discovered',
          undefined,
          { cause: err },
        );
      });
    return cached;
  };

  return {
    configuration,

    async begin(next) {
      const config = await configuration();
      const transaction: OidcTransaction = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        codeVerifier: client.randomPKCECodeVerifier(),
        next,
        expiresAt: Date.now() + OIDC_TRANSACTION_SECONDS * 1000,
      };
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: settings.redirectUri,
        response_type: 'code',
        scope,
        state: transaction.state,
        nonce: transaction.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(transaction.codeVerifier),
        code_challenge_method: 'S256',
      });
      return { url, transaction };
    },

    async complete(query, transaction) {
      const config = await configuration();
      // The redirect_uri sent to the token endpoint is this URL without its query, so it is built from
      // the configured callback address, never from request headers.
      const current = new URL(settings.redirectUri);
      current.search = query;
      try {
        const tokens = await client.authorizationCodeGrant(config, current, {
          pkceCodeVerifier: transaction.codeVerifier,
          expectedState: transaction.state,
          expectedNonce: transaction.nonce,
          idTokenExpected: true,
        });
        const claims = tokens.claims();
        if (!claims?.sub) throw new OidcError('invalid_response', 'The ID token has no subject');
        let email = normaliseEmail(claims.email);
        let emailVerified = typeof claims.email_verified === 'boolean' ? claims.email_verified : null;
        // CIS2 (and other providers) may return profile claims only from the userinfo endpoint.
        if (!email && config.serverMetadata().userinfo_endpoint) {
          const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
          email = normaliseEmail(info.email);
          emailVerified = typeof info.email_verified === 'boolean' ? info.email_verified : null;
        }
        return { issuer: claims.iss, subject: claims.sub, email, emailVerified };
      } catch (err) {
        throw classify(err);
      }
    },
  };
}
