/**
 * Bearer tokens on requests: who the token acts as (the client's account, in the role it was granted),
 * whether the path is within its scopes, and the end user the calling system names. The session hook
 * calls this instead of reading a cookie when a request carries `Authorization: Bearer …`.
 */
import { and, eq, gt } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import { sha256Hex } from '../platform/crypto';
import type { BearerLoader } from '../platform/http/session-hook';
import { resolveActor } from '../people/service';
import { parseEndUser, scopeForPath } from './rules';
import { apiAccessTokens, apiClients } from './schema';

export const loadBearer: BearerLoader = async (db: Db, token, path, headers) => {
  if (!token || token.length > 200) return { status: 401, message: 'The access token is not valid. Get a new one from POST /oauth2/token.' };
  const [row] = await db
    .select({ t: apiAccessTokens, c: { id: apiClients.id, name: apiClients.name, userId: apiClients.userId, status: apiClients.status } })
    .from(apiAccessTokens)
    .innerJoin(apiClients, eq(apiClients.id, apiAccessTokens.clientId))
    .where(and(eq(apiAccessTokens.tokenHash, sha256Hex(token)), gt(apiAccessTokens.expiresAt, new Date())));
  if (!row || row.c.status !== 'active')
    return { status: 401, message: 'The access token is not valid or has expired (they last 5 minutes). Get a new one from POST /oauth2/token.' };
  const scope = scopeForPath(path);
  if (scope === null) return { status: 403, message: 'This address is not open to API clients.' };
  if (scope !== 'any' && !row.t.scopes.includes(scope))
    return { status: 403, message: `This token does not have the scope ${scope}. Ask for it at POST /oauth2/token, if the client is allowed it.` };
  const actor = await resolveActor(db, row.c.userId, row.t.membershipId);
  if (!actor) return { status: 401, message: 'This client can no longer act with the role of this token.' };
  return { actor, client: { id: row.c.id, name: row.c.name, endUser: parseEndUser(headers['beacon-end-user']) } };
};
