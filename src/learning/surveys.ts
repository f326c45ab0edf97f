/**
 * Evaluation surveys: the builder (draft → published; a published version never changes under the answers
 * collected with it: a change is a new version), the requests sent to delegates (before, at the end,
 * weeks later), and submitting an evaluation. An anonymous survey keeps only that the request was
 * answered, never which response is whose.
 */
import { and, asc, desc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import { users } from '../platform/auth/schema';
import { randomUUID } from 'node:crypto';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { authorizeContext, authorizeList } from '../platform/auth/policy';
import { recordAudit } from '../platform/audit/service';
import { ForbiddenError, NotFoundError, parseInput, ValidationError } from '../platform/errors';
import { inOrganisationsArea, isUuid, organisationGeographyId, organisationsAreaIds } from '../directory/service';
import { learningAnswers, learningBookings, learningCourses, learningResponses, learningSessions, learningSurveyRequests, learningSurveys } from './schema';
import { requireBooking, type BookingRow, type CourseRow, type SessionRow } from './access';
import { DEFAULT_QUESTIONS, questionSchema, SURVEY_KINDS, type SurveyKind, type SurveyQuestion, surveySchema } from './model';
import { readAnswers, SURVEY_OPEN_DAYS } from './rules';
import { tell } from './notices';

export type SurveyRow = typeof learningSurveys.$inferSelect;
const DAY_MS = 86_400_000;

export const DEFAULT_SURVEY_TITLES: Record<SurveyKind, string> = {
  baseline: 'Closure, flight and disguised compliance: before the session',
  immediate: 'Closure, flight and disguised compliance: at the end of the session',
  follow_up: 'Closure, flight and disguised compliance: eight weeks on',
  manager_follow_up: 'Closure, flight and disguised compliance: the line manager, eight weeks on',
};

/** The partnership's default evaluation surveys (published), created the first time a course needs them. */
export async function ensureDefaultSurveys(tx: Db, geographyId: string): Promise<Record<SurveyKind, string>> {
  const out = {} as Record<SurveyKind, string>;
  for (const kind of SURVEY_KINDS) {
    const [found] = await tx
      .select({ familyId: learningSurveys.familyId })
      .from(learningSurveys)
      .where(and(eq(learningSurveys.geographyId, geographyId), eq(learningSurveys.kind, kind), eq(learningSurveys.title, DEFAULT_SURVEY_TITLES[kind])))
      .limit(1);
    if (found) {
      out[kind] = found.familyId;
      continue;
    }
    const familyId = randomUUID();
    await tx.insert(learningSurveys).values({
      familyId,
      version: 1,
      geographyId,
      title: DEFAULT_SURVEY_TITLES[kind],
      kind,
      anonymous: kind !== 'immediate',
      status: 'published',
      questions: DEFAULT_QUESTIONS[kind],
      publishedAt: new Date(),
    });
    out[kind] = familyId;
  }
  return out;
}

/** The version of a survey family in force: the newest published one. */
export async function surveyInForce(db: Db, familyId: string | null): Promise<SurveyRow | null> {
  if (!familyId) return null;
  const [row] = await db
    .select()
    .from(learningSurveys)
    .where(and(eq(learningSurveys.familyId, familyId), eq(learningSurveys.status, 'published')))
    .orderBy(desc(learningSurveys.version))
    .limit(1);
  return row ?? null;
}

export const familyOf = (course: CourseRow, kind: SurveyKind): string | null =>
  ({
    baseline: course.baselineSurveyFamilyId,
    immediate: course.immediateSurveyFamilyId,
    follow_up: course.followUpSurveyFamilyId,
    manager_follow_up: course.managerSurveyFamilyId,
  })[kind];

const SURVEY_NOTICES: Record<SurveyKind, string> = {
  baseline: 'survey before the session',
  immediate: 'end-of-session evaluation (it unlocks your certificate)',
  follow_up: 'follow-up survey: how the learning is working in your practice',
  manager_follow_up: 'line manager’s survey: how the training is showing in the practice of someone you manage',
};

/**
 * Ask someone to answer a survey about a booking (once per booking and kind), in the caller's transaction:
 * the delegate, or for `manager_follow_up` their line manager (`addressee`).
 */
export async function requestSurvey(
  tx: Db,
  booking: BookingRow,
  course: CourseRow,
  kind: SurveyKind,
  now: Date,
  openDays = SURVEY_OPEN_DAYS,
  addressee: string | null = null,
): Promise<boolean> {
  const familyId = familyOf(course, kind);
  if (!familyId) return false;
  const [row] = await tx
    .insert(learningSurveyRequests)
    .values({ bookingId: booking.id, kind, familyId, addresseeUserId: addressee, sentAt: now, closesAt: new Date(now.getTime() + openDays * DAY_MS) })
    .onConflictDoNothing()
    .returning({ id: learningSurveyRequests.id });
  if (!row) return false;
  await tell(tx, {
    kind: 'survey',
    bookingId: booking.id,
    userId: addressee ?? booking.userId,
    notice: `${course.title}: please answer the ${SURVEY_NOTICES[kind]}`,
    href: `/learning/bookings/${booking.id}/evaluation/${kind}`,
    key: kind,
  });
  return true;
}

export interface EvaluationForm {
  booking: BookingRow;
  session: SessionRow;
  course: CourseRow;
  kind: SurveyKind;
  survey: SurveyRow;
  answered: boolean;
  open: boolean;
  closedReason: string | null;
}

/** Whether the delegate may answer this survey for this booking now, and why not. */
async function evaluationState(db: Db, booking: BookingRow, session: SessionRow, course: CourseRow, kind: SurveyKind, now: Date) {
  const familyId = familyOf(course, kind);
  const survey = await surveyInForce(db, familyId);
  if (!survey) throw new NotFoundError('Survey');
  const [request] = await db
    .select()
    .from(learningSurveyRequests)
    .where(and(eq(learningSurveyRequests.bookingId, booking.id), eq(learningSurveyRequests.kind, kind)));
  const attended = booking.attendance === 'attended' || booking.attendance === 'left_early';
  let closedReason: string | null = null;
  if (request?.respondedAt) closedReason = 'You have already answered this survey. Thank you.';
  else if (kind === 'baseline') {
    if (booking.status !== 'booked') closedReason = 'The survey before the session is for people with a confirmed place.';
    else if (session.startsAt && session.startsAt <= now) closedReason = 'The survey before the session closed when the session started.';
  } else if (!attended) closedReason = 'This survey is for people recorded as attending the session.';
  else if (!request)
    closedReason =
      kind === 'follow_up' ? 'The follow-up survey has not been sent yet: it comes some weeks after the session.' : 'This survey has not been sent yet.';
  else if (request.closesAt <= now) closedReason = 'This survey has closed.';
  return { survey, request: request ?? null, answered: !!request?.respondedAt, open: !closedReason, closedReason };
}

/** The evaluation form of a booking, for its delegate. */
export async function getEvaluation(db: Db, ctx: RequestContext, bookingId: string, kindRaw: string, now = new Date()): Promise<EvaluationForm> {
  const kind = (SURVEY_KINDS as readonly string[]).includes(kindRaw) ? (kindRaw as SurveyKind) : null;
  if (!kind) throw new NotFoundError('Survey');
  let found: Awaited<ReturnType<typeof requireBooking>>;
  if (kind === 'manager_follow_up') {
    // The line manager asked about the delegate: only the person the request was sent to.
    found = await requireBooking(db, ctx, bookingId, 'learning.record');
    const [request] = await db
      .select({ to: learningSurveyRequests.addresseeUserId })
      .from(learningSurveyRequests)
      .where(and(eq(learningSurveyRequests.bookingId, bookingId), eq(learningSurveyRequests.kind, kind)));
    if (!request || request.to !== ctx.actor?.userId) throw new ForbiddenError('learning.record');
  } else {
    found = await requireBooking(db, ctx, bookingId, 'learning.book');
    if (found.booking.userId !== ctx.actor?.userId) throw new ForbiddenError('learning.book');
  }
  const { booking, session, course } = found;
  const s = await evaluationState(db, booking, session, course, kind, now);
  return { booking, session, course, kind, survey: s.survey, answered: s.answered, open: s.open, closedReason: s.closedReason };
}

/** Submit an evaluation: every answer checked against the survey's questions; nothing stored unless all are right. */
export async function submitEvaluation(db: Db, ctx: RequestContext, bookingId: string, kindRaw: string, raw: unknown, now = new Date()): Promise<void> {
  const form = await getEvaluation(db, ctx, bookingId, kindRaw, now);
  if (!form.open) throw new ValidationError({ form: form.closedReason ?? 'This survey is closed' });
  const given = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const read = readAnswers(form.survey.questions, Object.fromEntries(Object.entries(given).filter(([k]) => k !== '_csrf')));
  if (!read.ok) throw new ValidationError(read.problems);
  const { booking, session, course, kind, survey } = form;
  await db.transaction(async (tx) => {
    // The request row is the once-only guard: inserted here for the survey before the session, and marked answered under its lock.
    await tx
      .insert(learningSurveyRequests)
      .values({
        bookingId: booking.id,
        kind,
        familyId: survey.familyId,
        sentAt: now,
        closesAt: session.startsAt ?? new Date(now.getTime() + SURVEY_OPEN_DAYS * DAY_MS),
      })
      .onConflictDoNothing();
    const [request] = await tx
      .update(learningSurveyRequests)
      .set({ respondedAt: now })
      .where(and(eq(learningSurveyRequests.bookingId, booking.id), eq(learningSurveyRequests.kind, kind), isNull(learningSurveyRequests.respondedAt)))
      .returning({ id: learningSurveyRequests.id });
    if (!request) throw new ValidationError({ form: 'You have already answered this survey. Thank you.' });
    const [response] = await tx
      .insert(learningResponses)
      .values({
        surveyId: survey.id,
        familyId: survey.familyId,
        kind,
        courseId: course.id,
        sessionId: session.id,
        requestId: survey.anonymous ? null : request.id,
        organisationId: booking.organisationId,
        role: booking.role,
        // An anonymous response keeps the day only: its time would match the request's, and name the person.
        submittedAt: survey.anonymous ? new Date(`${now.toISOString().slice(0, 10)}T00:00:00Z`) : now,
      })
      .returning({ id: learningResponses.id });
    if (read.answers.length) await tx.insert(learningAnswers).values(read.answers.map((a) => ({ ...a, responseId: response!.id })));
    await recordAudit(tx, ctx, {
      action: 'learning.evaluation.submit',
      verb: 'C',
      entityType: 'LearningBooking',
      entityId: booking.id,
      // An anonymous survey's audit event does not name the response either.
      detail: { kind, surveyId: survey.id, ...(survey.anonymous ? {} : { responseId: response!.id }) },
    });
  });
}

/** The surveys a person has been asked and not answered, while open: their own, and those about people they manage. */
export async function pendingSurveys(db: Db, userId: string, now = new Date()) {
  return db
    .select({
      bookingId: learningSurveyRequests.bookingId,
      kind: learningSurveyRequests.kind,
      closesAt: learningSurveyRequests.closesAt,
      courseTitle: learningCourses.title,
      /** For a line manager's survey: who it is about. */
      about: sql<string | null>`CASE WHEN ${learningSurveyRequests.addresseeUserId} IS NULL THEN NULL ELSE ${users.displayName} END`,
    })
    .from(learningSurveyRequests)
    .innerJoin(learningBookings, eq(learningBookings.id, learningSurveyRequests.bookingId))
    .innerJoin(learningSessions, eq(learningSessions.id, learningBookings.sessionId))
    .innerJoin(learningCourses, eq(learningCourses.id, learningSessions.courseId))
    .innerJoin(users, eq(users.id, learningBookings.userId))
    .where(
      and(
        or(eq(learningSurveyRequests.addresseeUserId, userId), and(isNull(learningSurveyRequests.addresseeUserId), eq(learningBookings.userId, userId))),
        isNull(learningSurveyRequests.respondedAt),
        sql`${learningSurveyRequests.closesAt} > ${now.toISOString()}::timestamptz`,
      ),
    )
    .orderBy(asc(learningSurveyRequests.closesAt));
}

/** Which surveys a person has answered, by booking and kind (for certificates and their record). */
export async function answeredKinds(db: Db, bookingIds: readonly string[]): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  if (!bookingIds.length) return out;
  const rows = await db
    .select({ bookingId: learningSurveyRequests.bookingId, kind: learningSurveyRequests.kind })
    .from(learningSurveyRequests)
    .where(and(inArray(learningSurveyRequests.bookingId, [...bookingIds]), sql`${learningSurveyRequests.respondedAt} IS NOT NULL`));
  for (const r of rows) out.set(r.bookingId, (out.get(r.bookingId) ?? new Set()).add(r.kind));
  return out;
}

// ── The builder ────────────────────────────────────────────────────────────────────────────────────

async function actorGeography(db: Db, ctx: RequestContext): Promise<string> {
  if (!ctx.actor) throw new ForbiddenError('learning.survey');
  const g = await organisationGeographyId(db, ctx.actor.organisationId);
  if (!g) throw new ForbiddenError('learning.survey');
  return g;
}

/** A survey version, if this person may build surveys for its partnership area. */
export async function requireSurvey(db: Db, ctx: RequestContext, id: string, lock = false): Promise<SurveyRow> {
  if (!isUuid(id)) throw new NotFoundError('Survey');
  const q = db.select().from(learningSurveys).where(eq(learningSurveys.id, id));
  const [row] = lock ? await q.for('update') : await q;
  if (!row) throw new NotFoundError('Survey');
  authorizeContext(ctx, 'learning.survey', { inActorsArea: ctx.actor ? await inOrganisationsArea(db, ctx.actor.organisationId, row.geographyId) : false });
  return row;
}

/** Every survey version of this person's partnership area, newest family first. */
export async function listSurveys(db: Db, ctx: RequestContext): Promise<SurveyRow[]> {
  authorizeList(ctx, 'learning.survey');
  const area = ctx.actor ? await organisationsAreaIds(db, ctx.actor.organisationId) : [];
  if (!area.length) return [];
  return db.select().from(learningSurveys).where(inArray(learningSurveys.geographyId, area)).orderBy(asc(learningSurveys.title), desc(learningSurveys.version));
}

export async function createSurvey(db: Db, ctx: RequestContext, raw: unknown): Promise<{ id: string }> {
  const geographyId = await actorGeography(db, ctx);
  authorizeContext(ctx, 'learning.survey', { inActorsArea: true });
  const input = parseInput(surveySchema, raw);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(learningSurveys)
      .values({
        familyId: randomUUID(),
        version: 1,
        geographyId,
        title: input.title,
        kind: input.kind,
        anonymous: input.anonymous,
        status: 'draft',
        questions: [],
      })
      .returning({ id: learningSurveys.id });
    await recordAudit(tx, ctx, {
      action: 'learning.survey.create',
      verb: 'C',
      entityType: 'LearningSurvey',
      entityId: row!.id,
      detail: { title: input.title },
    });
    return { id: row!.id };
  });
}

const PUBLISHED_MESSAGE = 'This survey version is published and answers may have been collected with it, so it cannot change. Make a new version to change it';

async function changeDraft(
  db: Db,
  ctx: RequestContext,
  id: string,
  change: (questions: SurveyQuestion[]) => SurveyQuestion[],
  audit: string,
  detail: Record<string, unknown>,
) {
  await db.transaction(async (tx) => {
    const survey = await requireSurvey(tx, ctx, id, true);
    if (survey.status !== 'draft') throw new ValidationError({ form: PUBLISHED_MESSAGE });
    await tx
      .update(learningSurveys)
      .set({ questions: change(survey.questions) })
      .where(eq(learningSurveys.id, id));
    await recordAudit(tx, ctx, { action: audit, verb: 'U', entityType: 'LearningSurvey', entityId: id, detail });
  });
}

export async function addQuestion(db: Db, ctx: RequestContext, id: string, raw: unknown): Promise<void> {
  const q = parseInput(questionSchema, raw);
  const survey = await requireSurvey(db, ctx, id);
  if (survey.status !== 'draft') throw new ValidationError({ form: PUBLISHED_MESSAGE });
  if (survey.questions.some((x) => x.key === q.key)) throw new ValidationError({ key: `This survey already has a question with the key ${q.key}` });
  const question: SurveyQuestion = {
    key: q.key,
    type: q.type,
    text: q.text,
    required: q.required,
    ...(q.hint ? { hint: q.hint } : {}),
    ...(q.type === 'single' || q.type === 'multiple' ? { options: q.options } : {}),
  };
  await changeDraft(db, ctx, id, (qs) => [...qs, question], 'learning.survey.question_add', { key: q.key });
}

export async function removeQuestion(db: Db, ctx: RequestContext, id: string, key: string): Promise<void> {
  await changeDraft(db, ctx, id, (qs) => qs.filter((q) => q.key !== key), 'learning.survey.question_remove', { key });
}

/** Publish a draft: it is then frozen, and the version in force for its family (earlier versions are retired). */
export async function publishSurvey(db: Db, ctx: RequestContext, id: string, now = new Date()): Promise<void> {
  await db.transaction(async (tx) => {
    const survey = await requireSurvey(tx, ctx, id, true);
    if (survey.status !== 'draft') throw new ValidationError({ form: 'This survey version is already published' });
    if (!survey.questions.length) throw new ValidationError({ form: 'Add at least one question before publishing the survey' });
    await tx
      .update(learningSurveys)
      .set({ status: 'retired' })
      .where(and(eq(learningSurveys.familyId, survey.familyId), eq(learningSurveys.status, 'published')));
    await tx.update(learningSurveys).set({ status: 'published', publishedAt: now }).where(eq(learningSurveys.id, id));
    await recordAudit(tx, ctx, {
      action: 'learning.survey.publish',
      verb: 'U',
      entityType: 'LearningSurvey',
      entityId: id,
      detail: { version: survey.version },
    });
  });
}

/** Start a new draft version of a survey from one of its versions (its questions copied). */
export async function newSurveyVersion(db: Db, ctx: RequestContext, id: string): Promise<{ id: string }> {
  return db.transaction(async (tx) => {
    const survey = await requireSurvey(tx, ctx, id, true);
    const [draft] = await tx
      .select({ id: learningSurveys.id })
      .from(learningSurveys)
      .where(and(eq(learningSurveys.familyId, survey.familyId), eq(learningSurveys.status, 'draft')));
    if (draft) throw new ValidationError({ form: 'This survey already has a draft version: change that one' });
    const [{ max } = { max: 0 }] = await tx
      .select({ max: sql<number>`max(${learningSurveys.version})::int` })
      .from(learningSurveys)
      .where(eq(learningSurveys.familyId, survey.familyId));
    const [row] = await tx
      .insert(learningSurveys)
      .values({
        familyId: survey.familyId,
        version: Number(max) + 1,
        geographyId: survey.geographyId,
        title: survey.title,
        kind: survey.kind,
        anonymous: survey.anonymous,
        status: 'draft',
        questions: survey.questions,
      })
      .returning({ id: learningSurveys.id });
    await recordAudit(tx, ctx, { action: 'learning.survey.version', verb: 'C', entityType: 'LearningSurvey', entityId: row!.id, detail: { from: id } });
    return { id: row!.id };
  });
}
