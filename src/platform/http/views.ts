import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import view from '@fastify/view';
import fastifyStatic from '@fastify/static';
import nunjucks from 'nunjucks';

const require = createRequire(import.meta.url);
export const SRC_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const NHSUK_DIST = path.join(path.dirname(require.resolve('nhsuk-frontend/package.json')), 'dist');
export const PUBLIC_DIR = path.resolve(SRC_DIR, '../public');

const london = (opts: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', ...opts });
const dateFmt = london({ day: 'numeric', month: 'long', year: 'numeric' });
const dateTimeFmt = london({ day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });

export function formatDate(d: Date | string | null | undefined): string {
  if (!d) return '';
  const date = typeof d === 'string' ? new Date(d) : d;
  return Number.isNaN(date.getTime()) ? '' : dateFmt.format(date);
}

export function formatDateTime(d: Date | string | null | undefined): string {
  if (!d) return '';
  const date = typeof d === 'string' ? new Date(d) : d;
  return Number.isNaN(date.getTime()) ? '' : dateTimeFmt.format(date).replace(',', ' at');
}

/**
 * Nunjucks with the NHS.UK frontend macros on the search path, and its CSS, JS and images served by
 * Beacon itself (no CDN). Each domain keeps its own templates beside its code (e.g. directory/views).
 */
export async function registerViews(app: FastifyInstance, globals: Record<string, unknown>): Promise<void> {
  await app.register(view, {
    engine: { nunjucks },
    templates: [SRC_DIR, NHSUK_DIST],
    options: {
      autoescape: true,
      throwOnUndefined: false,
      onConfigure: (env: nunjucks.Environment) => {
        env.addFilter('date', formatDate);
        env.addFilter('dateTime', formatDateTime);
        for (const [k, v] of Object.entries(globals)) env.addGlobal(k, v);
      },
    },
  });
  // The NHS.UK stylesheet loads the Frutiger web font from assets.nhs.uk. Beacon serves everything itself
  // (no third-party requests from a page that may show an alert, and the CSP says font-src 'self'), so
  // the @font-face rules are dropped and the frontend's own Arial fallback is used.
  const css = stripRemoteFonts(fs.readFileSync(path.join(NHSUK_DIST, 'nhsuk', 'nhsuk-frontend.min.css'), 'utf8'));
  app.get('/nhsuk/beacon-nhsuk.css', { config: { auth: 'public' } }, async (_req, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=86400').send(css),
  );
  await app.register(fastifyStatic, {
    root: path.join(NHSUK_DIST, 'nhsuk'),
    prefix: '/nhsuk/',
    allowedPath: (p) => /\.(css|js|map)$/.test(p) && !p.includes('..'),
    maxAge: '1d',
  });
  await app.register(fastifyStatic, { root: path.join(NHSUK_DIST, 'nhsuk', 'assets'), prefix: '/assets/', decorateReply: false, maxAge: '1d' });
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/static/', decorateReply: false, maxAge: '1h' });
}

/** Remove @font-face rules whose sources are on another origin. */
export function stripRemoteFonts(css: string): string {
  return css.replace(/@font-face\s*\{[^}]*url\(\s*["']?https?:\/\/[^}]*\}/g, '');
}
