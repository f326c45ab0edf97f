import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { bytea } from '../../platform/db/types';
import { alerts } from '../../alerts/schema';
import { organisations, units } from '../../directory/schema';
import { users } from '../../platform/auth/schema';

/**
 * One point-of-care search. What was searched is kept only sealed (AES-256-GCM, bound to the row id)
 * and only for a short time, because most searches are about women who have no alert: the audit trail
 * holds a keyed hash and the list of fields given, never the values. The candidates found are kept so
 * that a reveal can be checked against them (a clinician reveals only what their own search found).
 */
export const pointOfCareSearches = pgTable(
  'point_of_care_searches',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    unitId: uuid('unit_id').references(() => units.id),
    /** Which fields were given (names of fields, not values), e.g. ["familyName", "dateOfBirth"]. */
    fields: jsonb('fields').$type<string[]>().notNull(),
    /** HMAC of the normalised query: the same details searched twice give the same hash. */
    queryHash: text('query_hash').notNull(),
    /** The query as JSON, sealed; null once purged. */
    queryEnc: bytea('query_enc'),
    /** Candidates at the possible band or above, best first (see service.ts StoredCandidate). */
    candidates: jsonb('candidates').$type<unknown[]>().notNull(),
    /** Active alerts in the register when searched. */
    registerSize: integer('register_size').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    purgedAt: timestamp('purged_at', { withTimezone: true }),
  },
  (t) => [index('poc_searches_user_idx').on(t.userId, t.createdAt), index('poc_searches_created_idx').on(t.createdAt)],
);

/**
 * A clinician revealed one candidate of their search, with a reason. This row is what lets a
 * point-of-care clinician read that alert (for a limited time), and it carries their outcome:
 * the same person, not the same person, or not sure.
 */
export const pointOfCareReveals = pgTable(
  'point_of_care_reveals',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    searchId: uuid('search_id')
      .notNull()
      .references(() => pointOfCareSearches.id),
    alertId: uuid('alert_id')
      .notNull()
      .references(() => alerts.id),
    alertVersion: integer('alert_version').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    unitId: uuid('unit_id').references(() => units.id),
    /** presenting | before_appointment | other */
    reason: text('reason').notNull(),
    reasonOther: text('reason_other'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** same_person | not_same_person | not_sure; null until recorded. */
    outcome: text('outcome'),
    outcomeAt: timestamp('outcome_at', { withTimezone: true }),
    outcomeNote: text('outcome_note'),
  },
  (t) => [uniqueIndex('poc_reveals_search_alert_unique').on(t.searchId, t.alertId), index('poc_reveals_user_idx').on(t.userId, t.createdAt)],
);

/**
 * She presented: a clinician confirmed that the woman in front of them is the subject of an alert.
 * Where, when, who, and the details she gave (kept: they are added to the alert's identities as
 * unverified variants, and the owner sees how they differ from the alert).
 */
export const presentations = pgTable(
  'presentations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    alertId: uuid('alert_id')
      .notNull()
      .references(() => alerts.id),
    alertVersion: integer('alert_version').notNull(),
    revealId: uuid('reveal_id')
      .notNull()
      .references(() => pointOfCareReveals.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    /** Snapshots, so the record reads the same after people and units change. */
    userName: text('user_name').notNull(),
    userRole: text('user_role').notNull(),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    organisationName: text('organisation_name').notNull(),
    unitId: uuid('unit_id').references(() => units.id),
    /** Where: the unit's name, or the organisation's when the clinician has no unit. */
    placeName: text('place_name').notNull(),
    /** Ward, bay or department as the clinician wrote it. */
    location: text('location'),
    presentedAt: timestamp('presented_at', { withTimezone: true }).notNull().defaultNow(),
    /** What she gave (see service.ts CheckQuery). */
    details: jsonb('details').$type<Record<string, unknown>>().notNull(),
    /** How those details differ from the alert: [{ field, text }]. */
    inconsistencies: jsonb('inconsistencies').$type<{ field: string; text: string }[]>().notNull(),
    inconsistent: boolean('inconsistent').notNull(),
    note: text('note'),
    /** The owner's side has seen it (the in-app item is "new" until then). */
    seenAt: timestamp('seen_at', { withTimezone: true }),
    seenByUserId: uuid('seen_by_user_id').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('presentations_reveal_unique').on(t.revealId), index('presentations_alert_idx').on(t.alertId, t.presentedAt)],
);
