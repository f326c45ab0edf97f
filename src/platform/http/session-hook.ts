import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import type { Actor, ClientActing, RequestContext } from '../context';
import type { Db } from '../db/engine';
import type { LoadedSession, SessionPolicy, SessionState } from '../auth/sessions';

export const SESSION_COOKIE = 'beacon_session';

/**
 * The session for a cookie value and whom it acts as (null before a role is chosen, or when that
 * membership can no longer act), read together: one query on every request.
 */
export type SessionActorLoader = (db: Db, policy: SessionPolicy, token: string | undefined) => Promise<{ state: SessionState; actor: Actor | null }>;

/**
 * Whom a bearer token acts as, for a path (src/clients): the client's account and the client itself, or
 * why not (401: no such token, expired, suspended; 403: outside its scopes).
 */
export type BearerLoader = (
  db: Db,
  token: string,
  path: string,
  headers: IncomingHttpHeaders,
) => Promise<{ actor: Actor; client: ClientActing } | { status: 401 | 403; message: string }>;

declare module 'fastify' {
  interface FastifyRequest {
    session: LoadedSession | null;
    sessionExpired: boolean;
    ctx: RequestContext;
  }
}

/**
 * Loads the session for each request and builds its RequestContext. Pages need a complete session
 * (second factor given, a role chosen) unless the route says otherwise; an API call without one gets
 * 401, a page is sent to sign in and brought back afterwards.
 */
export function registerSessionHook(
  app: FastifyInstance,
  db: Db,
  policy: SessionPolicy,
  loadSessionActor: SessionActorLoader,
  loadBearer?: BearerLoader,
): void {
  app.decorateRequest('session', null);
  app.decorateRequest('sessionExpired', false);
  app.decorateRequest('ctx', null as unknown as RequestContext);

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    req.ctx = { actor: null, ip: req.ip, correlationId: String(req.id) };
    const url = req.routeOptions.url;
    if (!url || url.startsWith('/nhsuk/') || url.startsWith('/assets/') || url.startsWith('/static/')) return;

    // A machine client: a bearer token, never a cookie, on the API and FHIR paths its scopes open (no
    // CSRF token needed: a browser never sends this header of its own accord).
    // (Public routes, the token endpoint among them, need no one: a token sent there is not looked at.)
    const authorization = req.headers.authorization;
    if (loadBearer && authorization && /^bearer\s/i.test(authorization) && req.routeOptions.config?.auth !== 'public') {
      const path = req.url.split('?')[0] ?? '';
      // The scope is judged on the route that will answer (its pattern), not on how the address was spelt.
      const r = await loadBearer(db, authorization.replace(/^bearer\s+/i, '').trim(), url, req.headers);
      if ('actor' in r) {
        req.ctx.actor = r.actor;
        req.ctx.client = r.client;
        return;
      }
      if (r.status === 401) reply.header('www-authenticate', 'Bearer error="invalid_token"');
      const error = r.status === 401 ? 'unauthorised' : 'forbidden';
      if (path.startsWith('/fhir/'))
        return reply
          .code(r.status)
          .type('application/fhir+json')
          .send({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: r.status === 401 ? 'login' : 'forbidden', diagnostics: r.message }] });
      return reply.code(r.status).send({ error, message: r.message });
    }

    const { state, actor } = await loadSessionActor(db, policy, req.cookies[SESSION_COOKIE]);
    if (state.status === 'active') {
      req.session = state.session;
      if (!state.session.awaitingSecondFactor) req.ctx.actor = actor;
    } else if (state.status === 'expired') {
      req.sessionExpired = true;
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
    }

    const auth = req.routeOptions.config?.auth;
    if (auth === 'public') return;
    const complete = req.session && !req.session.awaitingSecondFactor;
    if (auth === 'partial' && req.session) return;
    if (complete && req.ctx.actor) return;

    const message = req.sessionExpired ? 'Your session has ended. Sign in again.' : 'Sign in to use this service.';
    if (req.url.startsWith('/fhir/'))
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .type('application/fhir+json')
        .send({
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'login', diagnostics: `${message} Systems use a bearer token from POST /oauth2/token.` }],
        });
    if (req.url.startsWith('/api/')) return reply.code(401).send({ error: 'unauthorised', message });
    if (req.session?.awaitingSecondFactor) return reply.redirect('/sign-in/code');
    if (complete && !req.ctx.actor) return reply.redirect('/choose-role');
    const next = req.method === 'GET' ? `?next=${encodeURIComponent(req.url)}` : '';
    const expired = req.sessionExpired ? `${next ? '&' : '?'}expired=1` : '';
    return reply.redirect(`/sign-in${next}${expired}`);
  });
}
