import { index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { bytea } from '../../platform/db/types';
import { organisations } from '../../directory/schema';
import { users } from '../../platform/auth/schema';

/**
 * A bulk screening of an uploaded list (today's bookings, admissions, ED attendances) against the live
 * register, run by a job so a large file shows progress. The list and the matches are personal data:
 * both are kept sealed (AES-256-GCM, bound to the row) and purged after a day.
 */
export const screeningRuns = pgTable(
  'screening_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    fileName: text('file_name'),
    /** awaiting_approval (over the screening budget) → queued → running → done | failed; or refused */
    status: text('status').notNull().default('queued'),
    totalRows: integer('total_rows').notNull().default(0),
    processedRows: integer('processed_rows').notNull().default(0),
    matchedPeople: integer('matched_people').notNull().default(0),
    /** Row problems (line, field, message, severity): no values from the file. */
    problems: jsonb('problems').$type<unknown[]>().notNull().default([]),
    inputEnc: bytea('input_enc'),
    resultEnc: bytea('result_enc'),
    error: text('error'),
    /** For a list over the budget: the designated professional who approved (or refused) it. */
    decidedByUserId: uuid('decided_by_user_id'),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    purgedAt: timestamp('purged_at', { withTimezone: true }),
  },
  (t) => [index('screening_runs_user_idx').on(t.userId, t.createdAt)],
);
