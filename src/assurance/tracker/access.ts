/**
 * The tracker's choke points: a review, a recommendation, an addressee's response and an action are each
 * loaded, authorised against their partnership (and, to answer for an agency, against its organisation)
 * here and nowhere else; lists of reviews use `reviewScope`, the same rule.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../../platform/db/engine';
import type { RequestContext } from '../../platform/context';
import type { Action } from '../../platform/auth/policy';
import { authorizePartnership, partnershipScope } from '../access';
import { NotFoundError } from '../../platform/errors';
import { isUuid } from '../../directory/service';
import { trackerActions, trackerRecommendations, trackerResponses, trackerReviews } from './schema';

export type ReviewRow = typeof trackerReviews.$inferSelect;
export type RecommendationRow = typeof trackerRecommendations.$inferSelect;
export type ResponseRow = typeof trackerResponses.$inferSelect;
export type ActionRow = typeof trackerActions.$inferSelect;

async function loadReview(db: Db, id: string): Promise<ReviewRow> {
  const [row] = isUuid(id) ? await db.select().from(trackerReviews).where(eq(trackerReviews.id, id)) : [];
  if (!row) throw new NotFoundError('Review');
  return row;
}

export async function requireReview(db: Db, ctx: RequestContext, id: string, action: Action): Promise<ReviewRow> {
  const review = await loadReview(db, id);
  await authorizePartnership(db, ctx, review.geographyId, action);
  return review;
}

/** A recommendation and its review; `lock` holds the recommendation's row to the end of the transaction. */
export async function requireRecommendation(
  db: Db,
  ctx: RequestContext,
  id: string,
  action: Action,
  opts: { lock?: boolean } = {},
): Promise<{ recommendation: RecommendationRow; review: ReviewRow }> {
  if (!isUuid(id)) throw new NotFoundError('Recommendation');
  const q = db.select().from(trackerRecommendations).where(eq(trackerRecommendations.id, id));
  const [recommendation] = opts.lock ? await q.for('update') : await q;
  if (!recommendation) throw new NotFoundError('Recommendation');
  const review = await loadReview(db, recommendation.reviewId);
  await authorizePartnership(db, ctx, review.geographyId, action);
  return { recommendation, review };
}

/** An addressee's response: the agency's lead answers for their own organisation, the manager for the board. */
export async function requireResponse(db: Db, ctx: RequestContext, id: string, action: Action) {
  if (!isUuid(id)) throw new NotFoundError('Response');
  const [response] = await db.select().from(trackerResponses).where(eq(trackerResponses.id, id)).for('update');
  if (!response) throw new NotFoundError('Response');
  const [recommendation] = await db.select().from(trackerRecommendations).where(eq(trackerRecommendations.id, response.recommendationId));
  const review = await loadReview(db, recommendation!.reviewId);
  await authorizePartnership(db, ctx, review.geographyId, action, response.organisationId);
  return { response, recommendation: recommendation!, review };
}

/** An action with its recommendation and review; the owning agency's lead may answer for it. `lock` holds the action's row. */
export async function requireAction(db: Db, ctx: RequestContext, id: string, action: Action, opts: { lock?: boolean } = {}) {
  if (!isUuid(id)) throw new NotFoundError('Action');
  const q = db.select().from(trackerActions).where(eq(trackerActions.id, id));
  const [row] = opts.lock ? await q.for('update') : await q;
  if (!row) throw new NotFoundError('Action');
  const [recommendation] = await db.select().from(trackerRecommendations).where(eq(trackerRecommendations.id, row.recommendationId));
  const review = await loadReview(db, recommendation!.reviewId);
  await authorizePartnership(db, ctx, review.geographyId, action, row.organisationId);
  return { action: row, recommendation: recommendation!, review };
}

/** The reviews this person may read (see assurance/access.ts `partnershipScope`). */
export const reviewScope = (db: Db, ctx: RequestContext, action: Action = 'tracker.view') =>
  partnershipScope(db, ctx, trackerReviews.geographyId, action, 'reviews');
