/**
 * Reading the tracker: reviews with their recommendations, responses and actions (RAG as of a day, in a few
 * queries whatever their number), one review or action for its page with what this person may do there. Reads are audited.
 */
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../platform/db/engine';
import type { RequestContext } from '../../platform/context';
import { authorizeList, can } from '../../platform/auth/policy';
import { recordAuditNow } from '../../platform/audit/service';
import { londonDate } from '../../platform/dates';
import { directoryNames, inOrganisationsArea, isUuid, organisationsIn, partnershipAreaIds } from '../../directory/service';
import { type ActionRow, requireAction, requireReview, type ReviewRow, reviewScope } from './access';
import { type ActionRag, actionRag, recommendationProgress } from './rules';
import { trackerActions, trackerDueChanges, trackerEvidence, trackerRecommendations, trackerResponses, trackerReviews } from './schema';

/** The organisations a partnership's recommendations and actions may be addressed to: those in its area. */
export async function agenciesOf(db: Db, geographyId: string) {
  return organisationsIn(db, await partnershipAreaIds(db, geographyId));
}

/** Each action's evidence count and due-date revisions, in two queries. */
export async function actionFacts(db: Db, actions: readonly ActionRow[]) {
  const ids = actions.map((a) => a.id);
  const evidence = ids.length
    ? await db.select({ actionId: trackerEvidence.actionId }).from(trackerEvidence).where(inArray(trackerEvidence.actionId, ids))
    : [];
  const changes = ids.length
    ? await db.select({ actionId: trackerDueChanges.actionId }).from(trackerDueChanges).where(inArray(trackerDueChanges.actionId, ids))
    : [];
  const count = (rows: { actionId: string }[]) => rows.reduce((m, r) => m.set(r.actionId, (m.get(r.actionId) ?? 0) + 1), new Map<string, number>());
  const e = count(evidence);
  const c = count(changes);
  return new Map(actions.map((a) => [a.id, { status: a.status, currentDueOn: a.currentDueOn, evidenceCount: e.get(a.id) ?? 0, revisions: c.get(a.id) ?? 0 }]));
}

export interface ActionSummary {
  id: string;
  title: string;
  ownerName: string;
  organisationId: string | null;
  organisationName: string | null;
  dueOn: string;
  currentDueOn: string;
  status: string;
  completedAt: Date | null;
  evidenceCount: number;
  revisions: number;
  rag: ActionRag;
  ragReason: string;
  sourceRunId: string | null;
  sourceCriterion: string | null;
}

/** Reviews with their recommendations, responses and actions (RAG as of today), in a few queries whatever their number. */
async function assemble(db: Db, reviews: readonly ReviewRow[], now: Date) {
  const today = londonDate(now);
  const reviewIds = reviews.map((r) => r.id);
  const recs = reviewIds.length
    ? await db.select().from(trackerRecommendations).where(inArray(trackerRecommendations.reviewId, reviewIds)).orderBy(asc(trackerRecommendations.number))
    : [];
  const recIds = recs.map((r) => r.id);
  const responses = recIds.length ? await db.select().from(trackerResponses).where(inArray(trackerResponses.recommendationId, recIds)) : [];
  const actions = recIds.length
    ? await db
        .select()
        .from(trackerActions)
        .where(inArray(trackerActions.recommendationId, recIds))
        .orderBy(asc(trackerActions.currentDueOn), asc(trackerActions.createdAt))
    : [];
  const facts = await actionFacts(db, actions);
  const names = await directoryNames(db, {
    organisationIds: [...responses, ...actions].map((x) => x.organisationId).filter((x): x is string => !!x),
    geographyIds: reviews.map((r) => r.geographyId),
  });
  return reviews.map((review) => ({
    ...review,
    partnershipName: names.get(review.geographyId) ?? '',
    recommendations: recs
      .filter((r) => r.reviewId === review.id)
      .map((rec) => {
        const own = actions
          .filter((a) => a.recommendationId === rec.id)
          .map((a): ActionSummary => {
            const f = facts.get(a.id)!;
            const { rag, reason } = actionRag(f, today);
            return {
              id: a.id,
              title: a.title,
              ownerName: a.ownerName,
              organisationId: a.organisationId,
              organisationName: a.organisationId ? (names.get(a.organisationId) ?? null) : null,
              dueOn: a.dueOn,
              currentDueOn: a.currentDueOn,
              status: a.status,
              completedAt: a.completedAt,
              evidenceCount: f.evidenceCount,
              revisions: f.revisions,
              rag,
              ragReason: reason,
              sourceRunId: a.sourceRunId,
              sourceCriterion: a.sourceCriterion,
            };
          });
        return {
          ...rec,
          progress: recommendationProgress(
            own.map((a) => a.rag),
            rec,
          ),
          responses: responses
            .filter((x) => x.recommendationId === rec.id)
            .map((x) => ({ ...x, addressee: x.organisationId ? (names.get(x.organisationId) ?? 'Unknown agency') : 'The board (the partnership)' }))
            .sort((a, b) => Number(!!a.organisationId) - Number(!!b.organisationId) || a.addressee.localeCompare(b.addressee)),
          actions: own,
        };
      }),
  }));
}

export type ReviewView = Awaited<ReturnType<typeof assemble>>[number];

/** The reviews this person may read (their partnership's; every one for an auditor), newest first, with progress. */
export async function listReviews(db: Db, ctx: RequestContext, now = new Date(), filter: { geographyId?: string } = {}) {
  authorizeList(ctx, 'tracker.view');
  const scope = await reviewScope(db, ctx);
  const rows = await db
    .select()
    .from(trackerReviews)
    .where(and(scope, filter.geographyId && isUuid(filter.geographyId) ? eq(trackerReviews.geographyId, filter.geographyId) : undefined))
    .orderBy(desc(trackerReviews.createdAt));
  return assemble(db, rows, now);
}

/** One review, whole, with what this person may do on it. Reading it is audited. */
export async function getReview(db: Db, ctx: RequestContext, id: string, now = new Date()) {
  const review = await requireReview(db, ctx, id, 'tracker.view');
  const [view] = await assemble(db, [review], now);
  await recordAuditNow(db, ctx, { action: 'tracker.review.view', verb: 'R', entityType: 'Review', entityId: review.id, detail: {} });
  const inArea = ctx.actor ? await inOrganisationsArea(db, ctx.actor.organisationId, review.geographyId) : true;
  const may = (action: 'tracker.manage' | 'tracker.qa' | 'tracker.signoff') => (ctx.actor ? can(ctx.actor, action, { inActorsArea: inArea }) : !!ctx.system);
  const mayRespond = (organisationId: string | null) =>
    ctx.actor ? can(ctx.actor, 'tracker.respond', { inActorsArea: inArea, organisationId }) : !!ctx.system;
  return {
    review: view!,
    may: {
      manage: may('tracker.manage'),
      qa: may('tracker.qa'),
      signOff: may('tracker.signoff'),
      // Drafting the published response writes a library document: it needs the library's authorship too.
      publish: may('tracker.manage') && (ctx.actor ? can(ctx.actor, 'library.author', { inActorsArea: inArea }) : !!ctx.system),
    },
    mayRespondFor: mayRespond,
    agencies: may('tracker.manage') ? await agenciesOf(db, review.geographyId) : [],
  };
}

/** One action: its recommendation and review, due-date history, evidence (without file contents), and what this person may do. Audited. */
export async function getAction(db: Db, ctx: RequestContext, id: string, now = new Date()) {
  const { action, review } = await requireAction(db, ctx, id, 'tracker.view');
  const [view] = await assemble(db, [review], now);
  const recommendation = view!.recommendations.find((r) => r.actions.some((a) => a.id === action.id))!;
  const summary = recommendation.actions.find((a) => a.id === action.id)!;
  const history = await db.select().from(trackerDueChanges).where(eq(trackerDueChanges.actionId, action.id)).orderBy(asc(trackerDueChanges.changedAt));
  const evidence = await db
    .select({
      id: trackerEvidence.id,
      kind: trackerEvidence.kind,
      targetId: trackerEvidence.targetId,
      label: trackerEvidence.label,
      summary: trackerEvidence.summary,
      note: trackerEvidence.note,
      fileName: trackerEvidence.fileName,
      addedByName: trackerEvidence.addedByName,
      addedAt: trackerEvidence.addedAt,
    })
    .from(trackerEvidence)
    .where(eq(trackerEvidence.actionId, action.id))
    .orderBy(asc(trackerEvidence.addedAt));
  await recordAuditNow(db, ctx, { action: 'tracker.action.view', verb: 'R', entityType: 'TrackerAction', entityId: action.id, detail: {} });
  const inArea = ctx.actor ? await inOrganisationsArea(db, ctx.actor.organisationId, review.geographyId) : true;
  const res = { inActorsArea: inArea, organisationId: action.organisationId };
  const may = (a: 'tracker.manage' | 'tracker.respond') => (ctx.actor ? can(ctx.actor, a, res) : !!ctx.system);
  return {
    review: view!,
    recommendation,
    action: { ...action, ...summary },
    detail: action.detail,
    statusNote: action.statusNote,
    history,
    evidence,
    may: { manage: may('tracker.manage') && !recommendation.signedOffAt, respond: may('tracker.respond') && !recommendation.signedOffAt },
  };
}
