import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../platform/http/deps';
import { signInWithPassword, verifySecondFactor, startTotpEnrolment, pendingTotpSecret, confirmTotpEnrolment } from '../platform/auth/accounts';
import { createSession, revokeSession, updateSession } from '../platform/auth/sessions';
import { totpUri } from '../platform/auth/totp';
import { recordAuditNow } from '../platform/audit/service';
import { formErrors, formValues, safeReturnPath } from '../platform/http/forms';
import { SESSION_COOKIE } from '../platform/http/session-hook';
import { ValidationError, zodFieldErrors } from '../platform/errors';
import { completeSetup, findSetupToken, membershipsFor, resolveActor } from './service';

const signInForm = z.object({
  email: z.string().trim().min(1, 'Enter your email address').max(200, 'Enter your email address'),
  password: z.string().min(1, 'Enter your password').max(256, 'Enter your password'),
});

/** Start a fresh session (never reuse one across sign-ins: no session fixation). */
export async function beginSession(
  deps: AppDeps,
  req: FastifyRequest,
  reply: FastifyReply,
  userId: string,
  method: string,
  awaitingSecondFactor: boolean,
): Promise<void> {
  const { db } = deps.database;
  if (req.session) await revokeSession(db, req.session.tokenHash);
  const ms = awaitingSecondFactor ? [] : await membershipsFor(db, userId);
  const token = await createSession(db, deps.config.session, {
    userId,
    authMethod: method,
    awaitingSecondFactor,
    membershipId: ms.length === 1 ? ms[0]!.id : null,
    ip: req.ip,
    userAgent: req.headers['user-agent'] ?? null,
  });
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: deps.config.session.cookieSecure,
    maxAge: deps.config.session.absoluteHours * 3600,
  });
}

/** Where to go once a session is complete: choose a role when there are several. */
export async function afterSignIn(deps: AppDeps, userId: string, next: string): Promise<string> {
  const ms = await membershipsFor(deps.database.db, userId);
  if (ms.length === 0) return '/no-role';
  if (ms.length > 1) return `/choose-role?next=${encodeURIComponent(next)}`;
  return next;
}

export const signInRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;
    const { config } = deps;
    const limit = { rateLimit: { max: config.signIn.rateLimitPerMinute, timeWindow: '1 minute' } };

    app.get('/sign-in', { config: { auth: 'public' } }, async (req, reply) => {
      const q = req.query as Record<string, string>;
      if (req.session && !req.session.awaitingSecondFactor && req.ctx.actor) return reply.redirect(safeReturnPath(q.next));
      return reply.page('people/views/sign-in.njk', {
        title: 'Sign in to Beacon',
        values: {},
        next: safeReturnPath(q.next),
        expired: q.expired === '1' || req.sessionExpired,
        signedOut: q['signed-out'] === '1',
        setup: q.setup === '1',
        locked: q.locked === '1',
      });
    });

    const wrongCredentials = (p: { maxFailures: number; lockoutMinutes: number }) =>
      `Enter a correct email address and password. After ${p.maxFailures} wrong attempts an account is locked for ${p.lockoutMinutes} minutes: wait, or ask your administrator to unlock it`;

    app.post('/sign-in', { config: { auth: 'public', ...limit } }, async (req, reply) => {
      const values = formValues(req.body);
      const next = safeReturnPath(values.next);
      const parsed = signInForm.safeParse(values);
      const show = (status: number, fieldErrors: Record<string, string>) =>
        reply
          .code(status)
          .page('people/views/sign-in.njk', { title: 'Sign in to Beacon', values: { email: values.email }, next, errors: formErrors(fieldErrors) });
      if (!parsed.success) return show(400, zodFieldErrors(parsed.error.issues));
      const result = await signInWithPassword(db, config.signIn, req.ctx, parsed.data.email, parsed.data.password);
      if (!result.ok) {
        // One answer whether the account is locked, the password wrong or the account unknown: a
        // different message for a locked account would tell anyone which email addresses have one.
        return show(401, { email: wrongCredentials(config.signIn) });
      }
      await beginSession(deps, req, reply, result.userId, 'password', result.needsSecondFactor);
      if (result.needsSecondFactor) return reply.redirect(`/sign-in/code?next=${encodeURIComponent(next)}`);
      return reply.redirect(await afterSignIn(deps, result.userId, next));
    });

    app.get('/sign-in/code', { config: { auth: 'partial' } }, async (req, reply) => {
      if (!req.session?.awaitingSecondFactor) return reply.redirect('/');
      return reply.page('people/views/sign-in-code.njk', {
        title: 'Enter the code from your authenticator app',
        next: safeReturnPath((req.query as Record<string, string>).next),
      });
    });

    app.post('/sign-in/code', { config: { auth: 'partial', ...limit } }, async (req, reply) => {
      if (!req.session?.awaitingSecondFactor) return reply.redirect('/');
      const values = formValues(req.body);
      const next = safeReturnPath(values.next);
      const show = (msg: string) =>
        reply.code(401).page('people/views/sign-in-code.njk', { title: 'Enter the code from your authenticator app', next, errors: formErrors({ code: msg }) });
      if (!/^\s*\d{3}\s?\d{3}\s*$/.test(values.code ?? '')) return show('Enter the 6-digit code from your authenticator app');
      const result = await verifySecondFactor(db, config.encryptionKey, config.signIn, req.ctx, req.session.userId, values.code!);
      if (!result.ok) {
        if (result.reason === 'locked') {
          await revokeSession(db, req.session.tokenHash);
          reply.clearCookie(SESSION_COOKIE, { path: '/' });
          return reply.redirect('/sign-in?locked=1');
        }
        return show('The code is not right. Enter the newest 6-digit code from your authenticator app');
      }
      await beginSession(deps, req, reply, result.userId, 'password+totp', false);
      return reply.redirect(await afterSignIn(deps, result.userId, next));
    });

    app.get('/choose-role', { config: { auth: 'partial' } }, async (req, reply) => {
      if (!req.session || req.session.awaitingSecondFactor) return reply.redirect('/sign-in');
      const ms = await membershipsFor(db, req.session.userId);
      return reply.page('people/views/choose-role.njk', {
        title: 'Choose the role you are working in',
        memberships: ms,
        current: req.session.membershipId,
        next: safeReturnPath((req.query as Record<string, string>).next),
      });
    });

    app.post('/choose-role', { config: { auth: 'partial' } }, async (req, reply) => {
      if (!req.session || req.session.awaitingSecondFactor) return reply.redirect('/sign-in');
      const values = formValues(req.body);
      const ms = await membershipsFor(db, req.session.userId);
      const chosen = ms.find((m) => m.id === values.membershipId);
      if (!chosen) {
        return reply.code(400).page('people/views/choose-role.njk', {
          title: 'Choose the role you are working in',
          memberships: ms,
          current: req.session.membershipId,
          next: safeReturnPath(values.next),
          errors: formErrors({ membershipId: 'Select the role you are working in' }, () => `membershipId-${ms[0]?.id ?? ''}`),
        });
      }
      await updateSession(db, req.session.tokenHash, { membershipId: chosen.id });
      const actor = await resolveActor(db, req.session.userId, chosen.id);
      await recordAuditNow(
        db,
        { ...req.ctx, actor },
        {
          action: 'user.role.choose',
          verb: 'E',
          entityType: 'User',
          entityId: req.session.userId,
          detail: { membershipId: chosen.id, role: chosen.role, organisationId: chosen.organisationId },
        },
      );
      return reply.redirect(safeReturnPath(values.next));
    });

    app.get('/no-role', { config: { auth: 'partial' } }, async (_req, reply) =>
      reply.code(403).page('people/views/no-role.njk', { title: 'You do not have a role in Beacon yet' }),
    );

    app.post('/sign-out', { config: { auth: 'public' } }, async (req, reply) => {
      if (req.session) {
        await recordAuditNow(db, req.ctx, {
          action: 'user.sign-out',
          verb: 'E',
          entityType: 'User',
          entityId: req.session.userId,
          actorUserId: req.session.userId,
          actorName: req.session.user.displayName,
        });
        await revokeSession(db, req.session.tokenHash);
      }
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.redirect('/sign-in?signed-out=1');
    });

    // Your account: details and the optional second factor.
    app.get('/account', async (req, reply) => {
      const ms = await membershipsFor(db, req.ctx.actor!.userId);
      return reply.page('people/views/account.njk', {
        title: 'Your account',
        user: req.session!.user,
        memberships: ms,
        enabled: (req.query as Record<string, string>).enabled === '1',
      });
    });

    app.get('/account/two-factor', async (req, reply) => {
      if (req.session!.user.totpEnabled) return reply.redirect('/account');
      const userId = req.ctx.actor!.userId;
      const secret = (await pendingTotpSecret(db, config.encryptionKey, userId)) ?? (await startTotpEnrolment(db, config.encryptionKey, userId));
      return reply.page('people/views/two-factor.njk', { title: 'Set up two-factor authentication', secret, uri: totpUri(secret, req.session!.user.email) });
    });

    app.post('/account/two-factor', async (req, reply) => {
      const userId = req.ctx.actor!.userId;
      const values = formValues(req.body);
      const ok = await confirmTotpEnrolment(db, config.encryptionKey, req.ctx, userId, values.code ?? '');
      if (!ok) {
        const secret = (await pendingTotpSecret(db, config.encryptionKey, userId)) ?? (await startTotpEnrolment(db, config.encryptionKey, userId));
        return reply.code(400).page('people/views/two-factor.njk', {
          title: 'Set up two-factor authentication',
          secret,
          uri: totpUri(secret, req.session!.user.email),
          errors: formErrors({ code: 'The code is not right. Enter the 6-digit code your app shows now' }),
        });
      }
      return reply.redirect('/account?enabled=1');
    });

    // A new person sets their password from the one-time link their administrator gave them.
    app.get('/account/setup/:token', { config: { auth: 'public' } }, async (req, reply) => {
      const found = await findSetupToken(db, (req.params as { token: string }).token);
      if (!found)
        return reply.code(410).page('views/error.njk', {
          title: 'This link has expired',
          message: 'Set-up links work once and last 72 hours. Ask your administrator for a new one.',
        });
      return reply.page('people/views/setup.njk', { title: 'Create your password', person: found });
    });

    app.post('/account/setup/:token', { config: { auth: 'public', ...limit } }, async (req, reply) => {
      const token = (req.params as { token: string }).token;
      const values = formValues(req.body);
      try {
        await completeSetup(db, req.ctx, token, values.password ?? '', values.confirm ?? '');
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const found = await findSetupToken(db, token);
        if (!found)
          return reply.code(410).page('views/error.njk', {
            title: 'This link has expired',
            message: 'Set-up links work once and last 72 hours. Ask your administrator for a new one.',
          });
        return reply.code(400).page('people/views/setup.njk', { title: 'Create your password', person: found, errors: formErrors(err.fieldErrors) });
      }
      return reply.redirect('/sign-in?setup=1');
    });
  };
