/**
 * A draft's PDF attachment: uploaded as multipart (its own plugin, so only this route parses files), and
 * downloaded by anyone who may read the version. The service checks it is a PDF and its size.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AppDeps } from '../platform/http/deps';
import { formErrors } from '../platform/http/forms';
import { acceptOneFile } from '../platform/http/uploads';
import { ValidationError } from '../platform/errors';
import { attachmentOf, attachPdf, getVersion } from './documents';
import { LIMITS } from './model';
import { versionLabel } from './rules';

const param = (req: FastifyRequest) => (req.params as { id: string }).id;

/** A download's name for the Content-Disposition header: plain letters only, always .pdf. */
export const downloadName = (name: string) => `${name.replace(/[^\w .()-]/g, '_').replace(/\.pdf$/i, '') || 'attachment'}.pdf`;

export const libraryAttachmentRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;
    const fileName = await acceptOneFile(app, { maxBytes: LIMITS.attachmentBytes, fields: 3 });

    app.post('/library/versions/:id/attachment', async (req, reply) => {
      const file = ((req.body ?? {}) as Record<string, unknown>).attachment;
      try {
        await attachPdf(db, req.ctx, param(req), { filename: fileName(req) ?? 'attachment.pdf', data: Buffer.isBuffer(file) ? file : Buffer.alloc(0) });
        return reply.redirect(`/library/versions/${param(req)}?done=${encodeURIComponent('The PDF has been attached')}`, 303);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        const view = await getVersion(db, req.ctx, param(req));
        return reply.code(400).page('library/views/version.njk', {
          title: `${view.doc.title}, version ${versionLabel(view.version)}`,
          back: { href: `/library/documents/${view.doc.id}`, text: view.doc.title },
          ...view,
          label: versionLabel(view.version),
          statusLabel: 'Draft',
          tagClass: 'nhsuk-tag--grey',
          errors: formErrors(err.fieldErrors),
          inline: err.fieldErrors,
          form: 'attachment',
          values: {},
          comments: [],
        });
      }
    });

    app.get('/library/versions/:id/attachment', async (req, reply) => {
      const a = await attachmentOf(db, req.ctx, param(req));
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="${downloadName(a.name)}"`)
        .send(a.data);
    });
  };
