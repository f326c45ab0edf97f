import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { and, eq, sql } from 'drizzle-orm';
import type { AppDeps } from '../platform/http/deps';
import type { Db } from '../platform/db/engine';
import { users } from '../platform/auth/schema';
import {
  createOidcClient,
  OIDC_TRANSACTION_SECONDS,
  OidcError,
  openTransaction,
  sealTransaction,
  stateMatches,
  type OidcIdentity,
} from '../platform/auth/oidc';
import { recordAudit, recordAuditNow, type AuditOutcome } from '../platform/audit/service';
import { safeReturnPath } from '../platform/http/forms';
import { afterSignIn, beginSession } from './sign-in-routes';

/** Holds state, nonce, PKCE verifier and `next` between leaving for the provider and coming back. */
export const OIDC_COOKIE = 'beacon_oidc';
const COOKIE_PATH = '/sign-in/sso';

type UserRow = typeof users.$inferSelect;

/** The result of matching a verified identity to a Beacon account. */
type Match =
  | { ok: true; user: UserRow; linked: boolean }
  | { ok: false; status: number; outcome: AuditOutcome; result: string; user: UserRow | null; title: string; message: string };

/**
 * Deny by default. A person signs in only as a Beacon account that already exists and is active:
 *  1. an account already linked to this (issuer, subject) signs in;
 *  2. otherwise an active account whose email matches (case-insensitive) and that is not linked to any
 *     other identity is linked now, on this first sign-in;
 *  3. anyone else is refused. Accounts are never created here.
 */
async function matchAccount(db: Db, id: OidcIdentity): Promise<Match> {
  const deactivated = (user: UserRow): Match => ({
    ok: false,
    status: 403,
    outcome: 'denied',
    result: 'account deactivated',
    user,
    title: 'Your Beacon account is not active',
    message:
      "Your Beacon account has been deactivated, so you cannot sign in. If you still need to use Beacon, ask your organisation's Beacon administrator to reactivate it.",
  });

  const [linked] = await db
    .select()
    .from(users)
    .where(and(eq(users.oidcIssuer, id.issuer), eq(users.oidcSubject, id.subject)))
    .limit(1);
  if (linked) return linked.active ? { ok: true, user: linked, linked: false } : deactivated(linked);

  if (!id.email) {
    return {
      ok: false,
      status: 403,
      outcome: 'failure',
      result: 'no email address from the provider',
      user: null,
      title: 'Beacon could not find your email address',
      message:
        "Your NHS account did not share an email address with Beacon, so your Beacon account cannot be found. Ask your organisation's Beacon administrator for help.",
    };
  }
  const unknown: Match = {
    ok: false,
    status: 403,
    outcome: 'failure',
    result: 'unknown account',
    user: null,
    title: 'Your NHS account is not set up in Beacon',
    message: `Your NHS account is not set up in Beacon. Ask your organisation's Beacon administrator to add ${id.email}.`,
  };
  const [byEmail] = await db.select().from(users).where(sql`lower(${users.email}) = ${id.email}`).limit(1);
  // A machine client's account is never linked to a person's NHS identity, whatever address a provider asserts.
  if (!byEmail || byEmail.kind !== 'person') return unknown;
  if (!byEmail.active) return deactivated(byEmail);
  if (byEmail.oidcSubject !== null || byEmail.oidcIssuer !== null) {
    return {
      ok: false,
      status: 403,
      outcome: 'denied',
      result: 'account linked to a different single sign-on identity',
      user: byEmail,
      title: 'Your Beacon account is linked to a different NHS account',
      message: `The Beacon account for ${id.email} is already linked to a different NHS account. Ask your organisation's Beacon administrator to check which account should be used.`,
    };
  }
  if (id.emailVerified === false) {
    return {
      ok: false,
      status: 403,
      outcome: 'denied',
      result: 'email address not verified by the provider',
      user: byEmail,
      title: 'Your email address is not verified',
      message:
        "Your NHS account's email address has not been verified, so it cannot be linked to your Beacon account. Ask your organisation's Beacon administrator for help.",
    };
  }
  return { ok: true, user: byEmail, linked: true };
}

export const oidcRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { config } = deps;
    const settings = config.oidc;
    if (!settings) return; // Single sign-on is off: no routes, so /sign-in/sso is a 404.
    const { db } = deps.database;
    const oidc = createOidcClient({
      issuer: settings.issuer,
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      scopes: settings.scopes,
      allowHttp: settings.allowHttp,
      redirectUri: `${config.publicUrl}/sign-in/sso/callback`,
    });
    const limit = { rateLimit: { max: config.signIn.rateLimitPerMinute, timeWindow: '1 minute' } };
    const cookieOptions = { path: COOKIE_PATH, httpOnly: true, sameSite: 'lax' as const, secure: config.session.cookieSecure, signed: true };

    const audit = (
      req: FastifyRequest,
      outcome: AuditOutcome,
      result: string,
      extra: { user?: UserRow | null; identity?: OidcIdentity | null; providerError?: string } = {},
    ) =>
      recordAuditNow(db, req.ctx, {
        action: 'user.sign-in',
        verb: 'E',
        outcome,
        entityType: 'User',
        entityId: extra.user?.id,
        actorUserId: extra.user?.id ?? null,
        actorName: extra.user?.displayName ?? null,
        detail: {
          method: 'oidc',
          result,
          issuer: extra.identity?.issuer ?? settings.issuer,
          ...(extra.identity ? { subject: extra.identity.subject, email: extra.identity.email } : {}),
          ...(extra.providerError ? { providerError: extra.providerError.slice(0, 100) } : {}),
        },
      });

    const refuse = (req: FastifyRequest, reply: FastifyReply, status: number, title: string, message: string) =>
      reply.code(status).page('views/error.njk', { title, message, correlationId: req.id });

    const startAgain = 'Go back to the sign-in page and choose to sign in again.';

    app.get(COOKIE_PATH, { config: { auth: 'public', ...limit } }, async (req, reply) => {
      const next = safeReturnPath((req.query as Record<string, unknown>).next);
      if (req.session && !req.session.awaitingSecondFactor && req.ctx.actor) return reply.redirect(next);
      let started: Awaited<ReturnType<typeof oidc.begin>>;
      try {
        started = await oidc.begin(next);
      } catch (err) {
        req.log.error({ err }, 'single sign-on provider unavailable');
        return refuse(
          req,
          reply,
          503,
          `${settings.displayName} is not available`,
          `Beacon cannot reach ${settings.displayName} at the moment. Try again in a few minutes, or sign in with your Beacon password.`,
        );
      }
      reply.setCookie(OIDC_COOKIE, sealTransaction(config.encryptionKey, started.transaction), { ...cookieOptions, maxAge: OIDC_TRANSACTION_SECONDS });
      return reply.redirect(started.url.href);
    });

    app.get(`${COOKIE_PATH}/callback`, { config: { auth: 'public', ...limit } }, async (req, reply) => {
      const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
      const params = new URLSearchParams(query);
      // One attempt per transaction: the cookie goes whatever happens next.
      const raw = req.cookies[OIDC_COOKIE];
      reply.clearCookie(OIDC_COOKIE, { path: COOKIE_PATH });
      const unsigned = raw ? req.unsignCookie(raw) : null;
      const attempt = unsigned?.valid ? openTransaction(config.encryptionKey, unsigned.value) : null;

      if (!attempt) {
        await audit(req, 'failure', raw ? 'sign-in attempt altered or expired' : 'no sign-in attempt in progress');
        return refuse(
          req,
          reply,
          400,
          'Your sign-in attempt has expired',
          `Signing in must be finished within ${OIDC_TRANSACTION_SECONDS / 60} minutes, in the same browser it was started in. ${startAgain}`,
        );
      }
      if (!stateMatches(attempt, params.get('state'))) {
        await audit(req, 'failure', 'state did not match');
        return refuse(
          req,
          reply,
          400,
          'Beacon could not check who you are',
          `The response from ${settings.displayName} did not match the sign-in you started. ${startAgain}`,
        );
      }

      let identity: OidcIdentity;
      try {
        identity = await oidc.complete(query, attempt);
      } catch (err) {
        const e = err instanceof OidcError ? err : new OidcError('invalid_response', String(err));
        if (e.kind === 'provider_error') {
          await audit(req, 'failure', 'provider returned an error', { providerError: e.providerError });
          return e.providerError === 'access_denied'
            ? refuse(
                req,
                reply,
                401,
                'You did not finish signing in',
                `Signing in with ${settings.displayName} was cancelled or refused, so you are not signed in to Beacon. ${startAgain}`,
              )
            : refuse(req, reply, 401, 'You could not be signed in', `${settings.displayName} could not sign you in. ${startAgain}`);
        }
        if (e.kind === 'unavailable') {
          req.log.error({ err: e.cause ?? e }, 'single sign-on provider unavailable');
          await audit(req, 'failure', 'provider unavailable', { providerError: e.providerError });
          return refuse(
            req,
            reply,
            503,
            `${settings.displayName} is not available`,
            `Beacon cannot reach ${settings.displayName} at the moment. Try again in a few minutes, or sign in with your Beacon password.`,
          );
        }
        req.log.warn({ err: e.cause ?? e }, 'single sign-on response refused');
        await audit(req, 'failure', 'response could not be verified', { providerError: e.providerError });
        return refuse(req, reply, 400, 'Beacon could not check who you are', `The response from ${settings.displayName} could not be verified. ${startAgain}`);
      }

      const match = await matchAccount(db, identity);
      if (!match.ok) {
        await audit(req, match.outcome, match.result, { user: match.user, identity });
        return refuse(req, reply, match.status, match.title, match.message);
      }

      const user = match.user;
      const now = new Date();
      const done = await db
        .transaction(async (tx) => {
          if (match.linked) {
            // Only if still unlinked (a concurrent first sign-in cannot link twice).
            const updated = await tx
              .update(users)
              .set({ oidcIssuer: identity.issuer, oidcSubject: identity.subject, lastSignInAt: now, updatedAt: now })
              .where(and(eq(users.id, user.id), eq(users.active, true), sql`${users.oidcSubject} IS NULL`, sql`${users.oidcIssuer} IS NULL`))
              .returning({ id: users.id });
            if (!updated.length) return false;
            await recordAudit(tx, req.ctx, {
              action: 'user.sso.link',
              verb: 'U',
              entityType: 'User',
              entityId: user.id,
              actorUserId: user.id,
              actorName: user.displayName,
              detail: { method: 'oidc', issuer: identity.issuer, subject: identity.subject, email: identity.email },
            });
          } else {
            await tx.update(users).set({ lastSignInAt: now }).where(eq(users.id, user.id));
          }
          await recordAudit(tx, req.ctx, {
            action: 'user.sign-in',
            verb: 'E',
            outcome: 'success',
            entityType: 'User',
            entityId: user.id,
            actorUserId: user.id,
            actorName: user.displayName,
            detail: {
              method: 'oidc',
              result: match.linked ? 'signed in; account linked' : 'signed in',
              issuer: identity.issuer,
              subject: identity.subject,
              email: identity.email,
            },
          });
          return true;
        })
        .catch((err: unknown) => {
          // The (issuer, subject) unique index: another account was linked to this identity meanwhile.
          if ((err as { code?: string }).code === '23505' || (err as { cause?: { code?: string } }).cause?.code === '23505') return false;
          throw err;
        });
      if (!done) {
        await audit(req, 'denied', 'account changed while linking', { user, identity });
        return refuse(req, reply, 409, 'You could not be signed in', `Your Beacon account changed while you were signing in. ${startAgain}`);
      }

      await beginSession(deps, req, reply, user.id, 'oidc', false);
      return reply.redirect(await afterSignIn(deps, user.id, safeReturnPath(attempt.next)));
    });
  };
