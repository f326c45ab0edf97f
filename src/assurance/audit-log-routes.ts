import { ValidationError } from '../platform/errors';
import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../platform/http/deps';
import { listAuditEvents, verifyAudit } from './audit-log';
import { can } from '../platform/auth/policy';

export const auditLogRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;

    app.get('/audit', { config: { permission: 'audit.view' } }, async (req, reply) => {
      const q = req.query as Record<string, string>;
      const filter = {
        action: q.action?.slice(0, 80) || undefined,
        entityId: q.entityId?.slice(0, 80) || undefined,
        before: q.before && /^\d{1,15}$/.test(q.before) && Number.isSafeInteger(Number(q.before)) ? Number(q.before) : undefined,
      };
      if (q.before && filter.before === undefined) throw new ValidationError({ before: 'Earlier than must be an entry number from this log, like 1200' });
      const events = await listAuditEvents(db, req.ctx, filter);
      return reply.page('assurance/views/audit-log.njk', {
        title: 'Audit log',
        events,
        filter,
        canVerify: can(req.ctx.actor, 'audit.verify'),
        columnClass: 'nhsuk-grid-column-full',
        nextBefore: events.length === 50 ? events[events.length - 1]!.seq : null,
      });
    });

    app.post('/audit/verify', async (req, reply) => {
      const result = await verifyAudit(db, req.ctx, deps.config.dataDir);
      return reply.page('assurance/views/audit-verify.njk', { title: 'Audit log check', result, back: { href: '/audit', text: 'Audit log' } });
    });
  };
