import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import formbody from '@fastify/formbody';
import { ROLE_LABELS } from './platform/context';
import { BeaconError, ForbiddenError, ValidationError } from './platform/errors';
import { recordAuditNow } from './platform/audit/service';
import { registerBanners } from './platform/http/banner';
import { csrfUserInfo, registerSecurity } from './platform/http/security';
import { loggableError } from './platform/http/log-safety';
import { registerViews } from './platform/http/views';
import { registerSessionHook } from './platform/http/session-hook';
import { formErrors } from './platform/http/forms';
import { type NavEntry, type NavItem, navigationFor } from './platform/http/navigation';
import { loadSessionActor, membershipsFor } from './people/service';
import { trackRoutes } from './platform/http/openapi';
import { type PagePermissions, registerPagePermissions } from './platform/http/page-permissions';
import { isDatabaseUnavailable } from './platform/db/unavailable';
import { MODULES } from './modules';
import { loadBearer } from './clients/bearer';

/** What every route module is given. */
import type { AppDeps } from './platform/http/deps';

export type { AppDeps };

declare module 'fastify' {
  interface FastifyInstance {
    /** Which pages need which action, for links (`may` in templates) and their tests. */
    pagePermissions: PagePermissions;
  }
  interface FastifyReply {
    /** Render a page with the layout's shared values (actor, CSRF token, navigation). */
    page(template: string, data?: Record<string, unknown>): Promise<FastifyReply>;
  }
}

// Names, NHS numbers, emails, passwords and tokens never reach the logs.
const REDACT = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.email',
  '*.nhsNumber',
  '*.token',
];

/** Every capability's menu items (each declared in its module). */
const NAVIGATION: readonly NavEntry[] = MODULES.flatMap((m) => m.navigation ?? []);

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A menu item's words, with its count beside it ("Inbox 3", read as "Inbox 3 not acknowledged"). */
function navItemHtml(i: NavItem): string {
  if (!i.count || !i.countText) return escapeHtml(i.text);
  const what = escapeHtml(i.countText.replace(/^\d+ /, ''));
  return `${escapeHtml(i.text)} <span class="beacon-count" title="${escapeHtml(i.countText)}">${i.count}<span class="nhsuk-u-visually-hidden"> ${what}</span></span>`;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, database } = deps;
  const db = database.db;
  const app = Fastify({
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel, redact: { paths: REDACT, censor: '[redacted]' } },
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w-]{8,64}$/.test(given) ? given : randomUUID();
    },
    bodyLimit: 1_048_576,
    trustProxy: config.production,
  });

  await app.register(formbody);
  await registerSecurity(app, {
    cookieSecret: config.sessionSecret,
    cookieSecure: config.session.cookieSecure,
    production: config.production,
    formActionOrigins: config.oidc ? [new URL(config.oidc.issuer).origin] : [],
  });
  registerBanners(app, config.sessionSecret);
  await registerViews(app, { roleLabels: ROLE_LABELS, serviceName: 'Beacon', ssoName: config.oidc?.displayName ?? null });
  registerSessionHook(app, db, config.session, loadSessionActor, loadBearer);

  // Registered before any route, so every page that declares the action it needs gets its gate and its link rule.
  const pages = registerPagePermissions(app);
  app.decorate('pagePermissions', pages);

  app.decorateReply('page', async function page(this: FastifyReply, template: string, data: Record<string, unknown> = {}) {
    const req = this.request;
    const actor = req.ctx?.actor ?? null;
    // The menu's counts and whether the person holds more than one role, asked together: one round of queries per page.
    const [navigation, canSwitchRole] = await Promise.all([
      navigationFor(db, req.ctx, NAVIGATION, req.url.split('?')[0]!, (err) => req.log.warn({ err: loggableError(err) }, 'a navigation count failed')),
      actor ? membershipsFor(db, actor.userId).then((m) => m.length > 1) : false,
    ]);
    this.type('text/html; charset=utf-8');
    return this.view(template, {
      actor,
      signedInName: req.session?.user.displayName ?? null,
      csrfToken: this.generateCsrf({ userInfo: csrfUserInfo(req) }),
      navItems: navigation.items.map((i) => ({ href: i.href, current: i.current, html: navItemHtml(i) })),
      urgentBanners: navigation.urgent,
      canSwitchRole,
      // One rule for every link: shown only to those the page's declared action lets through.
      may: (href: string) => pages.may(actor, href),
      ...data,
    });
  });

  // Set before the routes are registered: Fastify gives each plugin the error handler in force when
  // it is registered, so a handler set afterwards would never see the routes' errors.
  app.setErrorHandler(async (err: Error & { statusCode?: number; code?: string }, req: FastifyRequest, reply: FastifyReply) => {
    const isApi = req.url.startsWith('/api/') || req.url.startsWith('/oauth2/');
    // API clients get a stable code in `error` (forbidden, not_found, invalid, …); people get a page.
    const API_CODES: Record<number, string> = {
      400: 'bad_request',
      403: 'forbidden',
      404: 'not_found',
      409: 'conflict',
      413: 'too_large',
      415: 'unsupported_media_type',
      429: 'rate_limited',
      500: 'server_error',
    };
    const send = (status: number, title: string, message: string, extra: Record<string, unknown> = {}) =>
      isApi
        ? reply.code(status).send({ error: (extra.code as string | undefined) ?? API_CODES[status] ?? 'error', message, correlationId: req.id })
        : reply.code(status).page('views/error.njk', { title, message, correlationId: req.id, ...extra });

    if (err instanceof ForbiddenError) {
      await recordAuditNow(db, req.ctx, {
        action: 'access.denied',
        verb: 'E',
        outcome: 'denied',
        detail: { attempted: err.action, method: req.method, path: req.routeOptions.url ?? req.url },
      }).catch(() => undefined);
      return send(403, 'You do not have permission to see this page', err.message);
    }
    // A broken upload (no boundary, cut short) is the sender's problem, not the service's.
    if (/multipart|boundary|unexpected end of (form|multipart)/i.test(err.message) && !(err.statusCode && err.statusCode >= 500)) {
      return send(400, 'The upload could not be read', 'The file was not sent completely. Choose the file and send it again.', { code: 'bad_upload' });
    }
    if (err instanceof ValidationError) {
      return isApi
        ? reply.code(400).send({ error: 'invalid', message: 'There is a problem with what was sent.', fields: err.fieldErrors, correlationId: req.id })
        : send(400, 'There is a problem', 'Some of the information given was not valid.', { errors: formErrors(err.fieldErrors) });
    }
    // Every other error a service throws carries its own status, code and heading.
    if (err instanceof BeaconError) return send(err.status, err.title, err.message, { code: err.code });
    if (err.code?.startsWith('FST_CSRF')) {
      return isApi
        ? send(403, 'This form has expired', 'Send the X-CSRF-Token header with the token from GET /api/session.', { code: 'csrf' })
        : send(403, 'This form has expired', 'For your security, forms expire. Go back, reload the page and try again.');
    }
    if (err.statusCode === 429) return send(429, 'Too many attempts', 'You have tried too many times. Wait a minute, then try again.');
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)
      return send(err.statusCode, 'There is a problem', 'The request could not be understood. Check what you entered and try again.');
    // The database is briefly out of reach (restarting, failing over): say so, and when to try again.
    if (isDatabaseUnavailable(err)) {
      req.log.warn({ err: loggableError(err) }, 'database unavailable');
      reply.header('retry-after', '5');
      return send(
        503,
        'The service is briefly unavailable',
        'Beacon cannot reach its database for a moment. Nothing you sent was saved. Try again in a few seconds.',
        { code: 'unavailable' },
      );
    }
    // Never the SQL parameters or quoted values of a database error: they are women's details.
    req.log.error({ err: loggableError(err) }, 'unhandled error');
    return send(
      500,
      'Sorry, there is a problem with the service',
      'Try again later. If it keeps happening, contact your service desk and quote the reference below.',
    );
  });

  // Every route from here on is seen, so the OpenAPI document can be checked against what is served.
  trackRoutes(app);
  for (const module of MODULES) {
    for (const routes of [...(module.routes ?? []), ...(module.api ?? [])]) await app.register(routes(deps));
  }

  app.setNotFoundHandler(async (req, reply) => {
    if (req.url.startsWith('/api/')) return reply.code(404).send({ error: 'not_found', message: 'There is nothing at this address.' });
    return reply.code(404).page('views/not-found.njk', { title: 'Page not found' });
  });

  return app;
}
