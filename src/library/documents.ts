/**
 * Documents and their versions: writing, review, approval, publication, withdrawal, and the lists. Each
 * change goes through the choke points in access.ts, and writes the change, its audit event and its emails
 * in one transaction.
 */
import { and, asc, desc, eq, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { authorizeContext, authorizeList, can, mayAtAll } from '../platform/auth/policy';
import { recordAudit } from '../platform/audit/service';
import { users } from '../platform/auth/schema';
import { ConflictError, NotFoundError, parseInput, ValidationError } from '../platform/errors';
import { londonDate } from '../platform/dates';
import { directoryNames, organisationGeographyId, partnershipByCode, partnerships } from '../directory/service';
import { actorsArea, draftScope, documentGeographies, isPublicVersion, requireDocument, requireVersion, type VersionRow } from './access';
import {
  approvalSchema,
  commentSchema,
  documentSchema,
  draftSchema,
  KINDS,
  LIMITS,
  newVersionSchema,
  publishSchema,
  questionsSchema,
  reasonSchema,
  type Kind,
  type VersionStatus,
} from './model';
import { diffCounts, nextVersionNumber, renderMarkdown, reviewDueOn, reviewStage, transitionProblem, versionDiff, versionLabel } from './rules';
import { libraryDocumentPartnerships, libraryDocuments, libraryReads, libraryReviewComments, libraryVersions } from './schema';
import { tell } from './notices';
import { recirculate } from './circulation';

const actorName = (ctx: RequestContext) => ctx.actor?.displayName ?? ctx.system ?? 'system';

function step(version: VersionRow, to: VersionStatus): void {
  const problem = transitionProblem(version.status as VersionStatus, to);
  if (problem) throw new ConflictError(problem);
}

/** Resolve the partnership that owns a new document and those it is shared with, from their codes. */
async function partnershipIds(db: Db, ctx: RequestContext, ownerCode: string | undefined, sharedWith: readonly string[]) {
  const fieldErrors: Record<string, string> = {};
  let owner: string | null = null;
  if (ownerCode) {
    const g = await partnershipByCode(db, ownerCode);
    if (!g) fieldErrors.partnership = 'Choose the partnership that owns the document from the list';
    else owner = g.id;
  } else if (ctx.actor) {
    // Without a code, the author's own partnership, where their organisation is in one (not an ICB-wide body).
    const own = await organisationGeographyId(db, ctx.actor.organisationId);
    owner = own && (await partnerships(db)).some((g) => g.id === own) ? own : null;
  }
  const shared: string[] = [];
  for (const code of sharedWith) {
    const g = await partnershipByCode(db, code);
    if (!g) fieldErrors.sharedWith = `There is no partnership with the code ${code}`;
    else if (g.id !== owner) shared.push(g.id);
  }
  if (!owner && !fieldErrors.partnership) fieldErrors.partnership = 'Choose the partnership that owns the document (its code, for example E10000014)';
  if (Object.keys(fieldErrors).length) throw new ValidationError(fieldErrors);
  return { owner: owner!, shared: [...new Set(shared)] };
}

/** Start a document: its details and its first draft (version 1.0). The author must be of the owning partnership. */
export async function createDocument(db: Db, ctx: RequestContext, raw: unknown): Promise<{ id: string; versionId: string }> {
  authorizeList(ctx, 'library.author');
  const input = parseInput(documentSchema.extend({ partnership: z.string().trim().max(20).optional() }).and(draftSchema.pick({ body: true })), raw);
  const { owner, shared } = await partnershipIds(db, ctx, input.partnership ?? undefined, input.sharedWith);
  const area = await actorsArea(db, ctx);
  authorizeContext(ctx, 'library.author', { inActorsArea: ctx.actor ? area.has(owner) : false });
  return db.transaction(async (tx) => {
    const [doc] = await tx
      .insert(libraryDocuments)
      .values({
        geographyId: owner,
        kind: input.kind,
        title: input.title,
        summary: input.summary,
        reviewMonths: input.reviewMonths,
        topics: input.topics,
        ownerUserId: ctx.actor?.userId ?? null,
      })
      .returning({ id: libraryDocuments.id });
    if (shared.length) await tx.insert(libraryDocumentPartnerships).values(shared.map((g) => ({ documentId: doc!.id, geographyId: g })));
    const [v] = await tx
      .insert(libraryVersions)
      .values({
        documentId: doc!.id,
        major: 1,
        minor: 0,
        body: input.body,
        changeSummary: 'First version.',
        createdByUserId: ctx.actor?.userId ?? null,
        createdByName: actorName(ctx),
      })
      .returning({ id: libraryVersions.id });
    await recordAudit(tx, ctx, {
      action: 'library.document.create',
      verb: 'C',
      entityType: 'LibraryDocument',
      entityId: doc!.id,
      detail: { kind: input.kind, title: input.title, sharedWith: shared },
    });
    return { id: doc!.id, versionId: v!.id };
  });
}

/** Change a document's details (title, summary, review interval, topics, the partnerships that share it). */
export async function updateDocument(db: Db, ctx: RequestContext, id: string, raw: unknown): Promise<void> {
  const { doc } = await requireDocument(db, ctx, id, 'library.author');
  const input = parseInput(documentSchema, raw);
  const shared: string[] = [];
  for (const code of input.sharedWith) {
    const g = await partnershipByCode(db, code);
    if (!g) throw new ValidationError({ sharedWith: `There is no partnership with the code ${code}` });
    shared.push(g.id);
  }
  await db.transaction(async (tx) => {
    await tx
      .update(libraryDocuments)
      .set({ kind: input.kind, title: input.title, summary: input.summary, reviewMonths: input.reviewMonths, topics: input.topics, updatedAt: new Date() })
      .where(eq(libraryDocuments.id, doc.id));
    await tx.delete(libraryDocumentPartnerships).where(eq(libraryDocumentPartnerships.documentId, doc.id));
    const others = shared.filter((g) => g !== doc.geographyId);
    if (others.length) await tx.insert(libraryDocumentPartnerships).values(others.map((g) => ({ documentId: doc.id, geographyId: g })));
    await recordAudit(tx, ctx, {
      action: 'library.document.update',
      verb: 'U',
      entityType: 'LibraryDocument',
      entityId: doc.id,
      detail: { sharedWith: others },
    });
  });
}

async function latestVersion(db: Db, documentId: string): Promise<VersionRow | null> {
  const [v] = await db
    .select()
    .from(libraryVersions)
    .where(eq(libraryVersions.documentId, documentId))
    .orderBy(desc(libraryVersions.major), desc(libraryVersions.minor))
    .limit(1);
  return v ?? null;
}

/** Start the next version from the latest: a change of practice (major) or of wording (minor). One version in progress at a time. */
export async function startVersion(db: Db, ctx: RequestContext, documentId: string, raw: unknown): Promise<{ id: string }> {
  const { doc } = await requireDocument(db, ctx, documentId, 'library.author');
  const { change } = parseInput(newVersionSchema, raw);
  if (doc.status === 'withdrawn') throw new ConflictError('This document has been withdrawn: it cannot have a new version.');
  return db.transaction(async (tx) => {
    await tx.select({ id: libraryDocuments.id }).from(libraryDocuments).where(eq(libraryDocuments.id, doc.id)).for('update');
    const latest = await latestVersion(tx, doc.id);
    if (latest && ['draft', 'in_review', 'approved'].includes(latest.status))
      throw new ConflictError(`Version ${versionLabel(latest)} is still ${latest.status.replace('_', ' ')}: finish or withdraw it before starting another.`);
    const n = nextVersionNumber(latest, change);
    const [v] = await tx
      .insert(libraryVersions)
      .values({
        documentId: doc.id,
        ...n,
        body: latest?.body ?? '',
        changeSummary: change === 'major' ? 'Change of practice: describe what changes.' : 'Changes of wording: describe them.',
        questions: latest?.questions ?? [],
        reviewerUserIds: latest?.reviewerUserIds ?? [],
        createdByUserId: ctx.actor?.userId ?? null,
        createdByName: actorName(ctx),
      })
      .returning({ id: libraryVersions.id });
    await recordAudit(tx, ctx, {
      action: 'library.version.create',
      verb: 'C',
      entityType: 'LibraryVersion',
      entityId: v!.id,
      detail: { documentId: doc.id, version: versionLabel(n), change },
    });
    return { id: v!.id };
  });
}

/** People by email, for naming reviewers: every address must be someone in Beacon. */
async function usersByEmail(db: Db, emails: readonly string[]): Promise<string[]> {
  if (!emails.length) return [];
  const found = await db
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(and(inArray(sql`lower(${users.email})`, [...emails]), eq(users.active, true)));
  const byEmail = new Map(found.map((u) => [u.email.toLowerCase(), u.id]));
  const missing = emails.filter((e) => !byEmail.has(e));
  if (missing.length)
    throw new ValidationError({ reviewers: `Nobody in Beacon has the email address ${missing.join(', ')}. Name reviewers by their Beacon email address.` });
  return emails.map((e) => byEmail.get(e)!);
}

/** Change a draft: its text, summary of changes, named reviewers and knowledge check. Only a draft changes. */
export async function updateDraft(db: Db, ctx: RequestContext, versionId: string, raw: unknown): Promise<void> {
  const { version } = await requireVersion(db, ctx, versionId, 'library.author');
  const input = parseInput(draftSchema, raw);
  const questions = parseInput(questionsSchema, raw && typeof raw === 'object' && 'questions' in raw ? (raw as { questions: unknown }).questions : raw);
  const reviewerUserIds = await usersByEmail(db, input.reviewers);
  await db.transaction(async (tx) => {
    const [locked] = await tx.select().from(libraryVersions).where(eq(libraryVersions.id, version.id)).for('update');
    if (locked!.status !== 'draft')
      throw new ConflictError(`Version ${versionLabel(locked!)} is ${locked!.status.replace('_', ' ')}: only a draft can be changed.`);
    await tx
      .update(libraryVersions)
      .set({ body: input.body, changeSummary: input.changeSummary, reviewerUserIds, questions, updatedAt: new Date() })
      .where(eq(libraryVersions.id, version.id));
    await recordAudit(tx, ctx, {
      action: 'library.version.update',
      verb: 'U',
      entityType: 'LibraryVersion',
      entityId: version.id,
      detail: { reviewers: reviewerUserIds.length, questions: questions.length },
    });
  });
}

/** Attach a PDF to a draft (replacing any attached before). Anything that is not a PDF is refused. */
export async function attachPdf(db: Db, ctx: RequestContext, versionId: string, file: { filename: string; data: Buffer }): Promise<void> {
  const { version } = await requireVersion(db, ctx, versionId, 'library.author');
  if (version.status !== 'draft') throw new ConflictError('Only a draft can have its attachment changed.');
  if (!file.data.length) throw new ValidationError({ attachment: 'Choose a PDF file to attach' });
  if (file.data.length > LIMITS.attachmentBytes) throw new ValidationError({ attachment: 'The PDF must be 10 MB or smaller' });
  if (file.data.subarray(0, 5).toString('latin1') !== '%PDF-') throw new ValidationError({ attachment: 'The file must be a PDF' });
  const name = (file.filename || 'attachment.pdf').replace(/[^\w .()-]/g, '_').slice(0, 120);
  await db.transaction(async (tx) => {
    await tx
      .update(libraryVersions)
      .set({ attachment: file.data, attachmentName: name.toLowerCase().endsWith('.pdf') ? name : `${name}.pdf`, updatedAt: new Date() })
      .where(eq(libraryVersions.id, version.id));
    await recordAudit(tx, ctx, {
      action: 'library.version.attach',
      verb: 'U',
      entityType: 'LibraryVersion',
      entityId: version.id,
      detail: { bytes: file.data.length },
    });
  });
}

/** A version's attachment, for anyone who may read the version. */
export async function attachmentOf(db: Db, ctx: RequestContext, versionId: string): Promise<{ name: string; data: Buffer }> {
  const { version } = await requireVersion(db, ctx, versionId, 'library.browse');
  if (!version.attachment) throw new NotFoundError('Attachment');
  return { name: version.attachmentName ?? 'attachment.pdf', data: version.attachment };
}

async function move(
  db: Db,
  ctx: RequestContext,
  versionId: string,
  to: VersionStatus,
  action: 'library.author' | 'library.approve',
  set: Partial<typeof libraryVersions.$inferInsert>,
  audit: string,
) {
  const { version, doc } = await requireVersion(db, ctx, versionId, action);
  return db.transaction(async (tx) => {
    const [locked] = await tx.select().from(libraryVersions).where(eq(libraryVersions.id, version.id)).for('update');
    step(locked!, to);
    await tx
      .update(libraryVersions)
      .set({ ...set, status: to, updatedAt: new Date() })
      .where(eq(libraryVersions.id, version.id));
    await recordAudit(tx, ctx, {
      action: audit,
      verb: 'U',
      entityType: 'LibraryVersion',
      entityId: version.id,
      detail: { documentId: doc.id, from: locked!.status, to },
    });
  });
}

/** Send a draft to its named reviewers (each is emailed). A version with no reviewer named cannot go for review. */
export async function sendForReview(db: Db, ctx: RequestContext, versionId: string): Promise<void> {
  const { version: v, doc } = await requireVersion(db, ctx, versionId, 'library.author');
  if (!v.reviewerUserIds.length) throw new ValidationError({ reviewers: 'Name at least one reviewer before sending the version for review' });
  await db.transaction(async (tx) => {
    const [locked] = await tx.select().from(libraryVersions).where(eq(libraryVersions.id, v.id)).for('update');
    step(locked!, 'in_review');
    await tx.update(libraryVersions).set({ status: 'in_review', sentForReviewAt: new Date(), updatedAt: new Date() }).where(eq(libraryVersions.id, v.id));
    for (const userId of locked!.reviewerUserIds) await tell(tx, { kind: 'review_request', userId, versionId: v.id, key: locked!.updatedAt.getTime() });
    await recordAudit(tx, ctx, {
      action: 'library.version.review',
      verb: 'U',
      entityType: 'LibraryVersion',
      entityId: v.id,
      detail: { documentId: doc.id, reviewers: locked!.reviewerUserIds.length },
    });
  });
}

/** A named reviewer comments on a version in review (the author is emailed). */
export async function commentOn(db: Db, ctx: RequestContext, versionId: string, raw: unknown): Promise<void> {
  const { version, doc } = await requireVersion(db, ctx, versionId, 'library.review');
  const { text } = parseInput(commentSchema, raw);
  if (version.status !== 'in_review') throw new ConflictError('Comments are taken while a version is in review.');
  await db.transaction(async (tx) => {
    const [c] = await tx
      .insert(libraryReviewComments)
      .values({ versionId: version.id, userId: ctx.actor?.userId ?? null, name: actorName(ctx), text })
      .returning({ id: libraryReviewComments.id });
    if (version.createdByUserId && version.createdByUserId !== ctx.actor?.userId)
      await tell(tx, { kind: 'review_comment', userId: version.createdByUserId, versionId: version.id, key: c!.id });
    await recordAudit(tx, ctx, {
      action: 'library.version.comment',
      verb: 'C',
      entityType: 'LibraryVersion',
      entityId: version.id,
      detail: { documentId: doc.id },
    });
  });
}

/** Back to draft (to take the reviewers' comments in, or after approval when something must change). */
export async function returnToDraft(db: Db, ctx: RequestContext, versionId: string): Promise<void> {
  await move(
    db,
    ctx,
    versionId,
    'draft',
    'library.author',
    { approvedByUserId: null, approvedByName: null, approvalGroup: null, approvalMeeting: null, approvedOn: null },
    'library.version.return',
  );
}

/** Record the approval the partnership gave: by whom, the group and meeting, and the date. */
export async function approveVersion(db: Db, ctx: RequestContext, versionId: string, raw: unknown): Promise<void> {
  await requireVersion(db, ctx, versionId, 'library.approve');
  const input = parseInput(approvalSchema, raw);
  if (input.approvedOn > londonDate(new Date())) throw new ValidationError({ approvedOn: 'The date it was approved must be today or in the past' });
  await move(
    db,
    ctx,
    versionId,
    'approved',
    'library.approve',
    {
      approvedByUserId: ctx.actor?.userId ?? null,
      approvedByName: actorName(ctx),
      approvalGroup: input.group,
      approvalMeeting: input.meeting,
      approvedOn: input.approvedOn,
    },
    'library.version.approve',
  );
}

/**
 * Publish an approved version: the version published before it is superseded, its review date set (the
 * document's interval unless given), and, for a change of practice (a new major number), everyone asked to
 * read the earlier version is asked again; for a change of wording their tasks move on to this version.
 */
export async function publishVersion(db: Db, ctx: RequestContext, versionId: string, raw: unknown = {}, now = new Date()): Promise<{ recirculated: number }> {
  const { version, doc } = await requireVersion(db, ctx, versionId, 'library.author');
  const input = parseInput(publishSchema, raw);
  const today = londonDate(now);
  if (input.reviewDueOn && input.reviewDueOn <= today) throw new ValidationError({ reviewDueOn: 'The review date must be in the future' });
  return db.transaction(async (tx) => {
    await tx.select({ id: libraryDocuments.id }).from(libraryDocuments).where(eq(libraryDocuments.id, doc.id)).for('update');
    const [locked] = await tx.select().from(libraryVersions).where(eq(libraryVersions.id, version.id)).for('update');
    step(locked!, 'published');
    const [previous] = await tx
      .select()
      .from(libraryVersions)
      .where(and(eq(libraryVersions.documentId, doc.id), eq(libraryVersions.status, 'published')));
    if (previous) await tx.update(libraryVersions).set({ status: 'superseded', endedAt: now, updatedAt: now }).where(eq(libraryVersions.id, previous.id));
    await tx
      .update(libraryVersions)
      .set({
        status: 'published',
        publishedAt: now,
        publishedByName: actorName(ctx),
        reviewDueOn: input.reviewDueOn ?? reviewDueOn(today, doc.reviewMonths),
        updatedAt: now,
      })
      .where(eq(libraryVersions.id, version.id));
    let recirculated = 0;
    if (previous && locked!.major > previous.major) recirculated = await recirculate(tx, ctx, doc, previous, locked!, now);
    else if (previous)
      await tx
        .update(libraryReads)
        .set({ versionId: locked!.id })
        .where(and(eq(libraryReads.documentId, doc.id), eq(libraryReads.major, locked!.major), isNull(libraryReads.closedAt)));
    await recordAudit(tx, ctx, {
      action: 'library.version.publish',
      verb: 'U',
      entityType: 'LibraryVersion',
      entityId: version.id,
      detail: { documentId: doc.id, version: versionLabel(locked!), superseded: previous?.id ?? null, recirculated },
    });
    return { recirculated };
  });
}

/**
 * Withdraw a version with a reason. A version in progress is simply abandoned; withdrawing the published
 * version withdraws the document (it leaves the public page, and nobody is asked to read it any more).
 */
export async function withdrawVersion(db: Db, ctx: RequestContext, versionId: string, raw: unknown, now = new Date()): Promise<void> {
  const { version, doc } = await requireVersion(db, ctx, versionId, 'library.author');
  const { reason } = parseInput(reasonSchema, raw);
  await db.transaction(async (tx) => {
    const [locked] = await tx.select().from(libraryVersions).where(eq(libraryVersions.id, version.id)).for('update');
    step(locked!, 'withdrawn');
    await tx
      .update(libraryVersions)
      .set({ status: 'withdrawn', withdrawnReason: reason, endedAt: now, updatedAt: now })
      .where(eq(libraryVersions.id, version.id));
    if (locked!.status === 'published') {
      await tx.update(libraryDocuments).set({ status: 'withdrawn', withdrawnReason: reason, updatedAt: now }).where(eq(libraryDocuments.id, doc.id));
      await tx
        .update(libraryReads)
        .set({ closedAt: now })
        .where(and(eq(libraryReads.documentId, doc.id), isNull(libraryReads.acknowledgedAt), isNull(libraryReads.closedAt)));
    }
    await recordAudit(tx, ctx, {
      action: 'library.version.withdraw',
      verb: 'U',
      entityType: 'LibraryVersion',
      entityId: version.id,
      reason,
      detail: { documentId: doc.id, from: locked!.status },
    });
  });
}

export interface DocumentFilter {
  kind?: string;
  q?: string;
}

/**
 * The library as this person sees it: every document with a published version, and the documents in
 * progress they may see (their partnership's, the ones they review), each with its current and latest version.
 */
export async function listDocuments(db: Db, ctx: RequestContext, filter: DocumentFilter = {}) {
  authorizeList(ctx, 'library.browse');
  const drafts = mayAtAll(ctx.actor, 'library.draft') ? await draftScope(db, ctx) : sql`false`;
  const kind = (KINDS as readonly string[]).includes(filter.kind ?? '') ? (filter.kind as Kind) : null;
  const q = (filter.q ?? '').trim().slice(0, 100);
  const published = sql`exists (select 1 from library_versions pv where pv.document_id = ${libraryDocuments.id} and pv.status = 'published')`;
  const docs = await db
    .select()
    .from(libraryDocuments)
    .where(
      and(
        drafts === undefined ? undefined : or(published, drafts),
        kind ? eq(libraryDocuments.kind, kind) : undefined,
        q
          ? sql`(${libraryDocuments.title} ilike ${`%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`} or ${libraryDocuments.summary} ilike ${`%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`})`
          : undefined,
      ),
    )
    .orderBy(asc(libraryDocuments.title));
  if (!docs.length) return [];
  const versions = await db
    .select({
      id: libraryVersions.id,
      documentId: libraryVersions.documentId,
      major: libraryVersions.major,
      minor: libraryVersions.minor,
      status: libraryVersions.status,
      publishedAt: libraryVersions.publishedAt,
      reviewDueOn: libraryVersions.reviewDueOn,
      reviewerUserIds: libraryVersions.reviewerUserIds,
    })
    .from(libraryVersions)
    .where(
      inArray(
        libraryVersions.documentId,
        docs.map((d) => d.id),
      ),
    )
    .orderBy(desc(libraryVersions.major), desc(libraryVersions.minor));
  const shared = await db
    .select()
    .from(libraryDocumentPartnerships)
    .where(
      inArray(
        libraryDocumentPartnerships.documentId,
        docs.map((d) => d.id),
      ),
    );
  const names = await directoryNames(db, { geographyIds: [...docs.map((d) => d.geographyId), ...shared.map((s) => s.geographyId)] });
  const area = await actorsArea(db, ctx);
  const today = londonDate(new Date());
  return docs.map((d) => {
    const mine = versions.filter((v) => v.documentId === d.id);
    const current = mine.find((v) => v.status === 'published') ?? null;
    const inProgress = mine.find((v) => ['draft', 'in_review', 'approved'].includes(v.status)) ?? null;
    const geos = [d.geographyId, ...shared.filter((s) => s.documentId === d.id).map((s) => s.geographyId)];
    // The version in progress is shown only to someone who may open it: the same rule as requireVersion.
    const mayOpen = (v: { reviewerUserIds: string[] }) =>
      can(ctx.actor, 'library.draft', { inActorsArea: geos.some((g) => area.has(g)), reviewerUserIds: v.reviewerUserIds });
    return {
      ...d,
      partnerships: [
        names.get(d.geographyId) ?? '',
        ...geos
          .slice(1)
          .map((g) => names.get(g) ?? '')
          .sort((a, b) => a.localeCompare(b)),
      ],
      current,
      inProgress: inProgress && mayOpen(inProgress) ? inProgress : null,
      reviewStage: current ? reviewStage(current.reviewDueOn, today) : 'none',
    };
  });
}

/** One document: its details, the versions this person may see, the partnerships, and what they may do. */
export async function getDocument(db: Db, ctx: RequestContext, id: string) {
  const { doc, resource } = await requireDocument(db, ctx, id, 'library.browse');
  const all = await db
    .select()
    .from(libraryVersions)
    .where(eq(libraryVersions.documentId, doc.id))
    .orderBy(desc(libraryVersions.major), desc(libraryVersions.minor));
  const versions = all.filter(
    (v) =>
      isPublicVersion(v) ||
      can(ctx.actor, 'library.draft', { ...resource, reviewerUserIds: v.reviewerUserIds }) ||
      (v.status === 'withdrawn' && v.publishedAt !== null),
  );
  const geos = await documentGeographies(db, doc);
  const known = new Map((await partnerships(db)).map((g) => [g.id, g]));
  return {
    doc,
    versions,
    current: versions.find((v) => v.status === 'published') ?? null,
    inProgress: versions.find((v) => ['draft', 'in_review', 'approved'].includes(v.status)) ?? null,
    // The owner first, then the partnerships sharing it by name.
    partnerships: geos
      .map((g) => ({ id: g, code: known.get(g)?.code ?? '', name: known.get(g)?.name ?? '' }))
      .sort((a, b) => (a.id === doc.geographyId ? -1 : b.id === doc.geographyId ? 1 : a.name.localeCompare(b.name))),
    may: {
      author: can(ctx.actor, 'library.author', resource),
      readership: can(ctx.actor, 'library.readership', resource),
      discuss: can(ctx.actor, 'library.discuss', resource),
    },
  };
}

/** One version: its text as safe HTML, the difference from the version before, comments (while in review), and what this person may do. */
export async function getVersion(db: Db, ctx: RequestContext, versionId: string) {
  const { version, doc, resource } = await requireVersion(db, ctx, versionId, 'library.browse');
  const [previous] = await db
    .select()
    .from(libraryVersions)
    .where(
      and(
        eq(libraryVersions.documentId, doc.id),
        ne(libraryVersions.id, version.id),
        ne(libraryVersions.status, 'withdrawn'),
        or(sql`${libraryVersions.major} < ${version.major}`, and(eq(libraryVersions.major, version.major), sql`${libraryVersions.minor} < ${version.minor}`)),
      ),
    )
    .orderBy(desc(libraryVersions.major), desc(libraryVersions.minor))
    .limit(1);
  const mayDraft = can(ctx.actor, 'library.draft', resource);
  const showPrevious = previous && (isPublicVersion(previous) || mayDraft) ? previous : null;
  const diff = showPrevious ? versionDiff(showPrevious.body, version.body) : null;
  const comments = mayDraft
    ? await db.select().from(libraryReviewComments).where(eq(libraryReviewComments.versionId, version.id)).orderBy(asc(libraryReviewComments.createdAt))
    : [];
  const reviewers =
    mayDraft && version.reviewerUserIds.length
      ? await db.select({ id: users.id, name: users.displayName, email: users.email }).from(users).where(inArray(users.id, version.reviewerUserIds))
      : [];
  return {
    doc,
    version,
    html: renderMarkdown(version.body),
    previous: showPrevious,
    diff,
    diffCounts: diff ? diffCounts(diff) : null,
    comments,
    reviewers,
    may: {
      author: can(ctx.actor, 'library.author', resource),
      review: can(ctx.actor, 'library.review', resource),
      approve: can(ctx.actor, 'library.approve', resource),
      readership: can(ctx.actor, 'library.readership', resource),
      discuss: can(ctx.actor, 'library.discuss', resource) && isPublicVersion(version),
    },
  };
}

/** Published versions whose review date is within 60 days or has passed, for the documents this person looks after. */
export async function reviewsDue(db: Db, ctx: RequestContext, now = new Date()) {
  const scope = await draftScope(db, ctx);
  const today = londonDate(now);
  const rows = await db
    .select({ doc: libraryDocuments, version: libraryVersions })
    .from(libraryVersions)
    .innerJoin(libraryDocuments, eq(libraryDocuments.id, libraryVersions.documentId))
    .where(and(eq(libraryVersions.status, 'published'), sql`${libraryVersions.reviewDueOn} <= (${today}::date + 60)`, scope))
    .orderBy(asc(libraryVersions.reviewDueOn));
  return rows.map((r) => ({ ...r, stage: reviewStage(r.version.reviewDueOn, today) }));
}

/** The partnerships to choose from when writing a document (its owner from the author's area). */
export async function partnershipChoices(db: Db, ctx: RequestContext) {
  const area = await actorsArea(db, ctx);
  const all = await partnerships(db);
  return { own: all.filter((g) => area.has(g.id)), all };
}
