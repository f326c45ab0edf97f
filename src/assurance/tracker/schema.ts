import { sql } from 'drizzle-orm';
import { date, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { geographies, organisations } from '../../directory/schema';
import { users } from '../../platform/auth/schema';
import { bytea } from '../../platform/db/types';
import { assuranceAuditRuns } from '../schema';
import { libraryDocuments } from '../../library/schema';

/**
 * The review tracker: a partnership's reviews (a rapid review, a partnership review, a child safeguarding
 * practice review), their recommendations, each addressee's written response, the actions taken, their
 * due-date history and the evidence that they worked; the subgroup's quality assurance and the board's
 * sign-off of each recommendation; and the board reports presented.
 */
export const trackerReviews = pgTable(
  'tracker_reviews',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    geographyId: uuid('geography_id')
      .notNull()
      .references(() => geographies.id),
    title: text('title').notNull(),
    /** rapid_review | partnership_review | cspr | serious_case_review | other */
    reviewType: text('review_type').notNull(),
    /** When the learning and inquiry group (or its equivalent) considered the case, and what it decided. */
    consideredOn: date('considered_on', { mode: 'string' }),
    decision: text('decision'),
    ledBy: text('led_by'),
    methodology: text('methodology'),
    publishedOn: date('published_on', { mode: 'string' }),
    /** The subgroup that quality-assures the partnership's response (for example the Learning and Inquiry Group). */
    subgroup: text('subgroup').notNull(),
    /** The partnership's published response, drafted from the tracker: a library document (approved and published there). */
    responseDocumentId: uuid('response_document_id').references(() => libraryDocuments.id),
    createdByUserId: uuid('created_by_user_id').references(() => users.id),
    createdByName: text('created_by_name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('tracker_reviews_geography_idx').on(t.geographyId)],
);

export const trackerRecommendations = pgTable(
  'tracker_recommendations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    reviewId: uuid('review_id')
      .notNull()
      .references(() => trackerReviews.id),
    number: integer('number').notNull(),
    text: text('text').notNull(),
    qaAt: timestamp('qa_at', { withTimezone: true }),
    qaByName: text('qa_by_name'),
    qaNote: text('qa_note'),
    signedOffAt: timestamp('signed_off_at', { withTimezone: true }),
    signedOffByName: text('signed_off_by_name'),
    signOffNote: text('sign_off_note'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('tracker_recommendations_number').on(t.reviewId, t.number)],
);

/** To whom a recommendation is addressed (the board, or a named agency) and their written response. */
export const trackerResponses = pgTable(
  'tracker_responses',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    recommendationId: uuid('recommendation_id')
      .notNull()
      .references(() => trackerRecommendations.id),
    /** null: the board (the partnership itself). */
    organisationId: uuid('organisation_id').references(() => organisations.id),
    response: text('response'),
    respondedAt: timestamp('responded_at', { withTimezone: true }),
    respondedByName: text('responded_by_name'),
  },
  (t) => [index('tracker_responses_recommendation_idx').on(t.recommendationId)],
);

export const trackerActions = pgTable(
  'tracker_actions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    recommendationId: uuid('recommendation_id')
      .notNull()
      .references(() => trackerRecommendations.id),
    title: text('title').notNull(),
    detail: text('detail'),
    ownerName: text('owner_name').notNull(),
    /** The agency that owns it (null: the partnership). */
    organisationId: uuid('organisation_id').references(() => organisations.id),
    dueOn: date('due_on', { mode: 'string' }).notNull(),
    /** The due date in force: dueOn until revised (each revision is in tracker_due_changes). */
    currentDueOn: date('current_due_on', { mode: 'string' }).notNull(),
    /** not_started | in_progress | complete | withdrawn */
    status: text('status').notNull().default('not_started'),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    statusNote: text('status_note'),
    /** Where it came from, when raised from an audit criterion below its standard. */
    sourceRunId: uuid('source_run_id').references(() => assuranceAuditRuns.id),
    sourceCriterion: text('source_criterion'),
    createdByUserId: uuid('created_by_user_id').references(() => users.id),
    createdByName: text('created_by_name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('tracker_actions_recommendation_idx').on(t.recommendationId),
    index('tracker_actions_due_idx').on(t.currentDueOn).where(sql`status in ('not_started', 'in_progress')`),
  ],
);

/** Every revision of an action's due date, with its reason: the history the board sees. */
export const trackerDueChanges = pgTable(
  'tracker_due_changes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    actionId: uuid('action_id')
      .notNull()
      .references(() => trackerActions.id),
    fromDate: date('from_date', { mode: 'string' }).notNull(),
    toDate: date('to_date', { mode: 'string' }).notNull(),
    reason: text('reason').notNull(),
    changedByName: text('changed_by_name').notNull(),
    changedAt: timestamp('changed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('tracker_due_changes_action_idx').on(t.actionId, t.changedAt)],
);

/**
 * Evidence that an action worked: a link to one of Beacon's own records (a course, a briefing's readership,
 * a published document version, a frozen audit run) with what it showed when it was added, or an uploaded file.
 */
export const trackerEvidence = pgTable(
  'tracker_evidence',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    actionId: uuid('action_id')
      .notNull()
      .references(() => trackerActions.id),
    /** course | readership | document | audit_run | file */
    kind: text('kind').notNull(),
    /** The linked record's id (null for a file). */
    targetId: uuid('target_id'),
    /** What it is and what it showed when added, in words (a course's attendance and evaluation, an audit's figures). */
    label: text('label').notNull(),
    summary: text('summary').notNull(),
    note: text('note'),
    fileName: text('file_name'),
    contentType: text('content_type'),
    file: bytea('file'),
    addedByUserId: uuid('added_by_user_id').references(() => users.id),
    addedByName: text('added_by_name').notNull(),
    addedAt: timestamp('added_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('tracker_evidence_action_idx').on(t.actionId, t.addedAt)],
);

/** A board report as presented: "evidence added since the last report" counts from the newest. */
export const trackerBoardReports = pgTable(
  'tracker_board_reports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    geographyId: uuid('geography_id')
      .notNull()
      .references(() => geographies.id),
    presentedOn: date('presented_on', { mode: 'string' }).notNull(),
    createdByName: text('created_by_name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('tracker_board_reports_geography_idx').on(t.geographyId, t.presentedOn)],
);
