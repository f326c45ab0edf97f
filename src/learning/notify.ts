/**
 * Learning's jobs. The email job builds each message from the booking as it is when the job runs (a
 * calendar invitation for a confirmed place, a cancellation for a withdrawn one) and sends it with a
 * message id made from its idempotency key, so a retried job is the same message. The tick, every 15
 * minutes, sends reminders before sessions, chases unanswered approvals, sends follow-up surveys and
 * reminds non-responders: each is marked done in the same transaction as the message it queues.
 */
import { and, eq, gte, inArray, isNull, lte, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import { recordAudit } from '../platform/audit/service';
import { systemContext } from '../platform/context';
import type { Mailer } from '../platform/notify/mailer';
import { users } from '../platform/auth/schema';
import { formatDateTime } from '../platform/http/views';
import { isUuid } from '../directory/service';
import { learningBookings, learningCourses, learningSessions, learningSurveyRequests } from './schema';
import { lineManagerOf, loadSession } from './access';
import { chaseApprovals } from './booking';
import { invitationIcs } from './invitation';
import { type MessageKind, tell } from './notices';
import { followUpDueAt, reminderRun, SURVEY_OPEN_DAYS, surveyReminderDue } from './rules';
import { requestSurvey } from './surveys';
import type { SurveyKind } from './model';

export const LEARNING_TICK_JOB = 'learning.tick';
/** The furthest before a session a course may remind people (model.ts reminderDaysSchema). */
const MAX_REMINDER_DAYS = 60;

interface EmailPayload {
  kind: MessageKind;
  bookingId: string;
  userId: string;
  key?: string | number;
}

/** Send one learning email. Returns false when there is nothing to send (the booking or person is gone). */
export async function sendLearningEmail(db: Db, mailer: Mailer, publicUrl: string, p: EmailPayload): Promise<boolean> {
  if (!isUuid(String(p.bookingId)) || !isUuid(String(p.userId))) return false;
  const [b] = await db.select().from(learningBookings).where(eq(learningBookings.id, p.bookingId));
  if (!b) return false;
  const { session, course } = await loadSession(db, b.sessionId);
  const [to] = await db.select({ email: users.email, name: users.displayName, active: users.active }).from(users).where(eq(users.id, p.userId));
  const [delegate] = await db.select({ email: users.email, name: users.displayName }).from(users).where(eq(users.id, b.userId));
  if (!to?.active || !delegate) return false;
  const when = session.startsAt ? formatDateTime(session.startsAt) : 'self-paced e-learning';
  const link = `${publicUrl}/learning/sessions/${session.id}`;
  const place = session.venue ? `Venue: ${session.venue}` : session.joiningLink ? `Joining link: ${session.joiningLink}` : '';
  let subject: string;
  let lines: string[];
  let invite: 'REQUEST' | 'CANCEL' | null = null;
  switch (p.kind) {
    case 'booked':
    case 'approved':
    case 'promoted':
      if (b.status === 'awaiting_approval') {
        subject = `A place on ${course.title} is held for you`;
        lines = [`A place on ${course.title} (${when}) is held for you while your line manager approves it.`];
      } else {
        subject = `Your place on ${course.title}, ${when}`;
        lines = [`Your place on ${course.title} is confirmed: ${when}.`, place, 'The calendar invitation is attached.'];
        invite = b.status === 'booked' ? 'REQUEST' : null;
      }
      break;
    case 'waiting':
      subject = `${course.title}: ${b.status === 'awaiting_approval' ? 'waiting for your manager’s approval' : 'you are on the waiting list'}`;
      lines =
        b.status === 'awaiting_approval'
          ? [`Your place on ${course.title} (${when}) is held while your line manager approves it.`]
          : [
              `${course.title} (${when}) is full, so you are on the waiting list. If a place is freed before bookings close it is yours, and we will email you.`,
            ];
      break;
    case 'approval_requested':
    case 'approval_chase':
      subject = `${p.kind === 'approval_chase' ? 'Reminder: ' : ''}${delegate.name} asks to attend ${course.title}`;
      lines = [`${delegate.name} has asked for a place on ${course.title} (${when}). As their line manager, please approve or decline it in Beacon.`];
      break;
    case 'declined':
      subject = `${course.title}: your place was not approved`;
      lines = [`Your line manager declined your place on ${course.title} (${when}): ${b.decisionReason ?? ''}`];
      invite = 'CANCEL';
      break;
    case 'cancelled':
      subject = `${course.title}: your place is cancelled`;
      lines = [`Your place on ${course.title} (${when}) has been cancelled.`];
      invite = 'CANCEL';
      break;
    case 'session_changed':
      subject = `${course.title} has changed: now ${when}`;
      lines = [`The session of ${course.title} you are booked on has changed. It is now ${when}.`, place, 'The updated calendar invitation is attached.'];
      invite = b.status === 'booked' ? 'REQUEST' : null;
      break;
    case 'session_cancelled':
      subject = `${course.title} on ${when} is cancelled`;
      lines = [
        `The session of ${course.title} on ${when} has been cancelled${session.cancelledReason ? `: ${session.cancelledReason}` : ''}. Please book another date.`,
      ];
      invite = 'CANCEL';
      break;
    case 'reminder':
      if (b.status !== 'booked' || session.status !== 'scheduled') return false;
      subject = `Reminder: ${course.title}, ${when}`;
      lines = [
        `A reminder that you are booked on ${course.title}: ${when}.`,
        place,
        'If you can no longer attend, cancel your place in Beacon so someone on the waiting list can have it.',
      ];
      break;
    case 'did_not_attend':
      subject = `${course.title}: recorded as not attended`;
      lines =
        p.userId === b.userId
          ? [`You were recorded as not attending ${course.title} (${when}). If this is wrong, contact the training team; otherwise please book another date.`]
          : [`${delegate.name}, who you manage, was recorded as not attending ${course.title} (${when}).`];
      break;
    case 'survey':
    case 'survey_reminder': {
      const kind = String(p.key ?? 'immediate').replace(/^reminder-\d+-/, '') as SurveyKind;
      subject = `${p.kind === 'survey_reminder' ? 'Reminder: ' : ''}${course.title}: ${
        kind === 'follow_up'
          ? 'how is the learning working in your practice?'
          : kind === 'manager_follow_up'
            ? `is ${delegate.name}’s training showing in their practice?`
            : 'your evaluation'
      }`;
      lines = [
        kind === 'follow_up'
          ? `Some weeks ago you attended ${course.title}. Please tell us how you are now considering disguised compliance in your role: it takes five minutes.`
          : kind === 'manager_follow_up'
            ? `Some weeks ago ${delegate.name}, who names you as their line manager, attended ${course.title}. Please tell us whether you have seen the learning in their practice: three questions.`
            : `Please answer the evaluation of ${course.title}.${kind === 'immediate' ? ' It unlocks your certificate.' : ''}`,
        `${publicUrl}/learning/bookings/${b.id}/evaluation/${kind}`,
      ];
      break;
    }
    default:
      return false;
  }
  const content = invite && session.startsAt && session.endsAt ? invitationIcs(session, course, { method: invite, publicUrl, attendee: delegate }) : null;
  await mailer.send({
    to: to.email,
    subject: `[Beacon] ${subject}`,
    text: [`Dear ${to.name},`, '', ...lines.filter(Boolean), '', `Details: ${link}`, '', 'Beacon training'].join('\n'),
    messageId: `<learning-${p.kind}-${p.bookingId}-${p.userId}-${p.key ?? ''}@beacon>`.replace(/[^\w<>@.-]/g, '-'),
    ...(content && invite ? { icalEvent: { method: invite, content, filename: 'invitation.ics' } } : {}),
  });
  return true;
}

/** Reminders before sessions: the nearest due reminder, once per booking, for sessions in the next 15 days. */
export async function sendSessionReminders(db: Db, now = new Date()): Promise<number> {
  // Each course sets its own reminder days (default 14 and 2); the horizon is the furthest any course may set.
  const horizon = new Date(now.getTime() + (MAX_REMINDER_DAYS + 1) * 86_400_000);
  const upcoming = await db
    .select({ id: learningSessions.id })
    .from(learningSessions)
    .where(and(eq(learningSessions.status, 'scheduled'), gte(learningSessions.startsAt, now), lte(learningSessions.startsAt, horizon)));
  let sent = 0;
  for (const { id } of upcoming) {
    sent += await db.transaction(async (tx) => {
      const { session, course } = await loadSession(tx, id, true);
      const run = reminderRun(session.startsAt, course.reminderDays, session.remindersSent, now);
      if (!run.mark.length) return 0;
      await tx
        .update(learningSessions)
        .set({ remindersSent: [...session.remindersSent, ...run.mark] })
        .where(eq(learningSessions.id, id));
      const booked = await tx
        .select({ id: learningBookings.id, userId: learningBookings.userId })
        .from(learningBookings)
        .where(and(eq(learningBookings.sessionId, id), eq(learningBookings.status, 'booked')));
      for (const b of booked) await tell(tx, { kind: 'reminder', bookingId: b.id, userId: b.userId, notice: null, key: `${session.sequence}-${run.send}` });
      return booked.length;
    });
  }
  return sent;
}

/** Follow-up surveys: sent once the weeks after the session have passed, to those who attended (sessions of the last year). */
export async function sendFollowUps(db: Db, now = new Date()): Promise<number> {
  const yearAgo = new Date(now.getTime() - 365 * 86_400_000);
  const due = await db
    .select({ booking: learningBookings, course: learningCourses, endsAt: learningSessions.endsAt })
    .from(learningBookings)
    .innerJoin(learningSessions, eq(learningSessions.id, learningBookings.sessionId))
    .innerJoin(learningCourses, eq(learningCourses.id, learningSessions.courseId))
    .leftJoin(learningSurveyRequests, and(eq(learningSurveyRequests.bookingId, learningBookings.id), eq(learningSurveyRequests.kind, 'follow_up')))
    .where(
      and(
        inArray(learningBookings.attendance, ['attended', 'left_early']),
        isNull(learningSurveyRequests.id),
        sql`${learningCourses.followUpSurveyFamilyId} IS NOT NULL`,
        gte(learningSessions.endsAt, yearAgo),
        sql`${learningSessions.endsAt} + make_interval(weeks => ${learningCourses.followUpWeeks}) <= ${now.toISOString()}::timestamptz`,
      ),
    );
  let sent = 0;
  for (const d of due) {
    if (!d.endsAt || followUpDueAt(d.endsAt, d.course.followUpWeeks) > now) continue;
    const asked = await db.transaction(async (tx) => {
      if (!(await requestSurvey(tx, d.booking, d.course, 'follow_up', now))) return false;
      // Where the course asks for it, the delegate's line manager is asked too (the one named now, else the one who approved).
      const manager = d.course.followUpAskManager ? ((await lineManagerOf(tx, d.booking.userId)) ?? d.booking.managerUserId) : null;
      if (manager && manager !== d.booking.userId) await requestSurvey(tx, d.booking, d.course, 'manager_follow_up', now, SURVEY_OPEN_DAYS, manager);
      return true;
    });
    if (asked) sent++;
  }
  if (sent)
    await recordAudit(db, systemContext(LEARNING_TICK_JOB), { action: 'learning.follow_up.sent', verb: 'E', entityType: 'LearningSurvey', detail: { sent } });
  return sent;
}

/** Reminders to people who have not answered a survey: weekly, twice, while it is open. */
export async function remindNonResponders(db: Db, now = new Date()): Promise<number> {
  const open = await db
    .select()
    .from(learningSurveyRequests)
    .where(and(isNull(learningSurveyRequests.respondedAt), gte(learningSurveyRequests.closesAt, now)));
  let sent = 0;
  for (const r of open) {
    if (!surveyReminderDue(r, now)) continue;
    await db.transaction(async (tx) => {
      const [claimed] = await tx
        .update(learningSurveyRequests)
        .set({ remindersSent: r.remindersSent + 1, lastRemindedAt: now })
        .where(and(eq(learningSurveyRequests.id, r.id), eq(learningSurveyRequests.remindersSent, r.remindersSent), isNull(learningSurveyRequests.respondedAt)))
        .returning({ bookingId: learningSurveyRequests.bookingId });
      if (!claimed) return;
      const [b] = await tx.select({ userId: learningBookings.userId }).from(learningBookings).where(eq(learningBookings.id, r.bookingId));
      if (b) {
        await tell(tx, {
          kind: 'survey_reminder',
          bookingId: r.bookingId,
          userId: r.addresseeUserId ?? b.userId,
          notice: null,
          key: `reminder-${r.remindersSent + 1}-${r.kind}`,
        });
        sent++;
      }
    });
  }
  return sent;
}

/** The periodic job: everything time brings about, each part in its own transactions. */
export async function learningTick(db: Db, now = new Date()) {
  return {
    reminders: await sendSessionReminders(db, now),
    chased: await chaseApprovals(db, now),
    followUps: await sendFollowUps(db, now),
    surveyReminders: await remindNonResponders(db, now),
  };
}
