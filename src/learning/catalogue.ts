/**
 * The catalogue: courses owned by a partnership area and their sessions. Every professional browses it;
 * the partnership's training administrators add and change courses (each change logged with what prompted
 * it) and sessions (a moved session sends updated invitations; a cancelled one cancels them). Each change
 * is one transaction with its audit event and the messages it causes.
 */
import { and, asc, desc, eq, gte, inArray, isNull, or, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { authorizeContext, authorizeList } from '../platform/auth/policy';
import { recordAudit } from '../platform/audit/service';
import { ForbiddenError, parseInput, ValidationError, zodFieldErrors } from '../platform/errors';
import { users } from '../platform/auth/schema';
import { organisationGeographyId } from '../directory/service';
import { learningBookings, learningCourseChanges, learningCourses, learningSessions, learningSessionTrainers } from './schema';
import { type CourseRow, requireCourse, requireSession, type SessionRow } from './access';
import {
  courseChangeSchema,
  courseSchema,
  type CourseInput,
  FORMATS,
  type Format,
  LIVE_STATUSES,
  reasonSchema,
  sessionSchema,
  type Topic,
  TOPICS,
} from './model';
import { tell } from './notices';
import { promoteWaiting } from './booking';
import { ensureDefaultSurveys } from './surveys';

const actorName = (ctx: RequestContext) => ctx.actor?.displayName ?? ctx.system ?? 'system';

function courseValues(input: CourseInput) {
  return {
    title: input.title,
    summary: input.summary,
    outcomes: input.outcomes,
    topics: input.topics,
    audienceAgencies: input.audienceAgencies,
    audienceRoles: input.audienceRoles,
    format: input.format,
    durationMinutes: input.durationMinutes,
    funded: input.funded,
    costPence: input.funded || !input.costPounds ? null : Math.round(Number(input.costPounds) * 100),
    approvalRequired: input.approvalRequired,
    elearningUrl: input.elearningUrl,
    followUpWeeks: input.followUpWeeks,
    reminderDays: input.reminderDays,
    followUpAskManager: input.followUpAskManager,
  };
}

/** Add a course to the catalogue of the administrator's partnership area, with the default evaluation surveys. */
export async function createCourse(db: Db, ctx: RequestContext, raw: unknown): Promise<{ id: string }> {
  const actor = ctx.actor;
  if (!actor) throw new ForbiddenError('learning.manage');
  const geographyId = await organisationGeographyId(db, actor.organisationId);
  authorizeContext(ctx, 'learning.manage', { inActorsArea: !!geographyId });
  const input = parseInput(courseSchema, raw);
  return db.transaction(async (tx) => {
    const surveys = await ensureDefaultSurveys(tx, geographyId!);
    const [row] = await tx
      .insert(learningCourses)
      .values({
        ...courseValues(input),
        geographyId: geographyId!,
        baselineSurveyFamilyId: surveys.baseline,
        immediateSurveyFamilyId: surveys.immediate,
        followUpSurveyFamilyId: surveys.follow_up,
        managerSurveyFamilyId: surveys.manager_follow_up,
      })
      .returning({ id: learningCourses.id });
    await tx.insert(learningCourseChanges).values({ courseId: row!.id, byUserId: actor.userId, byName: actorName(ctx), summary: 'Course added', fields: [] });
    await recordAudit(tx, ctx, {
      action: 'learning.course.create',
      verb: 'C',
      entityType: 'LearningCourse',
      entityId: row!.id,
      detail: { title: input.title },
    });
    return { id: row!.id };
  });
}

/** Change a course: the change log records which fields changed, what changed and what prompted it. */
export async function updateCourse(db: Db, ctx: RequestContext, id: string, raw: unknown): Promise<void> {
  const before = await requireCourse(db, ctx, id, 'learning.manage');
  const parsed = courseSchema.safeParse(raw);
  const why = courseChangeSchema.safeParse(raw);
  if (!parsed.success || !why.success)
    throw new ValidationError({
      ...(parsed.success ? {} : zodFieldErrors(parsed.error.issues)),
      ...(why.success ? {} : zodFieldErrors(why.error.issues)),
    });
  const next = courseValues(parsed.data);
  const changed = (Object.keys(next) as (keyof typeof next)[]).filter((k) => JSON.stringify(next[k]) !== JSON.stringify(before[k as keyof CourseRow]));
  if (!changed.length) throw new ValidationError({ title: 'Nothing has changed: change a detail of the course, or go back' });
  await db.transaction(async (tx) => {
    // A course made before the line manager's follow-up existed gets the partnership's default survey for it.
    const manager =
      next.followUpAskManager && !before.managerSurveyFamilyId ? (await ensureDefaultSurveys(tx, before.geographyId)).manager_follow_up : undefined;
    await tx
      .update(learningCourses)
      .set({ ...next, ...(manager ? { managerSurveyFamilyId: manager } : {}), updatedAt: new Date() })
      .where(eq(learningCourses.id, id));
    await tx.insert(learningCourseChanges).values({
      courseId: id,
      byUserId: ctx.actor?.userId ?? null,
      byName: actorName(ctx),
      summary: why.data.changeSummary,
      promptedBy: why.data.promptedBy,
      fields: changed,
    });
    await recordAudit(tx, ctx, {
      action: 'learning.course.update',
      verb: 'U',
      entityType: 'LearningCourse',
      entityId: id,
      detail: { fields: changed, promptedBy: why.data.promptedBy },
    });
  });
}

export interface CatalogueFilter {
  topic?: string;
  format?: string;
  from?: string;
  to?: string;
}

export interface CatalogueEntry {
  course: CourseRow;
  sessions: (SessionRow & { placesTaken: number; waiting: number })[];
}

/** Places taken (booked or awaiting approval) and waiting, for each session. */
async function placeCounts(db: Db, sessionIds: readonly string[]): Promise<Map<string, { taken: number; waiting: number }>> {
  const out = new Map<string, { taken: number; waiting: number }>();
  if (!sessionIds.length) return out;
  const rows = await db
    .select({ sessionId: learningBookings.sessionId, status: learningBookings.status, n: sql<number>`count(*)::int` })
    .from(learningBookings)
    .where(and(inArray(learningBookings.sessionId, [...sessionIds]), inArray(learningBookings.status, [...LIVE_STATUSES])))
    .groupBy(learningBookings.sessionId, learningBookings.status);
  for (const r of rows) {
    const c = out.get(r.sessionId) ?? { taken: 0, waiting: 0 };
    if (r.status === 'waiting') c.waiting += Number(r.n);
    else c.taken += Number(r.n);
    out.set(r.sessionId, c);
  }
  return out;
}

/**
 * The catalogue for every signed-in professional: active courses, filtered by topic and format, each with
 * its sessions from today (or in the date range), with places left.
 */
export async function listCatalogue(db: Db, ctx: RequestContext, filter: CatalogueFilter = {}, now = new Date()): Promise<CatalogueEntry[]> {
  authorizeList(ctx, 'learning.browse');
  const topic = (TOPICS as readonly string[]).includes(filter.topic ?? '') ? (filter.topic as Topic) : null;
  const format = (FORMATS as readonly string[]).includes(filter.format ?? '') ? (filter.format as Format) : null;
  const courses = await db
    .select()
    .from(learningCourses)
    .where(
      and(
        eq(learningCourses.status, 'active'),
        topic ? sql`${learningCourses.topics} @> ${JSON.stringify([topic])}::jsonb` : undefined,
        format ? eq(learningCourses.format, format) : undefined,
      ),
    )
    .orderBy(asc(learningCourses.title));
  if (!courses.length) return [];
  const from = filter.from && /^\d{4}-\d{2}-\d{2}$/.test(filter.from) ? new Date(`${filter.from}T00:00:00Z`) : now;
  const to = filter.to && /^\d{4}-\d{2}-\d{2}$/.test(filter.to) ? new Date(`${filter.to}T23:59:59Z`) : null;
  const sessions = await db
    .select()
    .from(learningSessions)
    .where(
      and(
        inArray(
          learningSessions.courseId,
          courses.map((c) => c.id),
        ),
        eq(learningSessions.status, 'scheduled'),
        or(isNull(learningSessions.startsAt), gte(learningSessions.startsAt, from)),
        to ? sql`(${learningSessions.startsAt} IS NULL OR ${learningSessions.startsAt} <= ${to.toISOString()}::timestamptz)` : undefined,
      ),
    )
    .orderBy(asc(learningSessions.startsAt));
  const counts = await placeCounts(
    db,
    sessions.map((s) => s.id),
  );
  const entries = courses.map((course) => ({
    course,
    sessions: sessions
      .filter((s) => s.courseId === course.id)
      .map((s) => ({ ...s, placesTaken: counts.get(s.id)?.taken ?? 0, waiting: counts.get(s.id)?.waiting ?? 0 })),
  }));
  // With a date range, a course with no session in it is not what was asked for.
  return filter.from || filter.to ? entries.filter((e) => e.sessions.length) : entries;
}

/** One course: its details, every session (past ones too), its change log, and whether this person manages it. */
export async function getCourse(db: Db, ctx: RequestContext, id: string) {
  const course = await requireCourse(db, ctx, id, 'learning.browse');
  const sessions = await db.select().from(learningSessions).where(eq(learningSessions.courseId, id)).orderBy(desc(learningSessions.startsAt));
  const counts = await placeCounts(
    db,
    sessions.map((s) => s.id),
  );
  const changes = await db.select().from(learningCourseChanges).where(eq(learningCourseChanges.courseId, id)).orderBy(desc(learningCourseChanges.at));
  let manages = false;
  try {
    await requireCourse(db, ctx, id, 'learning.manage');
    manages = true;
  } catch {
    manages = false;
  }
  return {
    course,
    sessions: sessions.map((s) => ({ ...s, placesTaken: counts.get(s.id)?.taken ?? 0, waiting: counts.get(s.id)?.waiting ?? 0 })),
    changes,
    manages,
  };
}

/** Trainers named by email: each must be a Beacon user (they sign in to mark the register). */
async function trainerIds(db: Db, emails: string | null): Promise<{ ids: string[]; problem?: string }> {
  const list = (emails ?? '')
    .split(/[\s,;]+/)
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
  if (!list.length) return { ids: [] };
  const found = await db
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(inArray(sql`lower(${users.email})`, list));
  const missing = list.filter((e) => !found.some((f) => f.email.toLowerCase() === e));
  if (missing.length) return { ids: [], problem: `No Beacon account has the email ${missing.join(', ')}: trainers sign in to mark the register` };
  return { ids: found.map((f) => f.id) };
}

/** Add a session to a course. */
export async function createSession(db: Db, ctx: RequestContext, courseId: string, raw: unknown): Promise<{ id: string }> {
  const course = await requireCourse(db, ctx, courseId, 'learning.manage');
  const { input, trainers } = await readSession(db, course, raw);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(learningSessions)
      .values({
        courseId,
        startsAt: input.startsAt,
        endsAt: input.endsAt,
        venue: input.venue,
        joiningLink: input.joiningLink,
        capacity: input.capacity,
        bookingCutoffAt: input.bookingCutoffAt,
        cancellationCutoffAt: input.cancellationCutoffAt,
      })
      .returning({ id: learningSessions.id });
    for (const userId of trainers.ids) await tx.insert(learningSessionTrainers).values({ sessionId: row!.id, userId });
    await recordAudit(tx, ctx, {
      action: 'learning.session.create',
      verb: 'C',
      entityType: 'LearningSession',
      entityId: row!.id,
      detail: { courseId, startsAt: input.startsAt?.toISOString() ?? null, capacity: input.capacity },
    });
    return { id: row!.id };
  });
}

/** A session form or body, checked against its course (what the format needs) and with its trainers found. */
async function readSession(db: Db, course: CourseRow, raw: unknown) {
  const input = parseInput(sessionSchema, raw);
  const problems = sessionProblems(course, input);
  const trainers = await trainerIds(db, input.trainerEmails);
  if (trainers.problem) problems.trainerEmails = trainers.problem;
  if (Object.keys(problems).length) throw new ValidationError(problems);
  return { input, trainers };
}

function sessionProblems(course: CourseRow, input: { startsAt: Date | null; venue: string | null; joiningLink: string | null }): Record<string, string> {
  const problems: Record<string, string> = {};
  if (course.format !== 'e_learning' && !input.startsAt) problems.startsAt = 'Enter when the session starts: only self-paced e-learning has no date';
  if (course.format === 'in_person' && !input.venue) problems.venue = 'Enter the venue';
  if (course.format === 'live_online' && !input.joiningLink) problems.joiningLink = 'Enter the joining link';
  return problems;
}

/**
 * Change a session. Capacity cannot go below the places already taken; a new time or place moves the
 * invitation's sequence on and everyone booked gets the updated invitation; a bigger session takes people
 * off the waiting list.
 */
export async function updateSession(db: Db, ctx: RequestContext, id: string, raw: unknown, now = new Date()): Promise<void> {
  const { course } = await requireSession(db, ctx, id, 'learning.manage');
  const { input, trainers } = await readSession(db, course, raw);
  await db.transaction(async (tx) => {
    const { session } = await requireSession(tx, ctx, id, 'learning.manage', { lock: true });
    if (session.status === 'cancelled') throw new ValidationError({ form: 'This session has been cancelled, so it cannot be changed' });
    const taken = (await placeCounts(tx, [id])).get(id)?.taken ?? 0;
    if (input.capacity < taken)
      throw new ValidationError({
        capacity: `${taken} places are already taken, so the capacity cannot be less than ${taken}. Cancel bookings first if the room is smaller`,
      });
    const moved =
      (session.startsAt?.getTime() ?? null) !== (input.startsAt?.getTime() ?? null) ||
      (session.endsAt?.getTime() ?? null) !== (input.endsAt?.getTime() ?? null) ||
      session.venue !== input.venue ||
      session.joiningLink !== input.joiningLink;
    const sequence = moved ? session.sequence + 1 : session.sequence;
    await tx
      .update(learningSessions)
      .set({
        startsAt: input.startsAt,
        endsAt: input.endsAt,
        venue: input.venue,
        joiningLink: input.joiningLink,
        capacity: input.capacity,
        bookingCutoffAt: input.bookingCutoffAt,
        cancellationCutoffAt: input.cancellationCutoffAt,
        sequence,
        // A moved session is reminded again before its new date.
        ...(moved ? { remindersSent: [] } : {}),
        updatedAt: now,
      })
      .where(eq(learningSessions.id, id));
    await tx.delete(learningSessionTrainers).where(eq(learningSessionTrainers.sessionId, id));
    for (const userId of trainers.ids) await tx.insert(learningSessionTrainers).values({ sessionId: id, userId });
    if (moved) {
      const booked = await tx
        .select({ id: learningBookings.id, userId: learningBookings.userId })
        .from(learningBookings)
        .where(and(eq(learningBookings.sessionId, id), inArray(learningBookings.status, ['booked', 'awaiting_approval'])));
      for (const b of booked)
        await tell(tx, {
          kind: 'session_changed',
          bookingId: b.id,
          userId: b.userId,
          notice: `${course.title}: the session has changed. Your calendar invitation has been updated`,
          href: `/learning/sessions/${id}`,
          key: sequence,
        });
    }
    await recordAudit(tx, ctx, {
      action: 'learning.session.update',
      verb: 'U',
      entityType: 'LearningSession',
      entityId: id,
      detail: { moved, capacity: input.capacity, sequence },
    });
    await promoteWaiting(tx, id, now);
  });
}

/** Cancel a session: every live booking is cancelled and told, with the calendar invitation withdrawn. */
export async function cancelSession(db: Db, ctx: RequestContext, id: string, raw: unknown, now = new Date()): Promise<void> {
  await requireSession(db, ctx, id, 'learning.manage');
  const { reason } = parseInput(reasonSchema, raw);
  await db.transaction(async (tx) => {
    const { session, course } = await requireSession(tx, ctx, id, 'learning.manage', { lock: true });
    if (session.status === 'cancelled') throw new ValidationError({ reason: 'This session has already been cancelled' });
    if (session.startsAt && session.endsAt && session.endsAt <= now)
      throw new ValidationError({ reason: 'This session has already taken place, so it cannot be cancelled' });
    const sequence = session.sequence + 1;
    await tx.update(learningSessions).set({ status: 'cancelled', cancelledReason: reason, sequence, updatedAt: now }).where(eq(learningSessions.id, id));
    const live = await tx
      .update(learningBookings)
      .set({ status: 'cancelled', cancelledAt: now, decisionReason: `Session cancelled: ${reason}`, updatedAt: now })
      .where(and(eq(learningBookings.sessionId, id), inArray(learningBookings.status, [...LIVE_STATUSES])))
      .returning({ id: learningBookings.id, userId: learningBookings.userId });
    for (const b of live)
      await tell(tx, {
        kind: 'session_cancelled',
        bookingId: b.id,
        userId: b.userId,
        notice: `${course.title}: the session has been cancelled (${reason}). Your calendar invitation has been withdrawn`,
        href: `/learning/courses/${course.id}`,
        key: sequence,
      });
    await recordAudit(tx, ctx, {
      action: 'learning.session.cancel',
      verb: 'U',
      entityType: 'LearningSession',
      entityId: id,
      reason,
      detail: { bookings: live.length },
    });
  });
}
