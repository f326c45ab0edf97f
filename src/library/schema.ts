import { sql } from 'drizzle-orm';
import { date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { geographies, organisations, units } from '../directory/schema';
import { users } from '../platform/auth/schema';
import { bytea } from '../platform/db/types';

/**
 * The library: a partnership's procedures, guidelines, protocols and briefings. A document is owned by a
 * partnership area and may be shared by others (one Unborn Baby Protocol for four partnerships); it has
 * numbered versions that go draft → in review → approved → published → superseded or withdrawn. A
 * published version is circulated to an audience, and each person's reading is one row (`library_reads`).
 */
export const libraryDocuments = pgTable(
  'library_documents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The partnership area that owns the document (its authors and manager look after it). */
    geographyId: uuid('geography_id')
      .notNull()
      .references(() => geographies.id),
    /** sop | guideline | protocol | briefing | practice_note (library/model.ts KINDS). */
    kind: text('kind').notNull(),
    title: text('title').notNull(),
    summary: text('summary').notNull(),
    /** The person who owns it: told before its review date passes. */
    ownerUserId: uuid('owner_user_id').references(() => users.id),
    /** Months between reviews (default 12; an SOP may say 6). */
    reviewMonths: integer('review_months').notNull().default(12),
    /** Chronology topics it is guidance for (closure, flight, disguised_compliance): the chronology links to it. */
    topics: jsonb('topics').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    /** active | withdrawn */
    status: text('status').notNull().default('active'),
    withdrawnReason: text('withdrawn_reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('library_documents_geography_idx').on(t.geographyId)],
);

/** Other partnerships a document is shared with (it is theirs too: on their public page, in their lists). */
export const libraryDocumentPartnerships = pgTable(
  'library_document_partnerships',
  {
    documentId: uuid('document_id')
      .notNull()
      .references(() => libraryDocuments.id),
    geographyId: uuid('geography_id')
      .notNull()
      .references(() => geographies.id),
  },
  (t) => [primaryKey({ columns: [t.documentId, t.geographyId] }), index('library_document_partnerships_geo_idx').on(t.geographyId)],
);

export interface KnowledgeQuestion {
  text: string;
  options: string[];
  /** Index of the right answer in options. */
  correct: number;
}

export const libraryVersions = pgTable(
  'library_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    documentId: uuid('document_id')
      .notNull()
      .references(() => libraryDocuments.id),
    major: integer('major').notNull(),
    minor: integer('minor').notNull(),
    /** draft | in_review | approved | published | superseded | withdrawn */
    status: text('status').notNull().default('draft'),
    /** Markdown; rendered with markdown-it (raw HTML off) and cleaned by sanitize-html on every showing. */
    body: text('body').notNull(),
    changeSummary: text('change_summary').notNull(),
    /** Up to three knowledge-check questions asked before "I have read and understood this". */
    questions: jsonb('questions').$type<KnowledgeQuestion[]>().notNull().default(sql`'[]'::jsonb`),
    reviewerUserIds: jsonb('reviewer_user_ids').$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    attachmentName: text('attachment_name'),
    attachment: bytea('attachment'),
    createdByUserId: uuid('created_by_user_id').references(() => users.id),
    createdByName: text('created_by_name').notNull(),
    sentForReviewAt: timestamp('sent_for_review_at', { withTimezone: true }),
    approvedByUserId: uuid('approved_by_user_id').references(() => users.id),
    approvedByName: text('approved_by_name'),
    approvalGroup: text('approval_group'),
    approvalMeeting: text('approval_meeting'),
    approvedOn: date('approved_on', { mode: 'string' }),
    publishedAt: timestamp('published_at', { withTimezone: true }),
    publishedByName: text('published_by_name'),
    /** When it must be reviewed by (publication + the document's review months, unless set). */
    reviewDueOn: date('review_due_on', { mode: 'string' }),
    /** Review reminders already sent to the owner (60, 14 days before; 0 = overdue), once each. */
    reviewRemindersSent: jsonb('review_reminders_sent').$type<number[]>().notNull().default(sql`'[]'::jsonb`),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    withdrawnReason: text('withdrawn_reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('library_versions_number_unique').on(t.documentId, t.major, t.minor), index('library_versions_status_idx').on(t.status, t.reviewDueOn)],
);

export const libraryReviewComments = pgTable(
  'library_review_comments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    versionId: uuid('version_id')
      .notNull()
      .references(() => libraryVersions.id),
    userId: uuid('user_id').references(() => users.id),
    name: text('name').notNull(),
    text: text('text').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('library_review_comments_version_idx').on(t.versionId, t.createdAt)],
);

export interface Audience {
  everyone: boolean;
  organisationIds: string[];
  roles: string[];
  unitIds: string[];
}

export const libraryCirculations = pgTable(
  'library_circulations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    documentId: uuid('document_id')
      .notNull()
      .references(() => libraryDocuments.id),
    versionId: uuid('version_id')
      .notNull()
      .references(() => libraryVersions.id),
    audience: jsonb('audience').$type<Audience>().notNull(),
    /** The audience in words, as it was chosen ("Everyone in Southampton"; "Midwives at University Hospital Southampton"). */
    audienceLabel: text('audience_label').notNull(),
    /** People newly asked to read it by this circulation. */
    people: integer('people').notNull(),
    byUserId: uuid('by_user_id').references(() => users.id),
    byName: text('by_name').notNull(),
    /** Days after circulation on which a reminder is sent (default 7 and 14); the lead's list after the last + 7. */
    reminderDays: jsonb('reminder_days').$type<number[]>().notNull().default(sql`'[7,14]'::jsonb`),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('library_circulations_document_idx').on(t.documentId, t.createdAt)],
);

/**
 * One person asked to read one major version of a document: their in-app task until acknowledged. A new
 * major version asks again (a new row); a minor one moves the row on without asking.
 */
export const libraryReads = pgTable(
  'library_reads',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    documentId: uuid('document_id')
      .notNull()
      .references(() => libraryDocuments.id),
    /** The version they were asked to read (moves on with a minor version). */
    versionId: uuid('version_id')
      .notNull()
      .references(() => libraryVersions.id),
    major: integer('major').notNull(),
    circulationId: uuid('circulation_id')
      .notNull()
      .references(() => libraryCirculations.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    /** Where they were when asked (the readership report counts by these). */
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    role: text('role').notNull(),
    unitId: uuid('unit_id').references(() => units.id),
    askedAt: timestamp('asked_at', { withTimezone: true }).notNull().defaultNow(),
    openedAt: timestamp('opened_at', { withTimezone: true }),
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true }),
    /** The option chosen for each knowledge-check question, and how many were right. */
    answers: jsonb('answers').$type<number[]>(),
    correct: integer('correct'),
    remindersSent: integer('reminders_sent').notNull().default(0),
    /** No longer asked (the document withdrawn, or a new major version asks again). */
    closedAt: timestamp('closed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('library_reads_person_unique').on(t.documentId, t.major, t.userId),
    index('library_reads_user_idx').on(t.userId, t.acknowledgedAt),
    index('library_reads_version_idx').on(t.versionId),
    index('library_reads_open_idx').on(t.askedAt).where(sql`acknowledged_at is null and closed_at is null`),
  ],
);

/** A team discussed the briefing at a meeting (the way 7-minute briefings are meant to be used). */
export const libraryDiscussions = pgTable(
  'library_discussions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    documentId: uuid('document_id')
      .notNull()
      .references(() => libraryDocuments.id),
    versionId: uuid('version_id')
      .notNull()
      .references(() => libraryVersions.id),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    team: text('team').notNull(),
    heldOn: date('held_on', { mode: 'string' }).notNull(),
    present: integer('present').notNull(),
    notes: text('notes'),
    byUserId: uuid('by_user_id').references(() => users.id),
    byName: text('by_name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('library_discussions_document_idx').on(t.documentId, t.heldOn)],
);
