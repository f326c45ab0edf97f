/**
 * Learning's choke points: each record type is loaded, authorised and (for personal data) its reading
 * audited here, and lists of bookings are narrowed with the same policy rules (`bookingScope`). A course
 * belongs to a partnership area; a session to its course; a booking to its delegate, their line manager,
 * their organisation and the session's trainers.
 */
import { and, eq, inArray, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { authorizeContext, scopeFor, type Action, type Resource } from '../platform/auth/policy';
import { sqlScope } from '../platform/auth/scope';
import { recordAuditNow } from '../platform/audit/service';
import { NotFoundError } from '../platform/errors';
import { inOrganisationsArea, isUuid, organisationGeographyId, organisationsAreaIds } from '../directory/service';
import { membershipsFor } from '../people/service';
import { learningBookings, learningCourses, learningProfiles, learningReviewRounds, learningSessions, learningSessionTrainers } from './schema';

export type CourseRow = typeof learningCourses.$inferSelect;
export type SessionRow = typeof learningSessions.$inferSelect;
export type BookingRow = typeof learningBookings.$inferSelect;

async function inArea(db: Db, ctx: RequestContext, geographyId: string): Promise<boolean> {
  return ctx.actor ? inOrganisationsArea(db, ctx.actor.organisationId, geographyId) : false;
}

export async function trainersOf(db: Db, sessionId: string): Promise<string[]> {
  return (
    await db.select({ userId: learningSessionTrainers.userId }).from(learningSessionTrainers).where(eq(learningSessionTrainers.sessionId, sessionId))
  ).map((r) => r.userId);
}

/** The line manager a person has named (null when none). */
export async function lineManagerOf(db: Db, userId: string): Promise<string | null> {
  const [p] = await db.select({ m: learningProfiles.lineManagerUserId }).from(learningProfiles).where(eq(learningProfiles.userId, userId));
  return p?.m ?? null;
}

export async function loadCourse(db: Db, id: string): Promise<CourseRow> {
  if (!isUuid(id)) throw new NotFoundError('Course');
  const [row] = await db.select().from(learningCourses).where(eq(learningCourses.id, id));
  if (!row) throw new NotFoundError('Course');
  return row;
}

/** A course, if this person may take `action` on it (the catalogue is open to every professional; managing it to its partnership's administrators). */
export async function requireCourse(db: Db, ctx: RequestContext, id: string, action: Action): Promise<CourseRow> {
  const course = await loadCourse(db, id);
  authorizeContext(ctx, action, { inActorsArea: await inArea(db, ctx, course.geographyId) });
  return course;
}

export async function loadSession(db: Db, id: string, lock = false): Promise<{ session: SessionRow; course: CourseRow }> {
  if (!isUuid(id)) throw new NotFoundError('Training session');
  const q = db.select().from(learningSessions).where(eq(learningSessions.id, id));
  const [session] = lock ? await q.for('update') : await q;
  if (!session) throw new NotFoundError('Training session');
  return { session, course: await loadCourse(db, session.courseId) };
}

export async function sessionResource(db: Db, ctx: RequestContext, session: SessionRow, course: CourseRow): Promise<Resource> {
  return { inActorsArea: await inArea(db, ctx, course.geographyId), trainerUserIds: await trainersOf(db, session.id) };
}

/** A session (and its course), if this person may take `action` on it; `lock` holds the row to the end of the transaction. */
export async function requireSession(
  db: Db,
  ctx: RequestContext,
  id: string,
  action: Action,
  opts: { lock?: boolean } = {},
): Promise<{ session: SessionRow; course: CourseRow }> {
  const found = await loadSession(db, id, opts.lock);
  authorizeContext(ctx, action, await sessionResource(db, ctx, found.session, found.course));
  return found;
}

export async function bookingResource(db: Db, ctx: RequestContext, b: BookingRow, course: CourseRow): Promise<Resource> {
  const current = await lineManagerOf(db, b.userId);
  return {
    userId: b.userId,
    organisationId: b.organisationId,
    managerUserIds: [b.managerUserId, current].filter((x): x is string => !!x),
    inActorsArea: await inArea(db, ctx, course.geographyId),
    trainerUserIds: await trainersOf(db, b.sessionId),
  };
}

/**
 * A booking (with its session and course), if this person may take `action` on it: the delegate, their
 * line manager, their organisation's safeguarding lead, the session's trainers, the partnership's training
 * administrators, as the policy says. Reads are audited when `auditRead` is given.
 */
export async function requireBooking(
  db: Db,
  ctx: RequestContext,
  id: string,
  action: Action,
  opts: { auditRead?: string; lock?: boolean } = {},
): Promise<{ booking: BookingRow; session: SessionRow; course: CourseRow }> {
  if (!isUuid(id)) throw new NotFoundError('Booking');
  const q = db.select().from(learningBookings).where(eq(learningBookings.id, id));
  const [booking] = opts.lock ? await q.for('update') : await q;
  if (!booking) throw new NotFoundError('Booking');
  const { session, course } = await loadSession(db, booking.sessionId);
  authorizeContext(ctx, action, await bookingResource(db, ctx, booking, course));
  if (opts.auditRead)
    await recordAuditNow(db, ctx, {
      action: opts.auditRead,
      verb: 'R',
      entityType: 'LearningBooking',
      entityId: booking.id,
      detail: { sessionId: session.id, courseId: course.id, userId: booking.userId },
    });
  return { booking, session, course };
}

/**
 * A person's training record, if this person may read it: themselves, their named line manager, a
 * safeguarding lead of an organisation they belong to, a training administrator of the partnership
 * their organisation is in, an auditor. The read is audited.
 */
export async function requirePersonRecord(db: Db, ctx: RequestContext, userId: string): Promise<void> {
  if (!isUuid(userId)) throw new NotFoundError('Person');
  const orgs = (await membershipsFor(db, userId)).map((m) => m.organisationId);
  const actorOrg = ctx.actor?.organisationId;
  let inActorsArea = false;
  if (ctx.actor) {
    const area = new Set(await organisationsAreaIds(db, ctx.actor.organisationId));
    for (const o of orgs) {
      const g = await organisationGeographyId(db, o);
      if (g && area.has(g)) inActorsArea = true;
    }
  }
  const manager = await lineManagerOf(db, userId);
  authorizeContext(ctx, 'learning.record', {
    userId,
    organisationId: actorOrg && orgs.includes(actorOrg) ? actorOrg : (orgs[0] ?? null),
    managerUserIds: manager ? [manager] : [],
    inActorsArea,
  });
  if (ctx.actor?.userId !== userId)
    await recordAuditNow(db, ctx, { action: 'learning.record.view', verb: 'R', entityType: 'Person', entityId: userId, detail: {} });
}

/**
 * The bookings this person may take `action` on, as SQL on learning_bookings (joined to sessions and
 * courses), from the same rules as {@link requireBooking}.
 */
export async function bookingScope(db: Db, ctx: RequestContext, action: Action): Promise<SQL | undefined> {
  if (!ctx.actor) return ctx.system ? undefined : sql`false`;
  const actor = ctx.actor;
  return sqlScope(
    scopeFor(actor, action),
    {
      self: () => eq(learningBookings.userId, actor.userId),
      managerOf: () =>
        or(
          eq(learningBookings.managerUserId, actor.userId),
          inArray(
            learningBookings.userId,
            db.select({ id: learningProfiles.userId }).from(learningProfiles).where(eq(learningProfiles.lineManagerUserId, actor.userId)),
          ),
        )!,
      ownOrganisation: () => eq(learningBookings.organisationId, actor.organisationId),
      trainsSession: () =>
        inArray(
          learningBookings.sessionId,
          db.select({ id: learningSessionTrainers.sessionId }).from(learningSessionTrainers).where(eq(learningSessionTrainers.userId, actor.userId)),
        ),
      inArea: async () => {
        const ids = await organisationsAreaIds(db, actor.organisationId);
        return ids.length
          ? inArray(
              learningBookings.sessionId,
              db
                .select({ id: learningSessions.id })
                .from(learningSessions)
                .innerJoin(learningCourses, eq(learningCourses.id, learningSessions.courseId))
                .where(inArray(learningCourses.geographyId, ids)),
            )
          : sql`false`;
      },
    },
    'learning bookings',
  );
}

/** Courses whose results this person may read (partnership area, sessions they train, or all). */
export async function courseResultsScope(db: Db, ctx: RequestContext): Promise<SQL | undefined> {
  if (!ctx.actor) return ctx.system ? undefined : sql`false`;
  const actor = ctx.actor;
  return sqlScope(
    scopeFor(actor, 'learning.results'),
    {
      inArea: async () => {
        const ids = await organisationsAreaIds(db, actor.organisationId);
        return ids.length ? inArray(learningCourses.geographyId, ids) : sql`false`;
      },
      trainsSession: () =>
        inArray(
          learningCourses.id,
          db
            .select({ id: learningSessions.courseId })
            .from(learningSessions)
            .innerJoin(
              learningSessionTrainers,
              and(eq(learningSessionTrainers.sessionId, learningSessions.id), eq(learningSessionTrainers.userId, actor.userId)),
            ),
        ),
    },
    'learning results',
  );
}

export type RoundRow = typeof learningReviewRounds.$inferSelect;

/**
 * A review round of the learning needs analysis, if this person may take `action` on it (its partnership's
 * training administrators and managers read it; administrators change it). `lock` holds the row.
 */
export async function requireRound(db: Db, ctx: RequestContext, id: string, action: Action, opts: { lock?: boolean } = {}): Promise<RoundRow> {
  if (!isUuid(id)) throw new NotFoundError('Review round');
  const q = db.select().from(learningReviewRounds).where(eq(learningReviewRounds.id, id));
  const [row] = opts.lock ? await q.for('update') : await q;
  if (!row) throw new NotFoundError('Review round');
  authorizeContext(ctx, action, { inActorsArea: await inArea(db, ctx, row.geographyId) });
  return row;
}

/** The partnership areas whose needs analysis this person may read, as a condition on a geography column (undefined: all). */
export async function needsScope(db: Db, ctx: RequestContext, column: typeof learningReviewRounds.geographyId | typeof learningCourses.geographyId) {
  if (!ctx.actor) return ctx.system ? undefined : sql`false`;
  const actor = ctx.actor;
  return sqlScope(
    scopeFor(actor, 'learning.needs'),
    {
      inArea: async () => {
        const ids = await organisationsAreaIds(db, actor.organisationId);
        return ids.length ? inArray(column, ids) : sql`false`;
      },
    },
    'learning needs analysis',
  );
}
