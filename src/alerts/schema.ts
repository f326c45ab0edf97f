import { sql } from 'drizzle-orm';
import { date, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { bytea } from '../platform/db/types';
import { organisations, units } from '../directory/schema';
import { users } from '../platform/auth/schema';

/**
 * A high-risk alert about a pregnant woman / unborn baby. The row holds what every screen needs to
 * list and route it; what identifies her and what to do lives in versioned content (alert_versions),
 * so each change is kept and can be shown as a difference.
 */
export const alerts = pgTable(
  'alerts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Human reference quoted on the phone, e.g. BCN-7K3Q9M. */
    reference: text('reference').notNull(),
    status: text('status').notNull(),
    /** Current version number; every change that is redistributed makes a new version. */
    version: integer('version').notNull().default(1),
    originatorUserId: uuid('originator_user_id')
      .notNull()
      .references(() => users.id),
    originatorOrganisationId: uuid('originator_organisation_id')
      .notNull()
      .references(() => organisations.id),
    approverUserId: uuid('approver_user_id').references(() => users.id),
    approvedAt: timestamp('approved_at', { withTimezone: true }),
    /** Copied from the content for queries; null while a draft has none yet. */
    edd: date('edd', { mode: 'string' }),
    /** Set at approval (EDD + N weeks unless chosen), moved by renewal. */
    reviewDate: date('review_date', { mode: 'string' }),
    /** When an archived alert's personal data is purged. */
    retainUntil: date('retain_until', { mode: 'string' }),
    purgedAt: timestamp('purged_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('alerts_reference_unique').on(t.reference),
    index('alerts_status_idx').on(t.status),
    index('alerts_originator_org_idx').on(t.originatorOrganisationId),
    index('alerts_review_idx').on(t.reviewDate).where(sql`status = 'active'`),
  ],
);

/** Every version of an alert's content, validated by alerts/model.ts before it is written. */
export const alertVersions = pgTable(
  'alert_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    alertId: uuid('alert_id')
      .notNull()
      .references(() => alerts.id),
    version: integer('version').notNull(),
    /** The status the alert had when this version was made (active, stood_down, …). */
    status: text('status').notNull(),
    content: jsonb('content').notNull(),
    changeReason: text('change_reason'),
    createdByUserId: uuid('created_by_user_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('alert_versions_unique').on(t.alertId, t.version)],
);

/** The lifecycle history: who moved the alert from which state to which, when and why. */
export const alertEvents = pgTable(
  'alert_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    alertId: uuid('alert_id')
      .notNull()
      .references(() => alerts.id),
    event: text('event').notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status').notNull(),
    version: integer('version').notNull(),
    byUserId: uuid('by_user_id'),
    byName: text('by_name'),
    byOrganisationId: uuid('by_organisation_id'),
    reason: text('reason'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('alert_events_alert_idx').on(t.alertId, t.at)],
);

/**
 * One delivery of one alert version to one recipient unit: the unit's inbox item and the thing its
 * coordinator acknowledges. Unique per (alert, version, unit), so a retried fan-out never sends twice.
 */
export const alertDeliveries = pgTable(
  'alert_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    alertId: uuid('alert_id')
      .notNull()
      .references(() => alerts.id),
    version: integer('version').notNull(),
    /** Why this version went out: activation, update, stand_down, cancellation, expiry. */
    kind: text('kind').notNull(),
    unitId: uuid('unit_id')
      .notNull()
      .references(() => units.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    emailedAt: timestamp('emailed_at', { withTimezone: true }),
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true }),
    acknowledgedByUserId: uuid('acknowledged_by_user_id'),
    acknowledgementNote: text('acknowledgement_note'),
    remindedAt: timestamp('reminded_at', { withTimezone: true }),
    escalatedAt: timestamp('escalated_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('alert_deliveries_unique').on(t.alertId, t.version, t.unitId), index('alert_deliveries_unit_idx').on(t.unitId, t.acknowledgedAt)],
);

/** Photographs: content-checked, metadata stripped, resized, and encrypted at rest (AES-256-GCM). */
export const alertPhotos = pgTable(
  'alert_photos',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    alertId: uuid('alert_id')
      .notNull()
      .references(() => alerts.id),
    caption: text('caption'),
    contentType: text('content_type').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    /** Encrypted image bytes, bound to the photo id (associated data). Null once purged. */
    dataEnc: bytea('data_enc'),
    addedByUserId: uuid('added_by_user_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    removedAt: timestamp('removed_at', { withTimezone: true }),
  },
  (t) => [index('alert_photos_alert_idx').on(t.alertId)],
);

/**
 * The baby's birth, recorded on the alert (one per alert; a correction replaces it, with audit). From
 * then on the alert covers the baby too: these details are indexed as identities of the alert subject.
 * Deleted when the alert's personal data is purged.
 */
export const alertBirths = pgTable(
  'alert_births',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    alertId: uuid('alert_id')
      .notNull()
      .references(() => alerts.id),
    babyGivenName: text('baby_given_name'),
    babyFamilyName: text('baby_family_name'),
    dateOfBirth: date('date_of_birth', { mode: 'string' }).notNull(),
    nhsNumber: text('nhs_number'),
    /** female | male | indeterminate | not_known */
    sex: text('sex').notNull(),
    placeOfBirthUnitId: uuid('place_of_birth_unit_id').references(() => units.id),
    recordedByUserId: uuid('recorded_by_user_id'),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('alert_births_alert_unique').on(t.alertId)],
);
