/**
 * The public side of the library, for anyone without signing in: the list of partnerships, each
 * partnership's page of published documents (current version, last and next review), a printable page and a
 * PDF of each (pdfkit, from the Markdown's blocks), and an Atom feed of publications for the partnership's own
 * website. Only versions that are published now are ever shown; a document withdrawn leaves the page, and
 * drafts, reviews and approvals never reach it. Nothing here is personal data, so nothing is audited.
 */
import PDFDocument from 'pdfkit';
import { and, desc, eq, inArray, or, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import { NotFoundError } from '../platform/errors';
import { formatDate, londonDate } from '../platform/dates';
import { isUuid, partnershipByCode, partnerships, type Geography } from '../directory/service';
import { KIND_LABELS, type Kind } from './model';
import { markdownBlocks, renderMarkdown, versionLabel } from './rules';
import { libraryDocumentPartnerships, libraryDocuments, libraryVersions } from './schema';

/** Documents of a partnership: owned by it or shared with it. */
const ofPartnership = (g: Geography) =>
  or(
    eq(libraryDocuments.geographyId, g.id),
    sql`exists (select 1 from library_document_partnerships p where p.document_id = ${libraryDocuments.id} and p.geography_id = ${g.id}::uuid)`,
  );

/** Every partnership, with how many documents it has published. */
export async function publicPartnerships(db: Db) {
  const all = await partnerships(db);
  const counts = await db
    .select({ geographyId: libraryDocuments.geographyId, id: libraryDocuments.id })
    .from(libraryDocuments)
    .innerJoin(libraryVersions, and(eq(libraryVersions.documentId, libraryDocuments.id), eq(libraryVersions.status, 'published')))
    .where(eq(libraryDocuments.status, 'active'));
  const shared = counts.length
    ? await db
        .select()
        .from(libraryDocumentPartnerships)
        .where(
          inArray(
            libraryDocumentPartnerships.documentId,
            counts.map((c) => c.id),
          ),
        )
    : [];
  return all.map((g) => ({
    code: g.code,
    name: g.name,
    documents: counts.filter((c) => c.geographyId === g.id || shared.some((s) => s.documentId === c.id && s.geographyId === g.id)).length,
  }));
}

async function partnershipOr404(db: Db, code: string): Promise<Geography> {
  const g = await partnershipByCode(db, code);
  if (!g) throw new NotFoundError('Partnership');
  return g;
}

/** A partnership's public page: its documents in force, each with its current version and review dates. */
export async function publicPage(db: Db, code: string) {
  const partnership = await partnershipOr404(db, code);
  const rows = await db
    .select({ doc: libraryDocuments, version: libraryVersions })
    .from(libraryDocuments)
    .innerJoin(libraryVersions, and(eq(libraryVersions.documentId, libraryDocuments.id), eq(libraryVersions.status, 'published')))
    .where(and(eq(libraryDocuments.status, 'active'), ofPartnership(partnership)))
    .orderBy(libraryDocuments.kind, libraryDocuments.title);
  return {
    partnership,
    documents: rows.map((r) => ({
      id: r.doc.id,
      title: r.doc.title,
      summary: r.doc.summary,
      kind: r.doc.kind,
      kindLabel: KIND_LABELS[r.doc.kind as Kind] ?? r.doc.kind,
      version: versionLabel(r.version),
      lastReviewed: r.version.publishedAt ? londonDate(r.version.publishedAt) : null,
      nextReview: r.version.reviewDueOn,
    })),
  };
}

/** One published document of a partnership, as a printable page (the version in force, nothing else). */
export async function publicDocument(db: Db, code: string, documentId: string) {
  const partnership = await partnershipOr404(db, code);
  if (!isUuid(documentId)) throw new NotFoundError('Document');
  const [row] = await db
    .select({ doc: libraryDocuments, version: libraryVersions })
    .from(libraryDocuments)
    .innerJoin(libraryVersions, and(eq(libraryVersions.documentId, libraryDocuments.id), eq(libraryVersions.status, 'published')))
    .where(and(eq(libraryDocuments.id, documentId), eq(libraryDocuments.status, 'active'), ofPartnership(partnership)));
  if (!row) throw new NotFoundError('Document');
  return {
    partnership,
    doc: row.doc,
    version: row.version,
    versionLabel: versionLabel(row.version),
    kindLabel: KIND_LABELS[row.doc.kind as Kind] ?? row.doc.kind,
    html: renderMarkdown(row.version.body),
    lastReviewed: row.version.publishedAt ? londonDate(row.version.publishedAt) : null,
    hasAttachment: row.version.attachment !== null,
  };
}

/** The published version's PDF attachment, when it has one. */
export async function publicAttachment(db: Db, code: string, documentId: string): Promise<{ name: string; data: Buffer }> {
  const d = await publicDocument(db, code, documentId);
  if (!d.version.attachment) throw new NotFoundError('Attachment');
  return { name: d.version.attachmentName ?? 'attachment.pdf', data: d.version.attachment };
}

/** The document as a PDF made with pdfkit: title, version, approval and review dates, then its text. */
export async function publicPdf(db: Db, code: string, documentId: string): Promise<Buffer> {
  const d = await publicDocument(db, code, documentId);
  const pdf = new PDFDocument({ size: 'A4', margin: 56, info: { Title: `${d.doc.title} (version ${d.versionLabel})`, Author: d.partnership.name } });
  const chunks: Buffer[] = [];
  pdf.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve) => pdf.on('end', () => resolve()));
  pdf.font('Helvetica').fontSize(11).fillColor('#4c6272').text(`${d.partnership.name} safeguarding partnership · ${d.kindLabel}`);
  pdf.moveDown(0.5).font('Helvetica-Bold').fontSize(22).fillColor('#212b32').text(d.doc.title);
  const facts = [
    `Version ${d.versionLabel}`,
    d.version.approvedOn ? `approved ${formatDate(d.version.approvedOn)}${d.version.approvalGroup ? ` by ${d.version.approvalGroup}` : ''}` : null,
    d.lastReviewed ? `published ${formatDate(d.lastReviewed)}` : null,
    d.version.reviewDueOn ? `next review by ${formatDate(d.version.reviewDueOn)}` : null,
  ].filter(Boolean);
  pdf.moveDown(0.3).font('Helvetica').fontSize(11).fillColor('#4c6272').text(facts.join(' · '));
  pdf.moveDown(1).fillColor('#212b32');
  for (const b of markdownBlocks(d.version.body)) {
    if (b.kind === 'heading') pdf.moveDown(0.6).font('Helvetica-Bold').fontSize(14).text(b.text);
    else if (b.kind === 'item') pdf.font('Helvetica').fontSize(11).text(`•  ${b.text}`, { indent: 12 });
    else pdf.moveDown(0.3).font('Helvetica').fontSize(11).text(b.text, { lineGap: 2 });
  }
  pdf
    .moveDown(2)
    .fontSize(9)
    .fillColor('#4c6272')
    .text(`Printed ${formatDate(londonDate(new Date()))}. Check the partnership's page for the version in force before relying on a printed copy.`);
  pdf.end();
  await done;
  return Buffer.concat(chunks);
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** An Atom feed of a partnership's publications (each version published, newest first, the last 50). */
export async function publicFeed(db: Db, code: string, baseUrl: string): Promise<string> {
  const partnership = await partnershipOr404(db, code);
  const rows = await db
    .select({ doc: libraryDocuments, version: libraryVersions })
    .from(libraryVersions)
    .innerJoin(libraryDocuments, eq(libraryDocuments.id, libraryVersions.documentId))
    .where(and(eq(libraryVersions.status, 'published'), eq(libraryDocuments.status, 'active'), ofPartnership(partnership)))
    .orderBy(desc(libraryVersions.publishedAt))
    .limit(50);
  const self = `${baseUrl}/public/${partnership.code}/feed.atom`;
  const updated = (rows[0]?.version.publishedAt ?? new Date(0)).toISOString();
  const entries = rows.map((r) => {
    const link = `${baseUrl}/public/${partnership.code}/documents/${r.doc.id}`;
    return `  <entry>
    <id>urn:uuid:${r.version.id}</id>
    <title>${xml(`${r.doc.title} (version ${versionLabel(r.version)})`)}</title>
    <link rel="alternate" type="text/html" href="${xml(link)}"/>
    <updated>${r.version.publishedAt!.toISOString()}</updated>
    <category term="${xml(r.doc.kind)}" label="${xml(KIND_LABELS[r.doc.kind as Kind] ?? r.doc.kind)}"/>
    <summary>${xml(`${r.doc.summary} What changed: ${r.version.changeSummary}`)}</summary>
  </entry>`;
  });
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>${xml(self)}</id>
  <title>${xml(`${partnership.name} safeguarding partnership: procedures, guidelines and briefings`)}</title>
  <link rel="self" type="application/atom+xml" href="${xml(self)}"/>
  <link rel="alternate" type="text/html" href="${xml(`${baseUrl}/public/${partnership.code}`)}"/>
  <updated>${updated}</updated>
  <author><name>${xml(partnership.name)} safeguarding partnership</name></author>
${entries.join('\n')}
</feed>
`;
}
