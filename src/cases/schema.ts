import { sql } from 'drizzle-orm';
import { boolean, date, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { geographies, organisations } from '../directory/schema';
import { users } from '../platform/auth/schema';
import { alerts } from '../alerts/schema';
import { libraryVersions } from '../library/schema';

/**
 * A concealed / denied pregnancy, late booking, unbooked woman in labour or unborn baby protocol case:
 * one woman's pregnancy and, after the birth, her baby. The row holds what lists and routing need;
 * what identifies her lives in `case_facts`, each detail with its source.
 */
export const cases = pgTable(
  'cases',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Human reference quoted on the phone, e.g. CAS-7K3Q9M. */
    reference: text('reference').notNull(),
    classification: text('classification').notNull(),
    status: text('status').notNull().default('open'),
    /** The name to list the case under: the most recent name recorded (any source). */
    displayName: text('display_name').notNull(),
    edd: date('edd', { mode: 'string' }),
    /** Where the due date came from (dating scan, last period, clinical estimate at presentation …). */
    eddSource: text('edd_source'),
    bornAt: timestamp('born_at', { withTimezone: true }),
    /** The organisation that opened the case and leads it. */
    leadOrganisationId: uuid('lead_organisation_id')
      .notNull()
      .references(() => organisations.id),
    /** The local authority area (safeguarding partnership) whose protocol applies. */
    geographyId: uuid('geography_id')
      .notNull()
      .references(() => geographies.id),
    /** The protocol version the milestones are computed from (a later edit does not move this case's dates silently). */
    protocolVersionId: uuid('protocol_version_id').notNull(),
    openedByUserId: uuid('opened_by_user_id').references(() => users.id),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull().defaultNow(),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    closedReason: text('closed_reason'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    /**
     * When the case's next milestone falls due (the earliest due time of one not yet done), kept by the
     * milestone services and the hourly milestone job: once it has passed the case has an overdue step, so
     * the menu counts such cases with one query instead of working out every case's protocol.
     */
    nextDueAt: timestamp('next_due_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('cases_reference_unique').on(t.reference),
    index('cases_lead_org_idx').on(t.leadOrganisationId, t.status),
    index('cases_geography_idx').on(t.geographyId, t.status),
    index('cases_next_due_idx').on(t.status, t.nextDueAt),
  ],
);

/** The agencies working on a case: who may see it (the policy decides on this list). */
export const caseOrganisations = pgTable(
  'case_organisations',
  {
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    addedByUserId: uuid('added_by_user_id'),
    addedAt: timestamp('added_at', { withTimezone: true }).notNull().defaultNow(),
    /** Why the agency was added, as its staff see it (null for the opening organisation). */
    reason: text('reason'),
    /** Who added it: the name and organisation as they were (people move on). */
    addedByName: text('added_by_name'),
    addedByOrganisationName: text('added_by_organisation_name'),
  },
  (t) => [uniqueIndex('case_organisations_unique').on(t.caseId, t.organisationId), index('case_organisations_org_idx').on(t.organisationId)],
);

/** Named professionals (midwife, social worker, health visitor, GP, safeguarding lead …) and how to reach them. */
export const caseProfessionals = pgTable(
  'case_professionals',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    role: text('role').notNull(),
    name: text('name').notNull(),
    organisationId: uuid('organisation_id').references(() => organisations.id),
    /** Free text when the agency is not in the directory (a GP practice, an out-of-area team). */
    organisationName: text('organisation_name'),
    phone: text('phone'),
    email: text('email'),
    addedByUserId: uuid('added_by_user_id'),
    addedAt: timestamp('added_at', { withTimezone: true }).notNull().defaultNow(),
    /** Professionals are replaced, not deleted: who held the role when is part of the record. */
    endedAt: timestamp('ended_at', { withTimezone: true }),
  },
  (t) => [index('case_professionals_case_idx').on(t.caseId)],
);

/** High-risk alerts about this woman: their events and presentations show on the case chronology. */
export const caseAlerts = pgTable(
  'case_alerts',
  {
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    alertId: uuid('alert_id')
      .notNull()
      .references(() => alerts.id),
    linkedByUserId: uuid('linked_by_user_id'),
    linkedAt: timestamp('linked_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('case_alerts_unique').on(t.caseId, t.alertId), index('case_alerts_alert_idx').on(t.alertId)],
);

/**
 * Demographic information with provenance: every detail (name, date of birth, address, NHS number, GP
 * practice, phone) as one row with its source and date. Rows are never overwritten: a different value is
 * a new row, and two current rows that disagree are an inconsistency shown on the case. A detail found to
 * be wrong is marked superseded with a reason, and stays in the history.
 */
export const caseFacts = pgTable(
  'case_facts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    /** mother or baby */
    subject: text('subject').notNull(),
    field: text('field').notNull(),
    /** As entered, structured by field (a name has given/family, an address lines and postcode). */
    value: jsonb('value').notNull(),
    /** Normalised for comparison (case, spacing, postcode format), so 'SO16 6YD' equals 'so166yd'. */
    comparable: text('comparable').notNull(),
    source: text('source').notNull(),
    /** Which agency or document, e.g. 'Southampton children's services', 'passport'. */
    sourceDetail: text('source_detail'),
    /** When the source gave it (may be earlier than when it was typed in). */
    sourceDate: date('source_date', { mode: 'string' }).notNull(),
    recordedByUserId: uuid('recorded_by_user_id'),
    recordedByName: text('recorded_by_name'),
    recordedByOrganisationId: uuid('recorded_by_organisation_id'),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
    supersededAt: timestamp('superseded_at', { withTimezone: true }),
    supersededByUserId: uuid('superseded_by_user_id'),
    supersededReason: text('superseded_reason'),
  },
  (t) => [index('case_facts_case_idx').on(t.caseId, t.subject, t.field)],
);

/**
 * Protocol configuration, versioned: milestone timelines, escalation stage tables and chronology
 * pattern rules are data that partnerships edit, not code. The newest version of a kind for a geography
 * (or the national default, geography null) is the one in force; older versions stay for the cases and
 * escalations that were opened under them.
 */
export const protocolVersions = pgTable(
  'protocol_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** case_milestones | escalation_stages | pattern_rules */
    kind: text('kind').notNull(),
    geographyId: uuid('geography_id').references(() => geographies.id),
    version: integer('version').notNull(),
    definition: jsonb('definition').notNull(),
    changeReason: text('change_reason'),
    /** The library document version (the protocol or guidelines as published) this configuration implements. */
    libraryVersionId: uuid('library_version_id').references(() => libraryVersions.id),
    createdByUserId: uuid('created_by_user_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('protocol_versions_unique').on(t.kind, sql`coalesce(${t.geographyId}::text, '')`, t.version)],
);

/** Bank holidays in England and Wales, as data (working-day deadlines respect them). */
export const bankHolidays = pgTable('bank_holidays', {
  date: date('date', { mode: 'string' }).primaryKey(),
  title: text('title').notNull(),
});

/** A milestone done (or not applicable) on a case; due dates are computed, never stored. */
export const caseMilestones = pgTable(
  'case_milestones',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    key: text('key').notNull(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    notApplicableReason: text('not_applicable_reason'),
    note: text('note'),
    recordedByUserId: uuid('recorded_by_user_id'),
    recordedByName: text('recorded_by_name'),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('case_milestones_unique').on(t.caseId, t.key)],
);

/**
 * The unbooked-in-labour checklist. Append-only: each answer is a row (who, when, what), the newest per
 * item is the current one, so a corrected answer keeps the first.
 */
export const caseChecklistEntries = pgTable(
  'case_checklist_entries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    item: text('item').notNull(),
    /** The answer: done, not_done, or an item's own choices (CP-IS: no_plan, plan_found, unavailable …). */
    answer: text('answer').notNull(),
    note: text('note'),
    doneAt: timestamp('done_at', { withTimezone: true }).notNull(),
    recordedByUserId: uuid('recorded_by_user_id'),
    recordedByName: text('recorded_by_name').notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('case_checklist_case_idx').on(t.caseId, t.item, t.recordedAt)],
);

/** The birth plan, versioned: each agreed or amended plan is a new version with its reason. */
export const birthPlanVersions = pgTable(
  'birth_plan_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    version: integer('version').notNull(),
    content: jsonb('content').notNull(),
    /** When the plan was agreed (at conference or a planning meeting); distribution deadlines run from here. */
    agreedAt: timestamp('agreed_at', { withTimezone: true }).notNull(),
    /** Where it was agreed, e.g. 'Initial child protection conference'. */
    agreedAtMeeting: text('agreed_at_meeting'),
    changeReason: text('change_reason'),
    createdByUserId: uuid('created_by_user_id'),
    createdByName: text('created_by_name'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('birth_plan_versions_unique').on(t.caseId, t.version)],
);

/** Who each birth plan version must reach, by when, and when it was sent. */
export const birthPlanDistributions = pgTable(
  'birth_plan_distributions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    version: integer('version').notNull(),
    /** named_midwife, parents, social_worker, health_visitor, gp, birth_unit, other */
    recipient: text('recipient').notNull(),
    recipientName: text('recipient_name').notNull(),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    method: text('method'),
    sentByUserId: uuid('sent_by_user_id'),
    sentByName: text('sent_by_name'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('birth_plan_distributions_case_idx').on(t.caseId, t.version)],
);

/** Whether a discharge planning meeting is required, and who decided (one current decision per case, history in the audit and chronology). */
export const dischargePlanning = pgTable('discharge_planning', {
  caseId: uuid('case_id')
    .primaryKey()
    .references(() => cases.id),
  required: boolean('required').notNull(),
  decidedByName: text('decided_by_name').notNull(),
  decidedByRole: text('decided_by_role').notNull(),
  reason: text('reason').notNull(),
  recordedByUserId: uuid('recorded_by_user_id'),
  decidedAt: timestamp('decided_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Discharge planning meetings: scheduled, then held with attendees by agency and decisions. */
export const dischargePlanningMeetings = pgTable(
  'discharge_planning_meetings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    scheduledFor: timestamp('scheduled_for', { withTimezone: true }).notNull(),
    location: text('location'),
    heldAt: timestamp('held_at', { withTimezone: true }),
    /** [{ name, role, agency }] */
    attendees: jsonb('attendees').$type<{ name: string; role: string; agency: string }[]>().notNull().default(sql`'[]'::jsonb`),
    decisions: text('decisions'),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
    cancelledReason: text('cancelled_reason'),
    recordedByUserId: uuid('recorded_by_user_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('dpm_case_idx').on(t.caseId)],
);

/** Toxicology tests for mother or baby: requested (with consent), then resulted; who was told. */
export const toxicologyTests = pgTable(
  'toxicology_tests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    subject: text('subject').notNull(),
    sample: text('sample').notNull(),
    requestedAt: timestamp('requested_at', { withTimezone: true }).notNull(),
    requestedByName: text('requested_by_name').notNull(),
    /** given, declined, not_needed (baby sample taken under the baby's care), not_recorded */
    consent: text('consent').notNull(),
    status: text('status').notNull().default('pending'),
    resultedAt: timestamp('resulted_at', { withTimezone: true }),
    /** positive | negative */
    result: text('result'),
    substances: jsonb('substances').$type<string[]>(),
    resultNote: text('result_note'),
    /** [{ name, role, at }] */
    toldPeople: jsonb('told_people').$type<{ name: string; role: string; at: string }[]>().notNull().default(sql`'[]'::jsonb`),
    cancelledReason: text('cancelled_reason'),
    recordedByUserId: uuid('recorded_by_user_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('toxicology_case_idx').on(t.caseId, t.status)],
);

/**
 * Discharge decisions, each with the gate's answer at the time. An override records the senior clinician,
 * the reason and the social worker told, and is flagged to the safeguarding lead (flaggedAt) and counted
 * in assurance.
 */
export const dischargeDecisions = pgTable(
  'discharge_decisions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    /** baby | mother */
    subject: text('subject').notNull(),
    /** Where to and with whom, e.g. 'Home with mother under the safety plan'. */
    destination: text('destination').notNull(),
    decidedAt: timestamp('decided_at', { withTimezone: true }).notNull(),
    recordedByUserId: uuid('recorded_by_user_id'),
    recordedByName: text('recorded_by_name').notNull(),
    organisationId: uuid('organisation_id').references(() => organisations.id),
    /** clear | overridden */
    gateOutcome: text('gate_outcome').notNull(),
    /** The blockers the override went past (codes and messages). */
    blockers: jsonb('blockers').$type<unknown[]>().notNull().default(sql`'[]'::jsonb`),
    overrideReason: text('override_reason'),
    seniorClinicianName: text('senior_clinician_name'),
    seniorClinicianRole: text('senior_clinician_role'),
    socialWorkerInformedName: text('social_worker_informed_name'),
    socialWorkerInformedAt: timestamp('social_worker_informed_at', { withTimezone: true }),
    flaggedAt: timestamp('flagged_at', { withTimezone: true }),
    reviewedAt: timestamp('reviewed_at', { withTimezone: true }),
    reviewedByUserId: uuid('reviewed_by_user_id'),
    reviewNote: text('review_note'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('discharge_decisions_case_idx').on(t.caseId), index('discharge_decisions_override_idx').on(t.gateOutcome, t.decidedAt)],
);

/**
 * The case chronology: what happened, when, recorded by whom. System events are written by the
 * services that cause them; practitioners record appointments, visits, changes and observations.
 * Events from linked alerts (lifecycle, presentations) are read from the alert tables, not copied.
 */
export const caseEvents = pgTable(
  'case_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    kind: text('kind').notNull(),
    /** When it happened (an appointment missed last Tuesday is recorded today). */
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    summary: text('summary').notNull(),
    detail: jsonb('detail').$type<Record<string, unknown>>(),
    /** system | practitioner */
    source: text('source').notNull(),
    recordedByUserId: uuid('recorded_by_user_id'),
    recordedByName: text('recorded_by_name'),
    recordedByOrganisationName: text('recorded_by_organisation_name'),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('case_events_case_idx').on(t.caseId, t.occurredAt)],
);

/** A pattern prompt raised on a case, and the practitioner's recorded response. */
export const casePrompts = pgTable(
  'case_prompts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    ruleKey: text('rule_key').notNull(),
    ruleLabel: text('rule_label').notNull(),
    prompt: text('prompt').notNull(),
    eventIds: jsonb('event_ids').$type<string[]>().notNull(),
    windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
    windowEnd: timestamp('window_end', { withTimezone: true }).notNull(),
    raisedAt: timestamp('raised_at', { withTimezone: true }).notNull().defaultNow(),
    /** discussed_with_lead | action_taken | no_further_action */
    responseKind: text('response_kind'),
    response: text('response'),
    respondedByUserId: uuid('responded_by_user_id'),
    respondedByName: text('responded_by_name'),
    respondedAt: timestamp('responded_at', { withTimezone: true }),
  },
  (t) => [index('case_prompts_case_idx').on(t.caseId, t.respondedAt)],
);
