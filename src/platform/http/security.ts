import { createHash, createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import cookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import rateLimit from '@fastify/rate-limit';
import { CONTROL_CHARACTER_MESSAGE, cleanBody } from '../text';
import { ValidationError } from '../errors';
import { NHSUK_DIST } from './views';

export interface SecurityOptions {
  cookieSecret: string;
  cookieSecure: boolean;
  production: boolean;
  /** Extra origins forms may post to or redirect through (e.g. the single sign-on provider). */
  formActionOrigins: string[];
}

/**
 * The CSP sources (`'sha256-…'`) of the inline scripts in a page template: the NHS.UK template has one,
 * which marks the page as having JavaScript. Allowing it by its hash rather than a nonce keeps the
 * policy the same on every response, so it is built once (a nonce meant random bytes and a new policy,
 * parsed again, on every request: a few per cent of the service's time under load).
 */
export function inlineScriptHashes(template: string): string[] {
  const hashes: string[] = [];
  for (const m of template.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
    if (/\ssrc=/.test(m[1] ?? '') || !m[2]?.trim()) continue;
    hashes.push(`'sha256-${createHash('sha256').update(m[2]).digest('base64')}'`);
  }
  return hashes;
}

const NHSUK_TEMPLATE_SCRIPTS = inlineScriptHashes(fs.readFileSync(path.join(NHSUK_DIST, 'nhsuk', 'template.njk'), 'utf8'));

/**
 * Security headers (one CSP for every response), signed cookies, CSRF tokens checked on every
 * state-changing request, and the rate limiter (applied per route, e.g. sign-in).
 */
/** What a CSRF token is bound to: the session as it is on this request. */
export const csrfUserInfo = (req: FastifyRequest): string =>
  (req as FastifyRequest & { session?: { tokenHash: string } | null }).session?.tokenHash ?? 'anonymous';

/** Paths of static assets: the only responses that may be cached. Everything else is no-store. */
const STATIC_PREFIXES = ['/nhsuk/', '/assets/', '/static/'];

export async function registerSecurity(app: FastifyInstance, opts: SecurityOptions): Promise<void> {
  // helmet itself, built once: the Fastify plugin builds it again (and parses the policy) on every request.
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", ...NHSUK_TEMPLATE_SCRIPTS],
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
  app.addHook('onRequest', (req, reply, done) => securityHeaders(req.raw, reply.raw, (err?: unknown) => done(err as Error | undefined)));
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
    // A machine client's bearer token is not sent by a browser on its own, so it needs no CSRF token.
    if (SAFE.has(req.method) || req.routeOptions.config?.csrf === false || req.ctx?.client) return done();
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
