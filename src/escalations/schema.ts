import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { organisations } from '../directory/schema';
import { cases } from '../cases/schema';

/**
 * An escalation of a professional concern between agencies ("resolving professional differences"):
 * on a case or standalone, moved up a configurable stage table (lowest level first), each stage with an
 * owner and a due time, until it is resolved, referred to the partnership or withdrawn.
 */
export const escalations = pgTable(
  'escalations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Human reference, e.g. ESC-4H7K2P. */
    reference: text('reference').notNull(),
    caseId: uuid('case_id').references(() => cases.id),
    /** threshold | information_sharing | plan_progress | discharge_decision | other */
    subject: text('subject').notNull(),
    /** The concern in a sentence or two: no more personal data than the disagreement needs. */
    concern: text('concern').notNull(),
    /** What the raiser wants to happen. */
    desiredOutcome: text('desired_outcome'),
    raisedByUserId: uuid('raised_by_user_id'),
    raisedByName: text('raised_by_name').notNull(),
    raisedByOrganisationId: uuid('raised_by_organisation_id')
      .notNull()
      .references(() => organisations.id),
    /** The agency the concern is about, and the person if known. */
    raisedWithOrganisationId: uuid('raised_with_organisation_id')
      .notNull()
      .references(() => organisations.id),
    raisedWithName: text('raised_with_name'),
    /** The named person's email, when the raiser knows it: they are emailed with their agency's mailbox. */
    raisedWithEmail: text('raised_with_email'),
    /** The stage table in force when it was raised (protocol_versions row). */
    stageTableVersionId: uuid('stage_table_version_id').notNull(),
    stage: integer('stage').notNull(),
    /** open | resolved | referred_to_partnership | withdrawn */
    status: text('status').notNull(),
    outcome: text('outcome'),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('escalations_reference_unique').on(t.reference),
    index('escalations_case_idx').on(t.caseId),
    index('escalations_status_idx').on(t.status, t.stage),
    index('escalations_by_org_idx').on(t.raisedByOrganisationId),
    index('escalations_with_org_idx').on(t.raisedWithOrganisationId),
  ],
);

/**
 * Each stage an escalation reached: its owner, due time, agreed actions and how it ended. A stage that
 * was skipped (urgent) is a row too, with the reason, so the history shows the jump.
 */
export const escalationStages = pgTable(
  'escalation_stages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    escalationId: uuid('escalation_id')
      .notNull()
      .references(() => escalations.id),
    stage: integer('stage').notNull(),
    /** reached | skipped */
    kind: text('kind').notNull(),
    ownerName: text('owner_name'),
    ownerOrganisationId: uuid('owner_organisation_id').references(() => organisations.id),
    enteredAt: timestamp('entered_at', { withTimezone: true }).notNull(),
    dueAt: timestamp('due_at', { withTimezone: true }),
    /** Why it moved here (needed when a stage was skipped). */
    reason: text('reason'),
    agreedActions: text('agreed_actions'),
    /** escalated | resolved | referred_to_partnership | withdrawn */
    outcome: text('outcome'),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    remindedAt: timestamp('reminded_at', { withTimezone: true }),
    recordedByUserId: uuid('recorded_by_user_id'),
    recordedByName: text('recorded_by_name'),
    detail: jsonb('detail').$type<Record<string, unknown>>(),
  },
  (t) => [index('escalation_stages_escalation_idx').on(t.escalationId, t.stage)],
);
