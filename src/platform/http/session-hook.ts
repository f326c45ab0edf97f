import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor, RequestContext } from '../context';
import type { Db } from '../db/engine';
import type { LoadedSession, SessionPolicy, SessionState } from '../auth/sessions';

export const SESSION_COOKIE = 'beacon_session';

/**
 * The session for a cookie value and whom it acts as (null before a role is chosen, or when that
 * membership can no longer act), read together: one query on every request.
 */
export type SessionActorLoader = (db: Db, policy: SessionPolicy, token: string | undefined) => Promise<{ state: SessionState; actor: Actor | null }>;

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
export function registerSessionHook(app: FastifyInstance, db: Db, policy: SessionPolicy, loadSessionActor: SessionActorLoader): void {
  app.decorateRequest('session', null);
  app.decorateRequest('sessionExpired', false);
  app.decorateRequest('ctx', null as unknown as RequestContext);

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    req.ctx = { actor: null, ip: req.ip, correlationId: String(req.id) };
    const url = req.routeOptions.url;
    if (!url || url.startsWith('/nhsuk/') || url.startsWith('/assets/') || url.startsWith('/static/')) return;

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

    const isApi = req.url.startsWith('/api/');
    if (isApi)
      return reply
        .code(401)
        .send({ error: 'unauthorised', message: req.sessionExpired ? 'Your session has ended. Sign in again.' : 'Sign in to use this service.' });
    if (req.session?.awaitingSecondFactor) return reply.redirect('/sign-in/code');
    if (complete && !req.ctx.actor) return reply.redirect('/choose-role');
    const next = req.method === 'GET' ? `?next=${encodeURIComponent(req.url)}` : '';
    const expired = req.sessionExpired ? `${next ? '&' : '?'}expired=1` : '';
    return reply.redirect(`/sign-in${next}${expired}`);
  });
}
