import { sql } from 'drizzle-orm';
import { date, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { geographies } from '../directory/schema';
import { users } from '../platform/auth/schema';

/**
 * The audit criteria a partnership measures itself against, as versioned configuration (like the protocol
 * configuration): each version is the whole set (which criteria, their standards and thresholds), kept for
 * ever so a run can say which version it used. No row for a partnership: the defaults in sop-criteria.ts.
 */
export const assuranceCriteriaVersions = pgTable(
  'assurance_criteria_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** sop (the high-risk alert SOP embeddedness audit) */
    kind: text('kind').notNull(),
    geographyId: uuid('geography_id')
      .notNull()
      .references(() => geographies.id),
    version: integer('version').notNull(),
    /** [{ key, enabled, target, thresholdMinutes }] — see sop-criteria.ts criteriaConfigSchema. */
    definition: jsonb('definition').notNull(),
    changeReason: text('change_reason').notNull(),
    createdByUserId: uuid('created_by_user_id').references(() => users.id),
    createdByName: text('created_by_name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('assurance_criteria_versions_unique').on(t.kind, t.geographyId, t.version)],
);

/**
 * An audit run: a partnership's audit for a period against one criteria version, with the six months before
 * as its baseline. A draft is computed afresh from the records whenever it is read; signing it off freezes it:
 * the criteria, every figure and the failing record ids are stored with their SHA-256, and the report is read
 * from that snapshot from then on, whatever happens to the data.
 */
export const assuranceAuditRuns = pgTable(
  'assurance_audit_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind').notNull(),
    geographyId: uuid('geography_id')
      .notNull()
      .references(() => geographies.id),
    title: text('title').notNull(),
    periodFrom: date('period_from', { mode: 'string' }).notNull(),
    periodTo: date('period_to', { mode: 'string' }).notNull(),
    baselineFrom: date('baseline_from', { mode: 'string' }),
    baselineTo: date('baseline_to', { mode: 'string' }),
    /** The criteria version in force when the run was started (0: Beacon's defaults). */
    criteriaVersion: integer('criteria_version').notNull(),
    criteria: jsonb('criteria').notNull(),
    /** draft | frozen */
    status: text('status').notNull().default('draft'),
    /** The frozen report (criteria, figures, failing ids) and its SHA-256 over canonical JSON. */
    snapshot: jsonb('snapshot'),
    snapshotHash: text('snapshot_hash'),
    frozenAt: timestamp('frozen_at', { withTimezone: true }),
    frozenByName: text('frozen_by_name'),
    signOffNote: text('sign_off_note'),
    createdByUserId: uuid('created_by_user_id').references(() => users.id),
    createdByName: text('created_by_name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('assurance_audit_runs_geography_idx').on(t.geographyId, t.createdAt),
    index('assurance_audit_runs_frozen_idx').on(t.status).where(sql`status = 'frozen'`),
  ],
);
