/**
 * The token endpoint: OAuth 2.0 client credentials with a signed JWT client assertion (RFC 7523), as
 * NHS England's application-restricted APIs do it. The client signs a short assertion with its private
 * key (iss = sub = its id, aud = this endpoint, a unique jti, exp at most five minutes ahead); Beacon
 * checks it against the client's registered public keys and answers a random bearer token good for five
 * minutes. A `jti` is accepted once. Every issue and every refusal is audited.
 */
import { eq, lt } from 'drizzle-orm';
import { decodeJwt, errors as joseErrors, jwtVerify } from 'jose';
import type { RequestContext } from '../platform/context';
import type { Db } from '../platform/db/engine';
import { recordAudit, recordAuditNow } from '../platform/audit/service';
import { randomToken, sha256Hex } from '../platform/crypto';
import { isUuid } from '../directory/service';
import { clientMembershipFor } from '../people/service';
import { keyResolver, type KeySet } from './keys';
import { ASSERTION_ALGORITHMS, grantFor, MAX_ASSERTION_SECONDS, TOKEN_SECONDS } from './rules';
import { apiAccessTokens, apiClientAssertions, apiClients } from './schema';

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** A refusal in OAuth 2.0's own terms (RFC 6749 §5.2): the error code and a sentence saying what to fix. */
export class OAuthError extends Error {
  constructor(
    readonly status: 400 | 401,
    readonly error: 'invalid_request' | 'invalid_client' | 'invalid_scope' | 'unsupported_grant_type',
    readonly description: string,
  ) {
    super(description);
    this.name = 'OAuthError';
  }
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/** Why jose refused an assertion, in words a developer can act on. */
function assertionProblem(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'The client assertion has expired: make a new one for each token request.';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return 'The client assertion is not addressed to this token endpoint (aud).';
    if (err.claim === 'iss' || err.claim === 'sub') return 'The client assertion must name the client as both iss and sub.';
    return `The client assertion's ${err.claim} claim is not valid (${err.reason}).`;
  }
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'No registered key of this client matches the assertion (check its kid and alg).';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return "The client assertion's signature does not match the client's registered key.";
  if (err instanceof joseErrors.JOSEAlgNotAllowed)
    return `The client assertion is signed with an algorithm Beacon does not accept (use one of ${ASSERTION_ALGORITHMS.join(', ')}).`;
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid) return "The client's published key set could not be fetched or read.";
  return 'The client assertion could not be verified.';
}

/**
 * Issue a token for a token request (the form fields as sent). `audiences` are the addresses this
 * endpoint answers at (the public address; outside production also the one the request came to).
 */
export async function issueToken(
  db: Db,
  ctx: RequestContext,
  form: Record<string, unknown>,
  audiences: readonly string[],
  now = new Date(),
): Promise<TokenResponse> {
  const field = (k: string) => (typeof form[k] === 'string' ? (form[k] as string) : undefined);
  let clientId: string | null = null;
  const refuse = async (e: OAuthError): Promise<never> => {
    await recordAuditNow(db, ctx, {
      action: 'apiclient.token',
      verb: 'E',
      outcome: 'denied',
      entityType: 'ApiClient',
      entityId: clientId ?? undefined,
      actorUserId: null,
      actorName: null,
      detail: { error: e.error, problem: e.description, scope: field('scope') ?? null },
    });
    throw e;
  };

  if (field('grant_type') !== 'client_credentials')
    return refuse(new OAuthError(400, 'unsupported_grant_type', 'Use grant_type=client_credentials with a signed client assertion.'));
  if (field('client_assertion_type') !== ASSERTION_TYPE) return refuse(new OAuthError(400, 'invalid_request', `Send client_assertion_type=${ASSERTION_TYPE}.`));
  const assertion = field('client_assertion');
  if (!assertion) return refuse(new OAuthError(400, 'invalid_request', 'Send the signed JWT as client_assertion.'));

  let claimed: string | undefined;
  try {
    claimed = decodeJwt(assertion).iss;
  } catch {
    return refuse(new OAuthError(400, 'invalid_request', 'The client assertion is not a JWT.'));
  }
  if (!claimed || !isUuid(claimed)) return refuse(new OAuthError(401, 'invalid_client', 'The client assertion must name a registered client id as iss.'));
  if (field('client_id') && field('client_id') !== claimed)
    return refuse(new OAuthError(401, 'invalid_client', 'client_id and the assertion name different clients.'));
  const [client] = await db.select().from(apiClients).where(eq(apiClients.id, claimed));
  if (!client) return refuse(new OAuthError(401, 'invalid_client', 'There is no client with this id.'));
  clientId = client.id;
  if (client.status !== 'active') return refuse(new OAuthError(401, 'invalid_client', 'This client is suspended. Ask the Beacon administrator.'));
  const keys = keyResolver({ jwks: client.jwks as KeySet | null, jwksUrl: client.jwksUrl });
  if (!keys) return refuse(new OAuthError(401, 'invalid_client', 'This client has no registered keys.'));

  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  let keyId: string | null;
  try {
    let protectedHeader: Awaited<ReturnType<typeof jwtVerify>>['protectedHeader'];
    ({ payload, protectedHeader } = await jwtVerify(assertion, keys, {
      issuer: client.id,
      subject: client.id,
      audience: [...audiences],
      algorithms: ASSERTION_ALGORITHMS,
      requiredClaims: ['jti', 'exp'],
      currentDate: now,
      clockTolerance: 10,
    }));
    keyId = protectedHeader.kid ?? null;
  } catch (err) {
    return refuse(new OAuthError(401, 'invalid_client', assertionProblem(err)));
  }
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (payload.exp! > nowSeconds + MAX_ASSERTION_SECONDS + 10)
    return refuse(new OAuthError(401, 'invalid_client', 'The client assertion may be valid for 5 minutes at most (exp).'));
  const jti = String(payload.jti);
  if (jti.length > 200) return refuse(new OAuthError(401, 'invalid_client', 'The jti is too long (200 characters at most).'));

  const grant = grantFor(field('scope'), { roles: client.roles, scopes: client.scopes });
  if ('error' in grant) return refuse(new OAuthError(400, grant.error, grant.description));
  const membershipId = await clientMembershipFor(db, client.userId, grant.role);
  if (!membershipId) return refuse(new OAuthError(400, 'invalid_scope', `This client can no longer act with the role ${grant.role}.`));

  const token = randomToken();
  const expiresAt = new Date(now.getTime() + TOKEN_SECONDS * 1000);
  const issued = await db.transaction(async (tx) => {
    // Housekeeping first: assertions past their expiry can no longer be replayed, and tokens past theirs are dead.
    await tx.delete(apiClientAssertions).where(lt(apiClientAssertions.expiresAt, now));
    await tx.delete(apiAccessTokens).where(lt(apiAccessTokens.expiresAt, now));
    const fresh = await tx
      .insert(apiClientAssertions)
      .values({ clientId: client.id, jti, expiresAt: new Date((payload.exp! + 10) * 1000) })
      .onConflictDoNothing()
      .returning({ jti: apiClientAssertions.jti });
    if (!fresh.length) return false;
    await tx
      .insert(apiAccessTokens)
      .values({ tokenHash: sha256Hex(token), clientId: client.id, membershipId, scopes: grant.scopes, createdAt: now, expiresAt });
    await tx.update(apiClients).set({ lastTokenAt: now }).where(eq(apiClients.id, client.id));
    await recordAudit(tx, ctx, {
      action: 'apiclient.token',
      verb: 'E',
      entityType: 'ApiClient',
      entityId: client.id,
      actorUserId: client.userId,
      actorName: `${client.name} (API client)`,
      detail: { role: grant.role, scopes: grant.scopes, expiresAt: expiresAt.toISOString(), keyId },
    });
    return true;
  });
  if (!issued)
    return refuse(new OAuthError(401, 'invalid_client', 'This client assertion has been used already: make a new one, with a new jti, for each request.'));
  return { access_token: token, token_type: 'Bearer', expires_in: TOKEN_SECONDS, scope: [...grant.scopes, `role:${grant.role}`].join(' ') };
}
