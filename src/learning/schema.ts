import { sql } from 'drizzle-orm';
import { boolean, date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { geographies, organisations } from '../directory/schema';
import { users } from '../platform/auth/schema';

/**
 * Learning: the partnership's multi-agency training. A course (owned by a partnership area) has
 * sessions; professionals book places (a waiting list when full, a line manager's approval where the
 * course asks for it); trainers mark the register; evaluations before, at the end and weeks later show
 * whether the learning reached practice.
 */
export const learningCourses = pgTable(
  'learning_courses',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The partnership area that owns the course (its training administrators manage it). */
    geographyId: uuid('geography_id')
      .notNull()
      .references(() => geographies.id),
    title: text('title').notNull(),
    summary: text('summary').notNull(),
    /** One learning outcome per line. */
    outcomes: text('outcomes').notNull(),
    /** Topic codes from the managed list (learning/model.ts TOPICS). */
    topics: jsonb('topics').$type<string[]>().notNull(),
    /** Agency kinds and roles it is for (empty: everyone). */
    audienceAgencies: jsonb('audience_agencies').$type<string[]>().notNull(),
    audienceRoles: text('audience_roles'),
    /** in_person | live_online | e_learning */
    format: text('format').notNull(),
    durationMinutes: integer('duration_minutes').notNull(),
    funded: boolean('funded').notNull().default(true),
    /** Charge per place in pence, for a course that is not funded. */
    costPence: integer('cost_pence'),
    approvalRequired: boolean('approval_required').notNull().default(false),
    /** For e-learning: where the module is. */
    elearningUrl: text('elearning_url'),
    /** Evaluation survey families (learning_surveys.family_id), by when they are asked. */
    baselineSurveyFamilyId: uuid('baseline_survey_family_id'),
    immediateSurveyFamilyId: uuid('immediate_survey_family_id'),
    followUpSurveyFamilyId: uuid('follow_up_survey_family_id'),
    managerSurveyFamilyId: uuid('manager_survey_family_id'),
    followUpWeeks: integer('follow_up_weeks').notNull().default(8),
    /** Whether the delegate's line manager is asked too, with the follow-up, how the learning shows in their practice. */
    followUpAskManager: boolean('follow_up_ask_manager').notNull().default(false),
    /** Days before a session that people booked on it are reminded (default 14 and 2). */
    reminderDays: jsonb('reminder_days').$type<number[]>().notNull().default(sql`'[14,2]'::jsonb`),
    /** active | retired */
    status: text('status').notNull().default('active'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('learning_courses_geography_idx').on(t.geographyId)],
);

/** What changed in a course and what prompted it (for example, learning from a partnership review). */
export const learningCourseChanges = pgTable(
  'learning_course_changes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    courseId: uuid('course_id')
      .notNull()
      .references(() => learningCourses.id),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    byUserId: uuid('by_user_id'),
    byName: text('by_name').notNull(),
    summary: text('summary').notNull(),
    promptedBy: text('prompted_by'),
    fields: jsonb('fields').$type<string[]>().notNull(),
  },
  (t) => [index('learning_course_changes_course_idx').on(t.courseId, t.at)],
);

export const learningSessions = pgTable(
  'learning_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    courseId: uuid('course_id')
      .notNull()
      .references(() => learningCourses.id),
    /** Null for self-paced e-learning (no invitation can be made). */
    startsAt: timestamp('starts_at', { withTimezone: true }),
    endsAt: timestamp('ends_at', { withTimezone: true }),
    venue: text('venue'),
    joiningLink: text('joining_link'),
    capacity: integer('capacity').notNull(),
    bookingCutoffAt: timestamp('booking_cutoff_at', { withTimezone: true }),
    cancellationCutoffAt: timestamp('cancellation_cutoff_at', { withTimezone: true }),
    /** scheduled | cancelled */
    status: text('status').notNull().default('scheduled'),
    cancelledReason: text('cancelled_reason'),
    /** iCalendar SEQUENCE: moves on each change a delegate's calendar must follow. */
    sequence: integer('sequence').notNull().default(0),
    /** Reminders already sent, by days before (so each is sent once). */
    remindersSent: jsonb('reminders_sent').$type<number[]>().notNull().default(sql`'[]'::jsonb`),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('learning_sessions_course_idx').on(t.courseId, t.startsAt), index('learning_sessions_starts_idx').on(t.startsAt)],
);

export const learningSessionTrainers = pgTable(
  'learning_session_trainers',
  {
    sessionId: uuid('session_id')
      .notNull()
      .references(() => learningSessions.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.userId] }), index('learning_session_trainers_user_idx').on(t.userId)],
);

/** A person's learning profile: the line manager they name (who approves bookings and sees their record). */
export const learningProfiles = pgTable('learning_profiles', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id),
  lineManagerUserId: uuid('line_manager_user_id').references(() => users.id),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const learningBookings = pgTable(
  'learning_bookings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => learningSessions.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    /** The delegate's organisation and role when they booked (reports by agency and role). */
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    role: text('role').notNull(),
    /** The line manager asked to approve, when the course needs approval. */
    managerUserId: uuid('manager_user_id').references(() => users.id),
    bookedByUserId: uuid('booked_by_user_id'),
    /** awaiting_approval | booked | waiting | declined | cancelled */
    status: text('status').notNull(),
    /** The waiting list's order. */
    waitingSince: timestamp('waiting_since', { withTimezone: true }),
    decisionReason: text('decision_reason'),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    approvalChasedAt: timestamp('approval_chased_at', { withTimezone: true }),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
    /** attended | left_early | did_not_attend | cancelled_late */
    attendance: text('attendance'),
    attendanceMarkedAt: timestamp('attendance_marked_at', { withTimezone: true }),
    attendanceMarkedBy: text('attendance_marked_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // One live booking per person per session (cancelled and declined ones stay as history).
    uniqueIndex('learning_bookings_live_unique').on(t.sessionId, t.userId).where(sql`${t.status} IN ('awaiting_approval', 'booked', 'waiting')`),
    index('learning_bookings_session_idx').on(t.sessionId, t.status),
    index('learning_bookings_user_idx').on(t.userId),
    index('learning_bookings_manager_idx').on(t.managerUserId, t.status),
  ],
);

/** What a person is told inside Beacon (their training page), beside the email. */
export const learningNotices = pgTable(
  'learning_notices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    text: text('text').notNull(),
    href: text('href'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('learning_notices_user_idx').on(t.userId, t.createdAt)],
);

/**
 * A version of an evaluation survey. A family is the survey as people think of it; each published version
 * is frozen (answers point at the version they answered), and a change is a new draft version.
 */
export const learningSurveys = pgTable(
  'learning_surveys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    familyId: uuid('family_id').notNull(),
    version: integer('version').notNull(),
    geographyId: uuid('geography_id')
      .notNull()
      .references(() => geographies.id),
    title: text('title').notNull(),
    /** baseline | immediate | follow_up | manager_follow_up */
    kind: text('kind').notNull(),
    anonymous: boolean('anonymous').notNull().default(false),
    /** draft | published | retired */
    status: text('status').notNull(),
    questions: jsonb('questions').$type<import('./model').SurveyQuestion[]>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    publishedAt: timestamp('published_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('learning_surveys_family_version_unique').on(t.familyId, t.version)],
);

/** A person asked to answer one survey for one booking (sent, reminded, answered, closed). */
export const learningSurveyRequests = pgTable(
  'learning_survey_requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    bookingId: uuid('booking_id')
      .notNull()
      .references(() => learningBookings.id),
    kind: text('kind').notNull(),
    familyId: uuid('family_id').notNull(),
    /** Who is asked, when it is not the delegate (their line manager, for manager_follow_up). */
    addresseeUserId: uuid('addressee_user_id').references(() => users.id),
    sentAt: timestamp('sent_at', { withTimezone: true }).notNull(),
    closesAt: timestamp('closes_at', { withTimezone: true }).notNull(),
    remindersSent: integer('reminders_sent').notNull().default(0),
    lastRemindedAt: timestamp('last_reminded_at', { withTimezone: true }),
    respondedAt: timestamp('responded_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('learning_survey_requests_unique').on(t.bookingId, t.kind), index('learning_survey_requests_open_idx').on(t.respondedAt, t.closesAt)],
);

/**
 * One submitted evaluation. For an anonymous survey the request and person are not kept (the request
 * only records that it was answered); the organisation and role are, for results by agency and role,
 * which never show a group smaller than five.
 */
export const learningResponses = pgTable(
  'learning_responses',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    surveyId: uuid('survey_id')
      .notNull()
      .references(() => learningSurveys.id),
    familyId: uuid('family_id').notNull(),
    kind: text('kind').notNull(),
    courseId: uuid('course_id')
      .notNull()
      .references(() => learningCourses.id),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => learningSessions.id),
    requestId: uuid('request_id').references(() => learningSurveyRequests.id),
    organisationId: uuid('organisation_id').references(() => organisations.id),
    role: text('role'),
    submittedAt: timestamp('submitted_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('learning_responses_course_idx').on(t.courseId, t.kind), index('learning_responses_session_idx').on(t.sessionId)],
);

export const learningAnswers = pgTable(
  'learning_answers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    responseId: uuid('response_id')
      .notNull()
      .references(() => learningResponses.id),
    questionKey: text('question_key').notNull(),
    /** rating, confidence and single choice (the option's index) */
    valueNumber: integer('value_number'),
    valueText: text('value_text'),
    /** multiple choice: the options' indexes */
    valueChoices: jsonb('value_choices').$type<number[]>(),
    /** Themes an analyst gave a free-text answer. */
    themes: jsonb('themes').$type<string[]>(),
  },
  (t) => [index('learning_answers_response_idx').on(t.responseId), index('learning_answers_question_idx').on(t.questionKey)],
);

// ── Learning needs analysis ──────────────────────────────────────────────────────────────────────────

/**
 * A review round of the learning needs analysis: the workforce development group reviews every course of
 * the partnership against one topic (the seed: that recognising and responding to disguised compliance is
 * included throughout the training offer). It has an owner, a due date and a sign-off.
 */
export const learningReviewRounds = pgTable(
  'learning_review_rounds',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    geographyId: uuid('geography_id')
      .notNull()
      .references(() => geographies.id),
    title: text('title').notNull(),
    /** The topic code every course is reviewed against (learning/model.ts TOPICS). */
    topic: text('topic').notNull(),
    /** What the group is asked to check, in the words of the recommendation. */
    brief: text('brief').notNull(),
    ownerUserId: uuid('owner_user_id')
      .notNull()
      .references(() => users.id),
    dueOn: date('due_on', { mode: 'string' }).notNull(),
    /** open | signed_off */
    status: text('status').notNull().default('open'),
    signedOffAt: timestamp('signed_off_at', { withTimezone: true }),
    signedOffByName: text('signed_off_by_name'),
    signOffNote: text('sign_off_note'),
    createdByName: text('created_by_name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('learning_review_rounds_geography_idx').on(t.geographyId, t.createdAt)],
);

/** One course's finding in a review round: covered, partly or not, the evidence, and the action agreed. */
export const learningReviewItems = pgTable(
  'learning_review_items',
  {
    roundId: uuid('round_id')
      .notNull()
      .references(() => learningReviewRounds.id),
    courseId: uuid('course_id')
      .notNull()
      .references(() => learningCourses.id),
    /** covered | partly | not_covered (null until reviewed) */
    coverage: text('coverage'),
    evidence: text('evidence'),
    action: text('action'),
    reviewedAt: timestamp('reviewed_at', { withTimezone: true }),
    reviewedByName: text('reviewed_by_name'),
  },
  (t) => [primaryKey({ columns: [t.roundId, t.courseId] })],
);

/**
 * Headcounts by organisation and role imported by a training administrator (the workforce an
 * organisation reports, which Beacon's own sign-ins undercount). Where none is imported, coverage is
 * measured against the people Beacon knows.
 */
export const learningHeadcounts = pgTable(
  'learning_headcounts',
  {
    organisationId: uuid('organisation_id')
      .notNull()
      .references(() => organisations.id),
    role: text('role').notNull(),
    headcount: integer('headcount').notNull(),
    importedAt: timestamp('imported_at', { withTimezone: true }).notNull().defaultNow(),
    importedByName: text('imported_by_name').notNull(),
  },
  (t) => [primaryKey({ columns: [t.organisationId, t.role] })],
);
