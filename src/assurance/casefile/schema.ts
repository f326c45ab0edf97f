import { date, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { geographies, organisations } from '../../directory/schema';
import { users } from '../../platform/auth/schema';

/**
 * Multi-agency case-file audits: versioned templates of questions, rounds on a theme over a reproducible random
 * sample of the partnership's cases (the seed recorded), one section per agency working on each sampled case,
 * a second auditor's moderation of each section (differences flagged, the agreed grade with its reason), the
 * joint discussion, and the findings written as themes with learning.
 */
export const caseFileTemplates = pgTable(
  'case_file_templates',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    geographyId: uuid('geography_id')
      .notNull()
      .references(() => geographies.id),
    /** The same for every version of one template. */
    familyId: uuid('family_id').notNull(),
    version: integer('version').notNull(),
    title: text('title').notNull(),
    /** [{ key, text, type: grade | yes_no | text }] */
    questions: jsonb('questions').notNull(),
    /** draft | published | superseded */
    status: text('status').notNull().default('draft'),
    publishedAt: timestamp('published_at', { withTimezone: true }),
    createdByName: text('created_by_name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('case_file_templates_version').on(t.familyId, t.version), index('case_file_templates_geography_idx').on(t.geographyId)],
);

export const caseFileRounds = pgTable(
  'case_file_rounds',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    geographyId: uuid('geography_id')
      .notNull()
      .references(() => geographies.id),
    title: text('title').notNull(),
    theme: text('theme').notNull(),
    templateId: uuid('template_id')
      .notNull()
      .references(() => caseFileTemplates.id),
    /** How the cases were chosen: { classifications, openedFrom, openedTo, status }, the sample size and the seed. */
    criteria: jsonb('criteria').notNull(),
    sampleSize: integer('sample_size').notNull(),
    seed: integer('seed').notNull(),
    /** How many cases met the criteria (the sample is drawn from them, in reference order). */
    candidates: integer('candidates').notNull(),
    /** open | closed */
    status: text('status').notNull().default('open'),
    discussion: text('discussion'),
    discussionOn: date('discussion_on', { mode: 'string' }),
    discussionByName: text('discussion_by_name'),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    createdByUserId: uuid('created_by_user_id').references(() => users.id),
    createdByName: text('created_by_name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('case_file_rounds_geography_idx').on(t.geographyId, t.createdAt)],
);

/** One agency's section for one sampled case: its auditor's answers, then the second auditor's moderation. */
export const caseFileSections = pgTable(
  'case_file_sections',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    roundId: uuid('round_id')
      .notNull()
      .references(() => caseFileRounds.id),
    caseId: uuid('case_id').notNull(),
    caseReference: text('case_reference').notNull(),
    /** The case's place in the sample (1 …). */
    position: integer('position').notNull(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    /** { [questionKey]: answer } */
    answers: jsonb('answers'),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    completedByUserId: uuid('completed_by_user_id').references(() => users.id),
    completedByName: text('completed_by_name'),
    /** The moderator's grades { [key]: grade } and, where they differ, the agreed grade with its reason { [key]: { grade, reason } }. */
    moderatorGrades: jsonb('moderator_grades'),
    agreed: jsonb('agreed'),
    moderatedAt: timestamp('moderated_at', { withTimezone: true }),
    moderatedByUserId: uuid('moderated_by_user_id').references(() => users.id),
    moderatedByName: text('moderated_by_name'),
  },
  (t) => [uniqueIndex('case_file_sections_unique').on(t.roundId, t.caseId, t.organisationId), index('case_file_sections_org_idx').on(t.organisationId)],
);

/** A finding of a round: a theme, and the learning (which can become an action in the tracker). */
export const caseFileFindings = pgTable(
  'case_file_findings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    roundId: uuid('round_id')
      .notNull()
      .references(() => caseFileRounds.id),
    theme: text('theme').notNull(),
    learning: text('learning').notNull(),
    createdByName: text('created_by_name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('case_file_findings_round_idx').on(t.roundId)],
);
