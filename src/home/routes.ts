import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../app';
import { can, type Action } from '../platform/auth/policy';

/** Cards on the home page: only pages that exist, and only those the role may use. */
const CARDS: { action: Action; href: string; title: string; text: string }[] = [
  { action: 'directory.view', href: '/organisations', title: 'Organisations and units', text: 'Trusts, local authorities and their units, with in-hours and out-of-hours contacts.' },
  { action: 'user.view', href: '/users', title: 'Users and roles', text: 'Add people, give them roles in organisations, deactivate accounts.' },
  { action: 'audit.view', href: '/audit', title: 'Audit log', text: 'Who saw or changed what, and a check that the log has not been altered.' },
];

export const homeRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    app.get('/', async (req, reply) => {
      const actor = req.ctx.actor!;
      const cards = CARDS.filter((c) => can(actor, c.action));
      return reply.page('home/views/home.njk', { title: 'Home', cards, columnClass: 'nhsuk-grid-column-full' });
    });

    app.get('/ping', { config: { auth: 'public' } }, async (_req, reply) => reply.type('text/plain').send('OK'));

    // Health for load balancers: checks the database answers. Says nothing else about the service.
    app.get('/health', { config: { auth: 'public' } }, async (_req, reply) => {
      const started = Date.now();
      try {
        await deps.database.query('SELECT 1');
        return reply.send({ status: 'ok', database: { status: 'ok', engine: deps.database.engine, ms: Date.now() - started } });
      } catch {
        return reply.code(503).send({ status: 'unavailable', database: { status: 'unavailable', engine: deps.database.engine } });
      }
    });

    app.get('/accessibility', { config: { auth: 'public' } }, async (_req, reply) => reply.page('home/views/accessibility.njk', { title: 'Accessibility statement' }));
    app.get('/privacy', { config: { auth: 'public' } }, async (_req, reply) => reply.page('home/views/privacy.njk', { title: 'Privacy notice' }));
  };
