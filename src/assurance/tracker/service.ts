/**
 * The review tracker: a partnership's reviews, their recommendations (addressed to the board or named
 * agencies, each addressee's response), the actions (their due-date history and status), the subgroup's
 * quality assurance and the board's sign-off of each recommendation. Every record loads through access.ts;
 * every change is audited in its own transaction; RAG comes from rules.ts, from dates and evidence.
 */
import { eq, max } from 'drizzle-orm';
import type { Db } from '../../platform/db/engine';
import type { RequestContext } from '../../platform/context';
import { authorizeList } from '../../platform/auth/policy';
import { recordAudit } from '../../platform/audit/service';
import { ConflictError, ForbiddenError, NotFoundError, parseInput, ValidationError } from '../../platform/errors';
import { type IsoDate, londonDate } from '../../platform/dates';
import { isUuid, partnershipAreaIds, partnerships } from '../../directory/service';
import { getRun } from '../audits';
import { authorizePartnership } from '../access';
import { CRITERION } from '../criteria';
import { requireAction, requireRecommendation, requireResponse, requireReview } from './access';
import { actionSchema, recommendationSchema, responseSchema, reviewSchema, reviseDueSchema, signOffNoteSchema, statusSchema } from './model';
import { actionRag, completionProblem, qaProblem, recommendationProgress, signOffProblem } from './rules';
import { actionFacts, agenciesOf } from './reading';
import { trackerActions, trackerDueChanges, trackerEvidence, trackerRecommendations, trackerResponses, trackerReviews } from './schema';

const actorName = (ctx: RequestContext) => ctx.actor?.displayName ?? ctx.system ?? 'Beacon';

async function agencyProblem(db: Db, geographyId: string, organisationIds: readonly string[]): Promise<string | null> {
  if (!organisationIds.length) return null;
  if (organisationIds.some((id) => !isUuid(id))) return 'Choose agencies from the list';
  const known = new Set((await agenciesOf(db, geographyId)).map((o) => o.id));
  return organisationIds.every((id) => known.has(id)) ? null : 'Choose agencies of this partnership from the list';
}

// ── Reviews and recommendations ─────────────────────────────────────────────────────────────────────

export async function createReview(db: Db, ctx: RequestContext, raw: unknown): Promise<{ id: string }> {
  authorizeList(ctx, 'tracker.manage');
  // The partnership is authorised before the rest of the input is read.
  const { partnershipId: chosen } = parseInput(reviewSchema.pick({ partnershipId: true }), raw);
  if (!(await partnerships(db)).some((p) => p.id === chosen))
    throw new ValidationError({ partnershipId: 'Choose a safeguarding partnership (a local authority area)' });
  await authorizePartnership(db, ctx, chosen, 'tracker.manage');
  const input = parseInput(reviewSchema, raw);
  const { partnershipId, ...fields } = input;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(trackerReviews)
      .values({ ...fields, geographyId: partnershipId, createdByUserId: ctx.actor?.userId ?? null, createdByName: actorName(ctx) })
      .returning({ id: trackerReviews.id });
    await recordAudit(tx, ctx, { action: 'tracker.review.create', verb: 'C', entityType: 'Review', entityId: row!.id, detail: { title: input.title } });
    return { id: row!.id };
  });
}

/** Add a recommendation to a review, numbered after the last, addressed to the board and/or named agencies (one response each). */
export async function addRecommendation(db: Db, ctx: RequestContext, reviewId: string, raw: unknown): Promise<{ id: string; number: number }> {
  const review = await requireReview(db, ctx, reviewId, 'tracker.manage');
  const input = parseInput(recommendationSchema, raw);
  const board = input.addressees.includes('board');
  const agencies = [...new Set(input.addressees.filter((a) => a !== 'board'))];
  const problem = await agencyProblem(db, review.geographyId, agencies);
  if (problem) throw new ValidationError({ addressees: problem });
  return db.transaction(async (tx) => {
    // The review's row is locked so two recommendations added at once take consecutive numbers.
    await tx.select({ id: trackerReviews.id }).from(trackerReviews).where(eq(trackerReviews.id, review.id)).for('update');
    const [last] = await tx
      .select({ n: max(trackerRecommendations.number) })
      .from(trackerRecommendations)
      .where(eq(trackerRecommendations.reviewId, review.id));
    const number = (last?.n ?? 0) + 1;
    const [row] = await tx
      .insert(trackerRecommendations)
      .values({ reviewId: review.id, number, text: input.text })
      .returning({ id: trackerRecommendations.id });
    await tx.insert(trackerResponses).values([...(board ? [null] : []), ...agencies].map((organisationId) => ({ recommendationId: row!.id, organisationId })));
    await recordAudit(tx, ctx, {
      action: 'tracker.recommendation.create',
      verb: 'C',
      entityType: 'Recommendation',
      entityId: row!.id,
      detail: { reviewId: review.id, number, board, agencies },
    });
    return { id: row!.id, number };
  });
}

/** An addressee's written response (the agency's lead for their organisation; the manager for the board). A later answer replaces it, audited. */
export async function respond(db: Db, ctx: RequestContext, responseId: string, raw: unknown, now = new Date()): Promise<void> {
  await db.transaction(async (tx) => {
    const { response } = await requireResponse(tx, ctx, responseId, 'tracker.respond');
    const input = parseInput(responseSchema, raw);
    await tx
      .update(trackerResponses)
      .set({ response: input.response, respondedAt: now, respondedByName: actorName(ctx) })
      .where(eq(trackerResponses.id, response.id));
    await recordAudit(tx, ctx, {
      action: 'tracker.response.record',
      verb: 'U',
      entityType: 'RecommendationResponse',
      entityId: response.id,
      detail: { organisationId: response.organisationId, replaced: response.response !== null },
    });
  });
}

// ── Actions ─────────────────────────────────────────────────────────────────────────────────────────

/** What "create an action" from an audit criterion below its standard fills in: the criterion, its figures, the run. */
export async function actionPrefill(db: Db, ctx: RequestContext, runId: string, criterionKey: string, now = new Date()) {
  const view = await getRun(db, ctx, runId, now);
  const c = view.report.criteria.find((x) => x.key === criterionKey);
  if (!c) throw new NotFoundError('Criterion');
  const period = c.figures.period;
  return {
    geographyId: view.run.geographyId,
    sourceRunId: view.run.id,
    sourceCriterion: c.key,
    title: `Improve: ${c.title}`,
    detail:
      `${view.report.title}: ${c.title} was ${period.pct === null ? 'not measured (no records)' : `${period.pct}% (${period.met} of ${period.total})`} against a standard of ${c.standard}. ${CRITERION[c.key as keyof typeof CRITERION]?.explanation ?? ''}`.trim(),
  };
}

export async function createAction(db: Db, ctx: RequestContext, recommendationId: string, raw: unknown, now = new Date()): Promise<{ id: string }> {
  const { recommendation, review } = await requireRecommendation(db, ctx, recommendationId, 'tracker.manage');
  const input = parseInput(actionSchema, raw);
  const fieldErrors: Record<string, string> = {};
  const problem = input.organisationId ? await agencyProblem(db, review.geographyId, [input.organisationId]) : null;
  if (problem) fieldErrors.organisationId = problem;
  if (input.dueOn < londonDate(now)) fieldErrors.dueOn = 'The due date must be today or later';
  if (input.sourceRunId) {
    // The audit it came from must be one this person may read, of the same partnership.
    // One this person may not read is refused the same way as one that does not exist.
    const run = await getRun(db, ctx, input.sourceRunId, now).catch((err) => {
      if (err instanceof NotFoundError || err instanceof ForbiddenError) return null;
      throw err;
    });
    // The partnership's own audit, or one of its ICB area's partnerships together.
    if (!run || !(await partnershipAreaIds(db, run.run.geographyId)).includes(review.geographyId))
      fieldErrors.sourceRunId = 'The audit this action answers must be one of this partnership’s';
    else if (input.sourceCriterion && !run.report.criteria.some((c) => c.key === input.sourceCriterion))
      fieldErrors.sourceCriterion = 'That criterion is not in the audit';
  }
  if (Object.keys(fieldErrors).length) throw new ValidationError(fieldErrors);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(trackerActions)
      .values({
        recommendationId: recommendation.id,
        title: input.title,
        detail: input.detail,
        ownerName: input.ownerName,
        organisationId: input.organisationId,
        dueOn: input.dueOn,
        currentDueOn: input.dueOn,
        sourceRunId: input.sourceRunId,
        sourceCriterion: input.sourceRunId ? input.sourceCriterion : null,
        createdByUserId: ctx.actor?.userId ?? null,
        createdByName: actorName(ctx),
        createdAt: now,
      })
      .returning({ id: trackerActions.id });
    await recordAudit(tx, ctx, {
      action: 'tracker.action.create',
      verb: 'C',
      entityType: 'TrackerAction',
      entityId: row!.id,
      detail: { recommendationId: recommendation.id, dueOn: input.dueOn, organisationId: input.organisationId, sourceRunId: input.sourceRunId },
    });
    return { id: row!.id };
  });
}

/** Put an action's due date back (or forward), with the reason: the history is kept and shown. */
export async function reviseDue(db: Db, ctx: RequestContext, actionId: string, raw: unknown, now = new Date()): Promise<void> {
  await db.transaction(async (tx) => {
    const { action } = await requireAction(tx, ctx, actionId, 'tracker.manage', { lock: true });
    const input = parseInput(reviseDueSchema, raw);
    if (action.status === 'complete' || action.status === 'withdrawn')
      throw new ConflictError('This action is closed: reopen it before changing its due date.');
    if (input.dueOn === action.currentDueOn) throw new ValidationError({ dueOn: 'The new due date is the same as the current one' });
    if (input.dueOn < londonDate(now)) throw new ValidationError({ dueOn: 'The new due date must be today or later' });
    await tx
      .insert(trackerDueChanges)
      .values({ actionId: action.id, fromDate: action.currentDueOn, toDate: input.dueOn, reason: input.reason, changedByName: actorName(ctx), changedAt: now });
    await tx.update(trackerActions).set({ currentDueOn: input.dueOn }).where(eq(trackerActions.id, action.id));
    await recordAudit(tx, ctx, {
      action: 'tracker.action.revise_due',
      verb: 'U',
      entityType: 'TrackerAction',
      entityId: action.id,
      detail: { from: action.currentDueOn, to: input.dueOn, reason: input.reason },
    });
  });
}

/** Move an action on: started, complete (only with evidence), withdrawn (with a reason), or reopened. Once the board has signed its recommendation off, it is closed. */
export async function setStatus(db: Db, ctx: RequestContext, actionId: string, raw: unknown, now = new Date()): Promise<void> {
  await db.transaction(async (tx) => {
    const { action, recommendation } = await requireAction(tx, ctx, actionId, 'tracker.respond', { lock: true });
    const input = parseInput(statusSchema, raw);
    if (recommendation.signedOffAt) throw new ConflictError('The board has signed this recommendation off: its actions are closed.');
    if (input.status === action.status) return;
    if (input.status === 'complete') {
      const problem = completionProblem(await evidenceCount(tx, action.id));
      if (problem) throw new ValidationError({ status: problem });
    }
    if (input.status === 'withdrawn' && !input.note) throw new ValidationError({ note: 'Say why the action is withdrawn' });
    await tx
      .update(trackerActions)
      .set({ status: input.status, statusNote: input.note, completedAt: input.status === 'complete' ? now : null })
      .where(eq(trackerActions.id, action.id));
    await recordAudit(tx, ctx, {
      action: 'tracker.action.status',
      verb: 'U',
      entityType: 'TrackerAction',
      entityId: action.id,
      detail: { from: action.status, to: input.status, note: input.note },
    });
  });
}

async function evidenceCount(db: Db, actionId: string): Promise<number> {
  const rows = await db.select({ id: trackerEvidence.id }).from(trackerEvidence).where(eq(trackerEvidence.actionId, actionId));
  return rows.length;
}

// ── Quality assurance and sign-off ──────────────────────────────────────────────────────────────────

async function progressOf(db: Db, recommendationId: string, today: IsoDate, signoff: { qaAt: Date | null; signedOffAt: Date | null }) {
  const actions = await db.select().from(trackerActions).where(eq(trackerActions.recommendationId, recommendationId));
  const facts = await actionFacts(db, actions);
  return recommendationProgress(
    actions.map((a) => actionRag(facts.get(a.id)!, today).rag),
    signoff,
  );
}

/** The responsible subgroup's chair records that they quality-assured a recommendation's completed actions and evidence. */
export async function qualityAssure(db: Db, ctx: RequestContext, recommendationId: string, raw: unknown, now = new Date()): Promise<void> {
  await db.transaction(async (tx) => {
    const { recommendation } = await requireRecommendation(tx, ctx, recommendationId, 'tracker.qa', { lock: true });
    const input = parseInput(signOffNoteSchema, raw);
    const problem = qaProblem(await progressOf(tx, recommendation.id, londonDate(now), recommendation), recommendation);
    if (problem) throw new ValidationError({ form: problem });
    await tx
      .update(trackerRecommendations)
      .set({ qaAt: now, qaByName: actorName(ctx), qaNote: input.note })
      .where(eq(trackerRecommendations.id, recommendation.id));
    await recordAudit(tx, ctx, {
      action: 'tracker.recommendation.qa',
      verb: 'U',
      entityType: 'Recommendation',
      entityId: recommendation.id,
      detail: { note: input.note },
    });
  });
}

/** A board member records the board's sign-off of a quality-assured recommendation: it is closed. */
export async function signOffRecommendation(db: Db, ctx: RequestContext, recommendationId: string, raw: unknown, now = new Date()): Promise<void> {
  await db.transaction(async (tx) => {
    const { recommendation } = await requireRecommendation(tx, ctx, recommendationId, 'tracker.signoff', { lock: true });
    const input = parseInput(signOffNoteSchema, raw);
    const problem = signOffProblem(await progressOf(tx, recommendation.id, londonDate(now), recommendation), recommendation);
    if (problem) throw new ValidationError({ form: problem });
    await tx
      .update(trackerRecommendations)
      .set({ signedOffAt: now, signedOffByName: actorName(ctx), signOffNote: input.note })
      .where(eq(trackerRecommendations.id, recommendation.id));
    await recordAudit(tx, ctx, {
      action: 'tracker.recommendation.sign_off',
      verb: 'U',
      entityType: 'Recommendation',
      entityId: recommendation.id,
      detail: { note: input.note },
    });
  });
}
