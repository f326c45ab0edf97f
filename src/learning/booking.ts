/**
 * Booking places. A place is taken inside one transaction holding the session's row lock, so however
 * many people book the last place at once exactly one gets it and the rest join the waiting list (the
 * concurrency test and `npm run bench:learning` check this on both engines). A freed place goes to the
 * longest waiting, automatically, until bookings close. Where the course needs it, the delegate's line
 * manager approves or declines (with a reason); an unanswered request is chased.
 */
import { and, asc, desc, eq, inArray, isNull, lt, ne, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { authorizeContext, authorizeList, can } from '../platform/auth/policy';
import { recordAudit } from '../platform/audit/service';
import { ForbiddenError, parseInput, ValidationError } from '../platform/errors';
import { users } from '../platform/auth/schema';
import { membershipsFor } from '../people/service';
import { organisations } from '../directory/schema';
import { learningBookings, learningCourses, learningProfiles, learningSessions } from './schema';
import { bookingResource, bookingScope, lineManagerOf, loadSession, requireBooking, requireSession, sessionResource, type BookingRow } from './access';
import { LIVE_STATUSES, managerSchema, optionalReasonSchema, reasonSchema } from './model';
import { decideBooking, decideCancellation, promotions } from './rules';
import { tell } from './notices';

async function placesTaken(tx: Db, sessionId: string): Promise<number> {
  const [r] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(learningBookings)
    .where(and(eq(learningBookings.sessionId, sessionId), inArray(learningBookings.status, ['booked', 'awaiting_approval'])));
  return Number(r?.n ?? 0);
}

/** An active Beacon account by its email address (any case), or null. */
export async function userByEmail(db: Db, email: string) {
  const [u] = await db
    .select({ id: users.id, displayName: users.displayName, email: users.email, active: users.active })
    .from(users)
    .where(eq(sql`lower(${users.email})`, email.trim().toLowerCase()));
  return u && u.active ? u : null;
}

export interface BookResult {
  id: string;
  status: BookingRow['status'];
}

/**
 * Book a place on a session: for yourself, or (a training administrator of the course's partnership) for
 * someone else by their email. Refused with a reason for a cancelled or past session, closed bookings, and a
 * second booking of the same session.
 */
export async function bookPlace(db: Db, ctx: RequestContext, sessionId: string, raw: unknown = {}, now = new Date()): Promise<BookResult> {
  const actor = ctx.actor;
  if (!actor) throw new ForbiddenError('learning.book');
  const given = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  // Sending an email at all asks to book someone else: authorised first, then the address checked.
  const forSomeoneElse = Object.hasOwn(given, 'email');
  const forEmail = typeof given.email === 'string' ? given.email.trim() : '';
  const { session: s0, course } = await requireSession(db, ctx, sessionId, 'learning.browse');
  let delegate: { id: string; displayName: string };
  if (forSomeoneElse) {
    const u = forEmail ? await userByEmail(db, forEmail) : null;
    const res = await sessionResource(db, ctx, s0, course);
    authorizeContext(ctx, 'learning.book', { ...res, userId: u?.id ?? '' });
    if (!forEmail) throw new ValidationError({ email: 'Enter the email address of the person to book' });
    if (!u) throw new ValidationError({ email: `No active Beacon account has the email ${forEmail}` });
    delegate = u;
  } else {
    authorizeContext(ctx, 'learning.book', { userId: actor.userId });
    delegate = { id: actor.userId, displayName: actor.displayName };
  }
  const own = delegate.id === actor.userId;
  const membership = own ? { organisationId: actor.organisationId, role: actor.role } : (await membershipsFor(db, delegate.id))[0];
  if (!membership) throw new ValidationError({ email: `${delegate.displayName} has no active role in an organisation, so cannot be booked` });
  // A booking made by the training team is approved by them; one a delegate makes waits for their manager.
  const manager = await lineManagerOf(db, delegate.id);
  const needsApproval = course.approvalRequired && own;
  if (needsApproval && !manager)
    throw new ValidationError({
      managerEmail: 'This course needs your line manager’s approval. Name your line manager on your training page first',
    });

  try {
    return await db.transaction(async (tx) => {
      const { session } = await loadSession(tx, sessionId, true);
      const [existing] = await tx
        .select({ id: learningBookings.id, status: learningBookings.status })
        .from(learningBookings)
        .where(and(eq(learningBookings.sessionId, sessionId), eq(learningBookings.userId, delegate.id), inArray(learningBookings.status, [...LIVE_STATUSES])));
      if (existing)
        throw new ValidationError({
          form: `${own ? 'You are' : `${delegate.displayName} is`} already ${existing.status === 'waiting' ? 'on the waiting list for' : 'booked on'} this session`,
        });
      const decision = decideBooking(session, await placesTaken(tx, sessionId), now);
      if (!decision.ok) throw new ValidationError({ form: decision.message });
      const status = decision.outcome === 'waiting' ? 'waiting' : needsApproval ? 'awaiting_approval' : 'booked';
      const [row] = await tx
        .insert(learningBookings)
        .values({
          sessionId,
          userId: delegate.id,
          organisationId: membership.organisationId,
          role: membership.role,
          managerUserId: needsApproval ? manager : null,
          bookedByUserId: actor.userId,
          status,
          waitingSince: status === 'waiting' ? now : null,
          createdAt: now,
          updatedAt: now,
        })
        .returning({ id: learningBookings.id });
      const id = row!.id;
      const href = `/learning/sessions/${sessionId}`;
      if (status === 'booked')
        await tell(tx, {
          kind: 'booked',
          bookingId: id,
          userId: delegate.id,
          notice: `${course.title}: your place is booked. A calendar invitation has been emailed to you`,
          href,
        });
      else if (status === 'waiting')
        await tell(tx, {
          kind: 'waiting',
          bookingId: id,
          userId: delegate.id,
          notice: `${course.title}: the session is full, so you are on the waiting list. If a place is freed before bookings close it is yours, and you will be told`,
          href,
        });
      else {
        await tell(tx, {
          kind: 'approval_requested',
          bookingId: id,
          userId: manager!,
          notice: `${actor.displayName} asks you to approve a place on ${course.title}`,
          href: '/learning/approvals',
        });
        await tell(tx, {
          kind: 'waiting',
          bookingId: id,
          userId: delegate.id,
          notice: `${course.title}: your place is held while your line manager approves it`,
          href,
          key: 'approval',
        });
      }
      await recordAudit(tx, ctx, {
        action: 'learning.booking.create',
        verb: 'C',
        entityType: 'LearningBooking',
        entityId: id,
        detail: { sessionId, courseId: course.id, userId: delegate.id, status, forSomeoneElse: !own },
      });
      return { id, status };
    });
  } catch (err) {
    // Two requests for the same person at once: the unique index refuses the second.
    if (/learning_bookings_live_unique/.test(String((err as Error).message) + String((err as { cause?: Error }).cause?.message)))
      throw new ValidationError({ form: `${own ? 'You are' : `${delegate.displayName} is`} already booked on this session` });
    throw err;
  }
}

/**
 * Give freed places to the longest waiting, in the caller's transaction (which holds the session's lock):
 * a place on a course that needs approval goes to the delegate's manager first.
 */
export async function promoteWaiting(tx: Db, sessionId: string, now = new Date()): Promise<number> {
  const { session, course } = await loadSession(tx, sessionId, true);
  const waiting = await tx
    .select({
      id: learningBookings.id,
      waitingSince: learningBookings.waitingSince,
      userId: learningBookings.userId,
      managerUserId: learningBookings.managerUserId,
    })
    .from(learningBookings)
    .where(and(eq(learningBookings.sessionId, sessionId), eq(learningBookings.status, 'waiting')))
    .orderBy(asc(learningBookings.waitingSince));
  const ids = promotions(
    session,
    await placesTaken(tx, sessionId),
    waiting.map((w) => ({ id: w.id, waitingSince: w.waitingSince ?? new Date(0) })),
    now,
  );
  for (const id of ids) {
    const w = waiting.find((x) => x.id === id)!;
    const needsApproval = course.approvalRequired && !!w.managerUserId;
    await tx
      .update(learningBookings)
      .set({ status: needsApproval ? 'awaiting_approval' : 'booked', waitingSince: null, updatedAt: now })
      .where(eq(learningBookings.id, id));
    await tell(tx, {
      kind: 'promoted',
      bookingId: id,
      userId: w.userId,
      notice: needsApproval
        ? `${course.title}: a place has come up for you and is held while your line manager approves it`
        : `${course.title}: a place has come up and is now yours. A calendar invitation has been emailed to you`,
      href: `/learning/sessions/${sessionId}`,
    });
    if (needsApproval)
      await tell(tx, {
        kind: 'approval_requested',
        bookingId: id,
        userId: w.managerUserId!,
        notice: `A place on ${course.title} needs your approval`,
        href: '/learning/approvals',
      });
  }
  return ids.length;
}

/**
 * Cancel a place: the delegate until the cancellation cut-off; after it, only a training administrator
 * (recorded as a late cancellation). The place goes to the waiting list.
 */
export async function cancelBooking(db: Db, ctx: RequestContext, bookingId: string, raw: unknown = {}, now = new Date()): Promise<void> {
  const actor = ctx.actor;
  const { booking: b0, course } = await requireBooking(db, ctx, bookingId, 'learning.book');
  const byAdministrator = can(actor, 'learning.manage', await bookingResource(db, ctx, b0, course));
  const { reason } = parseInput(optionalReasonSchema, raw);
  await db.transaction(async (tx) => {
    const { session } = await loadSession(tx, b0.sessionId, true);
    const { booking } = await requireBooking(tx, ctx, bookingId, 'learning.book', { lock: true });
    if (!(LIVE_STATUSES as readonly string[]).includes(booking.status))
      throw new ValidationError({ form: 'This booking has already been cancelled or declined' });
    const decision = decideCancellation(session, now, byAdministrator);
    if (!decision.ok) throw new ValidationError({ form: decision.message });
    const late = decision.late && booking.status === 'booked';
    await tx
      .update(learningBookings)
      .set({ status: 'cancelled', cancelledAt: now, decisionReason: reason, attendance: late ? 'cancelled_late' : null, updatedAt: now })
      .where(eq(learningBookings.id, bookingId));
    const own = booking.userId === actor?.userId;
    await tell(tx, {
      kind: 'cancelled',
      bookingId,
      userId: booking.userId,
      notice: `${course.title}: ${own ? 'you cancelled your place' : 'your place was cancelled by the training team'}${reason ? ` (${reason})` : ''}`,
      href: `/learning/courses/${course.id}`,
    });
    await recordAudit(tx, ctx, {
      action: 'learning.booking.cancel',
      verb: 'U',
      entityType: 'LearningBooking',
      entityId: bookingId,
      ...(reason ? { reason } : {}),
      detail: { sessionId: session.id, late, previous: booking.status },
    });
    await promoteWaiting(tx, session.id, now);
  });
}

/** The line manager approves or declines (with a reason) a place they were asked about. */
export async function decideApproval(
  db: Db,
  ctx: RequestContext,
  bookingId: string,
  decision: 'approve' | 'decline',
  raw: unknown = {},
  now = new Date(),
): Promise<void> {
  const { booking: b0 } = await requireBooking(db, ctx, bookingId, 'learning.approve');
  const reason = decision === 'decline' ? parseInput(reasonSchema, raw).reason : parseInput(optionalReasonSchema, raw).reason;
  await db.transaction(async (tx) => {
    await loadSession(tx, b0.sessionId, true);
    const { booking, course } = await requireBooking(tx, ctx, bookingId, 'learning.approve', { lock: true });
    if (booking.status !== 'awaiting_approval')
      throw new ValidationError({ form: `This request has already been dealt with: the booking is ${booking.status.replace('_', ' ')}` });
    await tx
      .update(learningBookings)
      .set({ status: decision === 'approve' ? 'booked' : 'declined', decisionReason: reason, decidedAt: now, updatedAt: now })
      .where(eq(learningBookings.id, bookingId));
    await tell(tx, {
      kind: decision === 'approve' ? 'approved' : 'declined',
      bookingId,
      userId: booking.userId,
      notice:
        decision === 'approve'
          ? `${course.title}: your line manager approved your place. A calendar invitation has been emailed to you`
          : `${course.title}: your line manager declined your place: ${reason}`,
      href: `/learning/sessions/${booking.sessionId}`,
    });
    await recordAudit(tx, ctx, {
      action: `learning.booking.${decision}`,
      verb: 'U',
      entityType: 'LearningBooking',
      entityId: bookingId,
      ...(reason ? { reason } : {}),
      detail: { sessionId: booking.sessionId },
    });
    if (decision === 'decline') await promoteWaiting(tx, booking.sessionId, now);
  });
}

/** Name your line manager (who approves bookings that need it and sees your training record). */
export async function setLineManager(db: Db, ctx: RequestContext, raw: unknown): Promise<{ managerName: string }> {
  const actor = ctx.actor;
  if (!actor) throw new ForbiddenError('learning.book');
  authorizeContext(ctx, 'learning.book', { userId: actor.userId });
  const { managerEmail } = parseInput(managerSchema, raw);
  const manager = await userByEmail(db, managerEmail);
  if (!manager) throw new ValidationError({ managerEmail: `No active Beacon account has the email ${managerEmail}. Check it with your manager` });
  if (manager.id === actor.userId) throw new ValidationError({ managerEmail: 'Enter your line manager’s email address, not your own' });
  await db.transaction(async (tx) => {
    await tx
      .insert(learningProfiles)
      .values({ userId: actor.userId, lineManagerUserId: manager.id })
      .onConflictDoUpdate({ target: learningProfiles.userId, set: { lineManagerUserId: manager.id, updatedAt: new Date() } });
    await recordAudit(tx, ctx, {
      action: 'learning.profile.manager',
      verb: 'U',
      entityType: 'Person',
      entityId: actor.userId,
      detail: { managerUserId: manager.id },
    });
  });
  return { managerName: manager.displayName };
}

export const APPROVAL_CHASE_AFTER_MS = 3 * 86_400_000;

/** The scheduled job: requests unanswered for three days are chased once (the manager is emailed again). */
export async function chaseApprovals(db: Db, now = new Date()): Promise<number> {
  return db.transaction(async (tx) => {
    const due = await tx
      .update(learningBookings)
      .set({ approvalChasedAt: now })
      .where(
        and(
          eq(learningBookings.status, 'awaiting_approval'),
          isNull(learningBookings.approvalChasedAt),
          lt(learningBookings.updatedAt, new Date(now.getTime() - APPROVAL_CHASE_AFTER_MS)),
        ),
      )
      .returning({ id: learningBookings.id, managerUserId: learningBookings.managerUserId });
    for (const b of due)
      if (b.managerUserId) await tell(tx, { kind: 'approval_chase', bookingId: b.id, userId: b.managerUserId, notice: null, href: '/learning/approvals' });
    return due.length;
  });
}

// ── Lists ──────────────────────────────────────────────────────────────────────────────────────────

const bookingColumns = {
  booking: learningBookings,
  session: learningSessions,
  courseId: learningCourses.id,
  courseTitle: learningCourses.title,
  courseFormat: learningCourses.format,
  courseTopics: learningCourses.topics,
  immediateFamily: learningCourses.immediateSurveyFamilyId,
  delegateName: users.displayName,
  delegateEmail: users.email,
  organisationName: organisations.name,
};

function bookingsQuery(db: Db) {
  return db
    .select(bookingColumns)
    .from(learningBookings)
    .innerJoin(learningSessions, eq(learningSessions.id, learningBookings.sessionId))
    .innerJoin(learningCourses, eq(learningCourses.id, learningSessions.courseId))
    .innerJoin(users, eq(users.id, learningBookings.userId))
    .innerJoin(organisations, eq(organisations.id, learningBookings.organisationId));
}
export type BookingListRow = Awaited<ReturnType<ReturnType<typeof bookingsQuery>['execute']>>[number];

/** Your own bookings, newest session first. */
export async function myBookings(db: Db, ctx: RequestContext): Promise<BookingListRow[]> {
  const actor = ctx.actor;
  if (!actor) throw new ForbiddenError('learning.book');
  return bookingsQuery(db)
    .where(eq(learningBookings.userId, actor.userId))
    .orderBy(desc(sql`coalesce(${learningSessions.startsAt}, ${learningBookings.createdAt})`));
}

/** Requests waiting for your approval as line manager. */
export async function approvalsFor(db: Db, ctx: RequestContext): Promise<BookingListRow[]> {
  authorizeList(ctx, 'learning.approve');
  const scope = await bookingScope(db, ctx, 'learning.approve');
  return bookingsQuery(db)
    .where(and(eq(learningBookings.status, 'awaiting_approval'), scope))
    .orderBy(asc(learningBookings.createdAt));
}

/** A session's bookings and waiting list, for its register (trainers, administrators). The read is audited. */
export async function sessionBookings(db: Db, ctx: RequestContext, sessionId: string): Promise<BookingListRow[]> {
  await requireSession(db, ctx, sessionId, 'learning.register');
  const list = await bookingsQuery(db)
    .where(eq(learningBookings.sessionId, sessionId))
    .orderBy(asc(learningBookings.status), asc(sql`coalesce(${learningBookings.waitingSince}, ${learningBookings.createdAt})`), asc(users.displayName));
  await recordAudit(db, ctx, {
    action: 'learning.session.bookings',
    verb: 'R',
    entityType: 'LearningSession',
    entityId: sessionId,
    detail: { bookings: list.length },
  });
  return list;
}

/**
 * The training records this person may see of other people: their team (as named line manager), their
 * organisation's (a safeguarding lead), the partnership's (a training administrator), every one (auditor).
 * Completed and booked training, newest first; the read is audited.
 */
export async function teamRecords(db: Db, ctx: RequestContext, limit = 500): Promise<BookingListRow[]> {
  authorizeList(ctx, 'learning.record');
  const scope = await bookingScope(db, ctx, 'learning.record');
  const actor = ctx.actor;
  const list = await bookingsQuery(db)
    .where(
      and(scope, actor ? ne(learningBookings.userId, actor.userId) : undefined, inArray(learningBookings.status, ['booked', 'awaiting_approval', 'waiting'])),
    )
    .orderBy(asc(users.displayName), desc(learningSessions.startsAt))
    .limit(limit);
  await recordAudit(db, ctx, { action: 'learning.record.list', verb: 'R', entityType: 'Person', detail: { rows: list.length } });
  return list;
}

/** One person's bookings (their training record), for someone allowed to read it (see requirePersonRecord). */
export async function bookingsOf(db: Db, userId: string): Promise<BookingListRow[]> {
  return bookingsQuery(db)
    .where(eq(learningBookings.userId, userId))
    .orderBy(desc(sql`coalesce(${learningSessions.startsAt}, ${learningBookings.createdAt})`));
}

/** How many places wait for this person's approval as line manager (the menu's count). */
export async function approvalsWaitingCount(db: Db, ctx: RequestContext): Promise<number> {
  if (!ctx.actor) return 0;
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(learningBookings)
    .where(and(eq(learningBookings.status, 'awaiting_approval'), eq(learningBookings.managerUserId, ctx.actor.userId)));
  return Number(r?.n ?? 0);
}
