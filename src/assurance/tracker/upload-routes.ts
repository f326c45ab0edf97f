/**
 * Uploading a file as evidence for an action: multipart, in its own plugin so only this route parses files
 * (the form's fields, `_csrf` among them, go on the body; an oversized file is cut at the limit + 1 byte so
 * the service answers with its own message about the size).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../platform/http/deps';
import { ValidationError } from '../../platform/errors';
import { acceptOneFile } from '../../platform/http/uploads';
import { addFileEvidence } from './evidence';
import { LIMITS } from './model';

export const trackerUploadRoutes =
  (
    deps: AppDeps,
    rerender: (
      req: FastifyRequest,
      reply: import('fastify').FastifyReply,
      values: Record<string, string>,
      fieldErrors: Record<string, string>,
    ) => Promise<unknown>,
  ): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;
    const fileName = await acceptOneFile(app, { maxBytes: LIMITS.fileBytes, fields: 3 });
    app.post('/assurance/actions/:id/evidence-file', async (req, reply) => {
      const id = (req.params as { id: string }).id;
      const body = (req.body ?? {}) as Record<string, unknown>;
      const file = body.file;
      const note = typeof body.note === 'string' ? body.note : '';
      try {
        await addFileEvidence(db, req.ctx, id, Buffer.isBuffer(file) ? { filename: fileName(req) ?? 'evidence', data: file } : null, { note });
        return reply.redirect(`/assurance/actions/${id}?done=${encodeURIComponent('The file has been added as evidence')}`, 303);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return rerender(req, reply, { note }, err.fieldErrors);
      }
    });
  };
