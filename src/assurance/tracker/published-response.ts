/**
 * The partnership's published response to a review — a document like the seed itself — drafted from the
 * tracker: the review's facts, each recommendation, each addressee's response and what has been done. It is
 * a library document (kind review_response): drafting it from the tracker makes (or refreshes) a draft
 * there, and the library's own review, approval and publication put it on the partnership's public page.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../../platform/db/engine';
import type { RequestContext } from '../../platform/context';
import { ConflictError } from '../../platform/errors';
import { recordAudit } from '../../platform/audit/service';
import { formatDate } from '../../platform/dates';
import { partnerships } from '../../directory/service';
import { createDocument, getDocument, getVersion, startVersion, updateDraft } from '../../library/documents';
import { requireReview } from './access';
import { ACTION_STATUS_LABELS, type ActionStatus, REVIEW_TYPE_LABELS, type ReviewType } from './rules';
import { trackerReviews } from './schema';
import { getReview, type ReviewView } from './reading';

/** Markdown of the response, from what the tracker holds (pure). */
export function responseMarkdown(r: ReviewView): string {
  const type = (REVIEW_TYPE_LABELS[r.reviewType as ReviewType] ?? 'review').toLowerCase();
  const out: string[] = [`# Response to the recommendations from the ${r.title}`, ''];
  const intro: string[] = [];
  if (r.consideredOn) intro.push(`The case was considered by the ${r.partnershipName} partnership’s ${r.subgroup} on ${formatDate(r.consideredOn)}.`);
  if (r.decision) intro.push(r.decision);
  if (intro.length) out.push(intro.join(' '), '');
  if (r.ledBy) out.push(`The ${type} was led by ${r.ledBy.replace(/\.$/, '')}.${r.methodology ? ` ${r.methodology}` : ''}`, '');
  else if (r.methodology) out.push(r.methodology, '');
  out.push(
    `The ${r.subgroup} quality-assures the partnership’s response before it is presented to the Board. This document provides the response from the Board, and from individual partner agencies, to the recommendations made to them, and what has been done.`,
    '',
  );
  for (const rec of r.recommendations) {
    out.push(`## Recommendation ${rec.number}`, '', ...rec.text.split('\n').map((l) => `> ${l}`), '');
    for (const x of rec.responses) {
      out.push(`### Response from ${x.organisationId ? x.addressee : 'the Board'}`, '', x.response ?? '_No response recorded yet._', '');
    }
    if (rec.actions.length) {
      out.push('### What has been done', '');
      for (const a of rec.actions.filter((x) => x.status !== 'withdrawn'))
        out.push(
          `- ${a.title} (${a.organisationName ?? 'the partnership'}): ${a.status === 'complete' ? `complete${a.completedAt ? `, ${formatDate(a.completedAt.toISOString().slice(0, 10))}` : ''}` : `${ACTION_STATUS_LABELS[a.status as ActionStatus].toLowerCase()}, due ${formatDate(a.currentDueOn)}`}.`,
        );
      out.push('');
    }
    if (rec.signedOffAt) out.push(`The Board signed this recommendation off on ${formatDate(rec.signedOffAt.toISOString().slice(0, 10))}.`, '');
  }
  return `${out.join('\n').trim()}\n`;
}

/**
 * Draft the published response in the library from the tracker as it stands: the first time a new document,
 * afterwards a new version (or the draft in progress refreshed). Needs both tracker.manage and library.author.
 */
export async function draftPublishedResponse(db: Db, ctx: RequestContext, reviewId: string): Promise<{ documentId: string; versionId: string }> {
  return db.transaction(async (tx) => {
    const found = await requireReview(tx, ctx, reviewId, 'tracker.manage');
    // Locked, so two people drafting at once make one document between them.
    const [review] = await tx.select().from(trackerReviews).where(eq(trackerReviews.id, found.id)).for('update');
    const view = (await getReview(tx, ctx, review!.id)).review;
    const body = responseMarkdown(view);
    let out: { documentId: string; versionId: string };
    if (!review!.responseDocumentId) {
      const code = (await partnerships(tx)).find((p) => p.id === review!.geographyId)?.code;
      const created = await createDocument(tx, ctx, {
        kind: 'review_response',
        title: `Response to the recommendations from the ${review!.title}`.slice(0, 200),
        summary:
          `The ${view.partnershipName} partnership’s response to the recommendations of the ${review!.title}: each recommendation, the Board’s and each agency’s response, and what has been done.`.slice(
            0,
            1000,
          ),
        reviewMonths: 12,
        partnership: code,
        body,
      });
      await tx.update(trackerReviews).set({ responseDocumentId: created.id }).where(eq(trackerReviews.id, review!.id));
      out = { documentId: created.id, versionId: created.versionId };
    } else {
      const doc = await getDocument(tx, ctx, review!.responseDocumentId);
      if (doc.inProgress && doc.inProgress.status !== 'draft')
        throw new ConflictError('A version of the published response is already in review or approved in the library: finish it there first.');
      const versionId = doc.inProgress?.id ?? (await startVersion(tx, ctx, doc.doc.id, { change: 'minor' })).id;
      // The reviewers named on the draft stay named.
      const { reviewers } = await getVersion(tx, ctx, versionId);
      await updateDraft(tx, ctx, versionId, { body, changeSummary: 'Refreshed from the review tracker.', reviewers: reviewers.map((r) => r.email).join('\n') });
      out = { documentId: doc.doc.id, versionId };
    }
    await recordAudit(tx, ctx, { action: 'tracker.response_document.draft', verb: 'U', entityType: 'Review', entityId: review!.id, detail: out });
    return out;
  });
}
