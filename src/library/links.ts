/**
 * What the rest of Beacon asks of the library: the document version in force for an area (the alert SOP
 * the raise-an-alert pages follow, the protocol a case configuration implements), a version's name and
 * link, and the current guidance on a topic (the spotlight briefing the chronology's prompts point to).
 * Published documents only: what anyone signed in may read.
 */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import { rows, uuidList } from '../platform/db/sql';
import { isUuid, partnershipAreaIds } from '../directory/service';
import { KIND_LABELS, type Kind, type Topic } from './model';
import { versionLabel } from './rules';
import { libraryDocuments, libraryVersions } from './schema';

export interface VersionLink {
  documentId: string;
  versionId: string;
  title: string;
  kind: Kind;
  kindLabel: string;
  version: string;
  status: string;
  href: string;
  publishedAt: Date | null;
}

const toLink = (doc: typeof libraryDocuments.$inferSelect, v: typeof libraryVersions.$inferSelect): VersionLink => ({
  documentId: doc.id,
  versionId: v.id,
  title: doc.title,
  kind: doc.kind as Kind,
  kindLabel: KIND_LABELS[doc.kind as Kind] ?? doc.kind,
  version: versionLabel(v),
  status: v.status,
  href: `/library/versions/${v.id}`,
  publishedAt: v.publishedAt,
});

/**
 * Published documents of these kinds about a topic, for an area: those of the area's partnerships first
 * (owned or shared), then any other partnership's; the newest publication first.
 */
async function inForce(db: Db, opts: { geographyId?: string | null; kinds: readonly Kind[]; topic?: Topic }): Promise<VersionLink[]> {
  const found = await db
    .select({ doc: libraryDocuments, v: libraryVersions })
    .from(libraryDocuments)
    .innerJoin(libraryVersions, and(eq(libraryVersions.documentId, libraryDocuments.id), eq(libraryVersions.status, 'published')))
    .where(
      and(
        eq(libraryDocuments.status, 'active'),
        inArray(libraryDocuments.kind, [...opts.kinds]),
        opts.topic ? sql`${libraryDocuments.topics} @> ${JSON.stringify([opts.topic])}::jsonb` : undefined,
      ),
    )
    .orderBy(desc(libraryVersions.publishedAt));
  if (!found.length) return [];
  const area = new Set(opts.geographyId ? await partnershipAreaIds(db, opts.geographyId) : []);
  const sharedRows = await rows<{ document_id: string; geography_id: string }>(
    db,
    sql`select document_id, geography_id from library_document_partnerships where document_id in (${uuidList(found.map((r) => r.doc.id))})`,
  );
  const inArea = (docId: string, owner: string) => area.has(owner) || sharedRows.some((s) => s.document_id === docId && area.has(s.geography_id));
  const local = found.filter((r) => inArea(r.doc.id, r.doc.geographyId));
  return (local.length ? local : found).map((r) => toLink(r.doc, r.v));
}

/** The document in force for an area of a kind and topic (the alert SOP: kind sop, topic high_risk_alerts), or null. */
export async function documentInForce(db: Db, geographyId: string | null, kinds: readonly Kind[], topic: Topic): Promise<VersionLink | null> {
  return (await inForce(db, { geographyId, kinds, topic }))[0] ?? null;
}

/** The current guidance for each topic asked about: a spotlight briefing first, else a practice note or guideline. */
export async function guidanceFor(db: Db, geographyId: string | null, topics: readonly Topic[]): Promise<Map<Topic, VersionLink>> {
  const out = new Map<Topic, VersionLink>();
  for (const topic of new Set(topics)) {
    const found = await inForce(db, { geographyId, kinds: ['briefing', 'practice_note', 'guideline'], topic });
    const best = found.find((f) => f.kind === 'briefing') ?? found[0];
    if (best) out.set(topic, best);
  }
  return out;
}

/** A version's name and link (any status: a configuration records the version it implements, which may later be superseded). */
export async function versionLink(db: Db, versionId: string | null): Promise<VersionLink | null> {
  if (!versionId || !isUuid(versionId)) return null;
  const [row] = await db
    .select({ doc: libraryDocuments, v: libraryVersions })
    .from(libraryVersions)
    .innerJoin(libraryDocuments, eq(libraryDocuments.id, libraryVersions.documentId))
    .where(eq(libraryVersions.id, versionId));
  return row ? toLink(row.doc, row.v) : null;
}

/** The published protocols and guidelines a partnership's case configuration may implement (for the configuration form). */
export async function implementableVersions(db: Db, geographyId: string | null): Promise<VersionLink[]> {
  return inForce(db, { geographyId, kinds: ['protocol', 'guideline', 'sop'] });
}
