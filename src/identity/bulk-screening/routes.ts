import type { FastifyPluginAsync } from 'fastify';
import multipart from '@fastify/multipart';
import type { AppDeps } from '../../platform/http/deps';
import { ValidationError } from '../../platform/errors';
import { formErrors } from '../../platform/http/forms';
import { decideScreening, getScreening, MAX_UPLOAD_BYTES, recentScreenings, screeningCsv, screeningsAwaitingApproval, startScreening } from './service';

const VIEWS = 'identity/bulk-screening/views';

/** Bulk screening pages: upload a list, watch its progress, read or download the matches. */
export const bulkScreeningRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;
    const key = deps.config.encryptionKey;
    const budget = { rowsPerPerson: deps.config.security.screeningRowsPerPerson, rowsPerOrganisation: deps.config.security.screeningRowsPerOrganisation };
    // Fields go on the body (the CSRF check reads `_csrf`); an oversized file is cut at the limit + 1 byte
    // so the service answers with its own message about the size.
    await app.register(multipart, {
      attachFieldsToBody: 'keyValues',
      throwFileSizeLimit: false,
      limits: { fileSize: MAX_UPLOAD_BYTES + 1, files: 1, fields: 4, parts: 5 },
    });

    const uploadPage = async (
      req: import('fastify').FastifyRequest,
      reply: import('fastify').FastifyReply,
      status: number,
      errors?: ReturnType<typeof formErrors>,
    ) =>
      reply.code(status).page(`${VIEWS}/upload.njk`, {
        title: 'Screen a list against alerts',
        runs: await recentScreenings(db, req.ctx),
        awaiting: await screeningsAwaitingApproval(db, req.ctx),
        errors,
      });

    app.get('/screening', { config: { permission: 'alert.screen' } }, async (req, reply) => uploadPage(req, reply, 200));

    app.post('/screening', async (req, reply) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const file = body.file;
      try {
        const id = await startScreening(db, req.ctx, key, { fileName: null, data: Buffer.isBuffer(file) ? file : Buffer.alloc(0) }, budget);
        return reply.redirect(`/screening/${id}`);
      } catch (err) {
        if (err instanceof ValidationError) return uploadPage(req, reply, 400, formErrors(err.fieldErrors));
        throw err;
      }
    });

    app.post('/screening/:id/decision', async (req, reply) => {
      const decision = ((req.body ?? {}) as Record<string, unknown>).decision;
      try {
        await decideScreening(db, req.ctx, (req.params as { id: string }).id, decision);
        return reply.redirect('/screening', 303);
      } catch (err) {
        if (err instanceof ValidationError) return uploadPage(req, reply, 400, formErrors(err.fieldErrors));
        throw err;
      }
    });

    app.get('/screening/:id', async (req, reply) => {
      const run = await getScreening(db, req.ctx, key, (req.params as { id: string }).id);
      const finished = ['done', 'failed', 'refused'].includes(run.status);
      return reply.page(`${VIEWS}/run.njk`, {
        title: finished ? 'Screening results' : 'Screening in progress',
        run,
        finished,
        back: { href: '/screening', text: 'Screen another list' },
        columnClass: 'nhsuk-grid-column-full',
      });
    });

    app.get('/screening/:id/matches.csv', async (req, reply) => {
      const run = await getScreening(db, req.ctx, key, (req.params as { id: string }).id);
      if (run.status !== 'done' || !run.matches) return reply.redirect(`/screening/${run.id}`);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="beacon-screening-${run.id.slice(0, 8)}.csv"`)
        .send(screeningCsv(run));
    });
  };
