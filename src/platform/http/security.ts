import type { FastifyInstance } from 'fastify';
import helmet from '@fastify/helmet';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import rateLimit from '@fastify/rate-limit';

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
