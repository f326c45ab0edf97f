/**
 * The public pages (no sign-in): the partnerships, each partnership's published documents, a printable
 * page and a PDF of each, its attachment, and an Atom feed. Only published versions ever reach these.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AppDeps } from '../platform/http/deps';
import { formatDate } from '../platform/http/views';
import { publicAttachment, publicDocument, publicFeed, publicPage, publicPartnerships, publicPdf } from './public';
import { downloadName } from './attachment-routes';

const p = (req: FastifyRequest) => req.params as { code: string; id: string };
const open = { config: { auth: 'public' as const } };

export const libraryPublicRoutes =
  ({ database, config }: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = database;
    app.get('/public', open, async (_req, reply) =>
      reply.page('library/views/public-list.njk', {
        title: 'Safeguarding partnerships: procedures, guidelines and briefings',
        partnerships: await publicPartnerships(db),
      }),
    );
    app.get('/public/:code', open, async (req, reply) => {
      const page = await publicPage(db, p(req).code);
      return reply.page('library/views/public-partnership.njk', {
        title: `${page.partnership.name} safeguarding partnership`,
        back: { href: '/public', text: 'All partnerships' },
        columnClass: 'nhsuk-grid-column-full',
        ...page,
        documents: page.documents.map((d) => ({
          ...d,
          lastText: d.lastReviewed ? formatDate(d.lastReviewed) : '',
          nextText: d.nextReview ? formatDate(d.nextReview) : '',
        })),
        feedHref: `/public/${page.partnership.code}/feed.atom`,
      });
    });
    app.get('/public/:code/feed.atom', open, async (req, reply) =>
      reply.type('application/atom+xml; charset=utf-8').send(await publicFeed(db, p(req).code, config.publicUrl)),
    );
    app.get('/public/:code/documents/:id', open, async (req, reply) => {
      const d = await publicDocument(db, p(req).code, p(req).id);
      return reply.page('library/views/public-document.njk', {
        title: d.doc.title,
        back: { href: `/public/${d.partnership.code}`, text: `${d.partnership.name} safeguarding partnership` },
        ...d,
        approvedText: d.version.approvedOn ? formatDate(d.version.approvedOn) : '',
        lastText: d.lastReviewed ? formatDate(d.lastReviewed) : '',
        nextText: d.version.reviewDueOn ? formatDate(d.version.reviewDueOn) : '',
        pdfHref: `/public/${d.partnership.code}/documents/${d.doc.id}.pdf`,
        attachmentHref: `/public/${d.partnership.code}/documents/${d.doc.id}/attachment`,
      });
    });
    app.get('/public/:code/documents/:id.pdf', open, async (req, reply) => {
      const pdf = await publicPdf(db, p(req).code, p(req).id);
      return reply
        .type('application/pdf')
        .header('content-disposition', `inline; filename="document-${p(req).id}.pdf"`)
        .send(pdf);
    });
    app.get('/public/:code/documents/:id/attachment', open, async (req, reply) => {
      const a = await publicAttachment(db, p(req).code, p(req).id);
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="${downloadName(a.name)}"`)
        .send(a.data);
    });
  };
