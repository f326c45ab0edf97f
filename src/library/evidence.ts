/**
 * Library records as evidence for a review's action (the assurance tracker): a published document version,
 * and a document's readership (who was asked, who confirmed reading). Read through the library's own
 * gates — a version anyone may read once published, readership for the partnership's authors and auditors —
 * so the tracker shows nothing its reader could not see in the library.
 */
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { can } from '../platform/auth/policy';
import { formatDate, londonDate } from '../platform/dates';
import { NotFoundError } from '../platform/errors';
import { getVersion, listDocuments } from './documents';
import { readership } from './readership';
import { actorsArea, documentGeographies, isPublicVersion, loadDocument } from './access';
import { KIND_LABELS, type Kind } from './model';
import { versionLabel } from './rules';

export interface EvidenceFacts {
  label: string;
  summary: string;
  href: string;
}

/** Published documents this person could link (each current version), and those whose readership they may read. */
export async function libraryEvidenceChoices(db: Db, ctx: RequestContext) {
  const docs = (await listDocuments(db, ctx)).filter((d) => d.current);
  const area = await actorsArea(db, ctx);
  const readable = [];
  for (const d of docs) {
    const geos = await documentGeographies(db, await loadDocument(db, d.id));
    if (can(ctx.actor, 'library.readership', { inActorsArea: geos.some((g) => area.has(g)) })) readable.push(d);
  }
  const choice = (d: (typeof docs)[number]) => ({
    id: d.id,
    versionId: d.current!.id,
    text: `${d.title}, version ${versionLabel(d.current!)} (${KIND_LABELS[d.kind as Kind] ?? d.kind})`,
  });
  return { versions: docs.map(choice), readership: readable.map(choice) };
}

/** A published (or since superseded) version, as evidence: what it is and when it was published. */
export async function versionEvidence(db: Db, ctx: RequestContext, versionId: string): Promise<EvidenceFacts> {
  const { doc, version } = await getVersion(db, ctx, versionId);
  if (!isPublicVersion(version) || !version.publishedAt) throw new NotFoundError('Published version');
  return {
    label: `${KIND_LABELS[doc.kind as Kind] ?? 'Document'}: ${doc.title}, version ${versionLabel(version)}`,
    summary:
      `Published on ${formatDate(londonDate(version.publishedAt))}${version.status === 'superseded' ? ' (since superseded by a newer version)' : ''}. ${version.changeSummary ?? ''}`.trim(),
    href: `/library/versions/${version.id}`,
  };
}

/** A document's readership (its current major version) as it stands now: asked, opened, confirmed read. */
export async function readershipEvidence(db: Db, ctx: RequestContext, documentId: string): Promise<EvidenceFacts> {
  const r = await readership(db, ctx, documentId);
  const t = r.total;
  return {
    label: `Readership: ${r.doc.title}, version ${r.versionLabel}`,
    summary: `${t.asked} people asked to read it; ${t.opened} opened it; ${t.acknowledged} confirmed reading it${t.acknowledgedPct === null ? '' : ` (${t.acknowledgedPct}%)`}.${r.questions.length && t.checked ? ` Knowledge check: ${t.correct} of ${t.checked} answers right.` : ''}`,
    href: `/library/documents/${r.doc.id}/readership`,
  };
}
