import { createHmac } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import helmet from '@fastify/helmet';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import rateLimit from '@fastify/rate-limit';
import { CONTROL_CHARACTER_MESSAGE, cleanBody } from '../text';
import { ValidationError } from '../errors';

export interface SecurityOptions {
  cookieSecret: string;
  cookieSecure: boolean;
  production: boolean;
  /** Extra origins forms may post to or redirect through (e.g. the single sign-on provider). */
  formActionOrigins: string[];
}

/**
 * Security headers (CSP with a fresh nonce per request), signed cookies, CSRF tokens checked on every
 * state-changing request, and the rate limiter (applied per route, e.g. sign-in).
 */
/** What a CSRF token is bound to: the session as it is on this request. */
export const csrfUserInfo = (req: FastifyRequest): string =>
  (req as FastifyRequest & { session?: { tokenHash: string } | null }).session?.tokenHash ?? 'anonymous';

/** Paths of static assets: the only responses that may be cached. Everything else is no-store. */
const STATIC_PREFIXES = ['/nhsuk/', '/assets/', '/static/'];

export async function registerSecurity(app: FastifyInstance, opts: SecurityOptions): Promise<void> {
  await app.register(helmet, {
    enableCSPNonces: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'", ...opts.formActionOrigins],
        frameAncestors: ["'none'"],
        ...(opts.production ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: opts.production ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
  });
  await app.register(cookie, { secret: opts.cookieSecret });
  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    // Tokens are bound to the session they were issued in (its hashed token; "anonymous" before sign-in),
    // so a cookie and token pair taken from one session is no use with another.
    getUserInfo: csrfUserInfo,
    csrfOpts: { hmacKey: createHmac('sha256', opts.cookieSecret).update('beacon csrf user info v1').digest('hex') },
    cookieKey: 'beacon_csrf',
    cookieOpts: { signed: true, httpOnly: true, sameSite: 'strict', path: '/', secure: opts.cookieSecure },
    // Forms send `_csrf`; scripts send the X-CSRF-Token header. Sign-out is a button in the NHS header,
    // whose form cannot carry a hidden field, so its token rides in the action URL.
    getToken: (req) =>
      (req.body as Record<string, string> | undefined)?._csrf ||
      (req.headers['x-csrf-token'] as string | undefined) ||
      (req.routeOptions.url === '/sign-out' ? (req.query as Record<string, string>)._csrf : undefined),
  });
  await app.register(rateLimit, { global: false });

  // No-store is the default for every response (pages, API answers, redirects, errors): a shared
  // computer's cache or a proxy must never keep an alert, a search or a case. Static assets opt out
  // by path, and keep the cache lifetime they set.
  app.addHook('onSend', async (req, reply, payload) => {
    const path = req.url.split('?')[0] ?? '';
    if (STATIC_PREFIXES.some((p) => path.startsWith(p))) return payload;
    reply.header('cache-control', 'no-store');
    reply.header('pragma', 'no-cache');
    return payload;
  });

  // Text comes in clean or not at all: a control character (U+0000 cannot even be stored) is refused
  // with a message naming the field, before any service sees it; bidi overrides are removed.
  app.addHook('preValidation', async (req) => {
    for (const [part, value] of [
      ['body', req.body],
      ['query', req.query],
      ['params', req.params],
    ] as const) {
      const r = cleanBody(value);
      if (r.path) throw new ValidationError({ [r.path.join('.') || part]: `This ${CONTROL_CHARACTER_MESSAGE}` });
    }
  });

  const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);
  app.addHook('preHandler', (req, reply, done) => {
    if (SAFE.has(req.method) || req.routeOptions.config?.csrf === false) return done();
    app.csrfProtection(req, reply, done);
  });
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set false only for endpoints that are not reached from a browser session. */
    csrf?: boolean;
    /** 'public' pages need no sign-in; 'partial' accept a session still waiting for its second factor. */
    auth?: 'public' | 'partial';
  }
}
