/**
 * The register: a session's trainers (or the partnership's training administrators) mark each booked
 * delegate attended, left early or did not attend, or everyone attended with exceptions. Attending sends
 * the end-of-session evaluation (which unlocks the certificate); not attending is told to the delegate and
 * their line manager. One transaction for the register, its audit event and the messages.
 */
import { and, eq } from 'drizzle-orm';
import PDFDocument from 'pdfkit';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { recordAudit } from '../platform/audit/service';
import { ForbiddenError, NotFoundError, ValidationError } from '../platform/errors';
import { users } from '../platform/auth/schema';
import { formatDate } from '../platform/http/views';
import { learningBookings } from './schema';
import { lineManagerOf, requireBooking, requireSession } from './access';
import { ATTENDANCE, ATTENDANCE_LABELS, type Attendance, TOPIC_LABELS, type Topic } from './model';
import { tell } from './notices';
import { answeredKinds, familyOf, requestSurvey } from './surveys';

const MARKABLE: readonly Attendance[] = ['attended', 'left_early', 'did_not_attend'];

/**
 * Mark the register. `raw` maps `attendance.<bookingId>` to attended / left_early / did_not_attend; with
 * `everyone=attended`, everyone booked and not otherwise marked attended. Opens when the session starts.
 */
export async function markRegister(db: Db, ctx: RequestContext, sessionId: string, raw: unknown, now = new Date()): Promise<{ marked: number }> {
  const given = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const everyone = given.everyone === 'attended' || given.everyone === true;
  const marks = new Map<string, Attendance>();
  const problems: Record<string, string> = {};
  for (const [k, v] of Object.entries(given)) {
    const m = /^attendance\.(.+)$/.exec(k);
    if (!m) continue;
    const value = String(Array.isArray(v) ? v[v.length - 1] : v);
    if (value === '') continue;
    if (!(MARKABLE as readonly string[]).includes(value)) problems[k] = 'Choose attended, left early or did not attend';
    else marks.set(m[1]!, value as Attendance);
  }
  if (Object.keys(problems).length) throw new ValidationError(problems);
  return db.transaction(async (tx) => {
    const { session, course } = await requireSession(tx, ctx, sessionId, 'learning.register', { lock: true });
    if (session.status === 'cancelled') throw new ValidationError({ form: 'This session was cancelled, so it has no register' });
    if (session.startsAt && session.startsAt > now) throw new ValidationError({ form: 'The register opens when the session starts' });
    const booked = await tx
      .select()
      .from(learningBookings)
      .where(and(eq(learningBookings.sessionId, sessionId), eq(learningBookings.status, 'booked')));
    for (const id of marks.keys())
      if (!booked.some((b) => b.id === id)) throw new ValidationError({ [`attendance.${id}`]: 'This person is not booked on this session' });
    if (!marks.size && !everyone) throw new ValidationError({ form: 'Mark at least one person, or choose “Everyone attended”' });
    let marked = 0;
    for (const b of booked) {
      const value = marks.get(b.id) ?? (everyone && !b.attendance ? 'attended' : null);
      if (!value || value === b.attendance) continue;
      await tx
        .update(learningBookings)
        .set({ attendance: value, attendanceMarkedAt: now, attendanceMarkedBy: ctx.actor?.displayName ?? 'system', updatedAt: now })
        .where(eq(learningBookings.id, b.id));
      marked++;
      if (value === 'attended' || value === 'left_early') await requestSurvey(tx, { ...b, attendance: value }, course, 'immediate', now);
      if (value === 'did_not_attend') {
        const notice = `${course.title}${session.startsAt ? ` on ${formatDate(session.startsAt)}` : ''}: you were recorded as not attending. Speak to the training team if this is wrong, and book another date`;
        await tell(tx, { kind: 'did_not_attend', bookingId: b.id, userId: b.userId, notice, href: `/learning/courses/${course.id}` });
        const manager = b.managerUserId ?? (await lineManagerOf(tx, b.userId));
        if (manager) await tell(tx, { kind: 'did_not_attend', bookingId: b.id, userId: manager, notice: null, key: 'manager' });
      }
    }
    await recordAudit(tx, ctx, {
      action: 'learning.register.mark',
      verb: 'U',
      entityType: 'LearningSession',
      entityId: sessionId,
      detail: { marked, everyone, marks: Object.fromEntries(marks) },
    });
    return { marked };
  });
}

export const attendanceLabel = (a: string | null) => (a && (ATTENDANCE as readonly string[]).includes(a) ? ATTENDANCE_LABELS[a as Attendance] : 'Not marked');

/** Whether a certificate can be issued, from what is known: attended, and the end-of-session evaluation answered where the course has one. */
export function certificateReadiness(
  attendance: string | null,
  hasImmediateSurvey: boolean,
  answeredImmediate: boolean,
): { ready: boolean; reason: string | null } {
  if (attendance !== 'attended') return { ready: false, reason: 'A certificate is issued once the trainer records that you attended.' };
  if (hasImmediateSurvey && !answeredImmediate) return { ready: false, reason: 'Answer the end-of-session evaluation to unlock your certificate.' };
  return { ready: true, reason: null };
}

/** Whether a booking's certificate can be issued: attended, and the end-of-session evaluation answered (if the course has one). */
export async function certificateState(db: Db, booking: { id: string; attendance: string | null }, course: { immediateSurveyFamilyId: string | null }) {
  const answered = !!course.immediateSurveyFamilyId && !!(await answeredKinds(db, [booking.id])).get(booking.id)?.has('immediate');
  return certificateReadiness(booking.attendance, !!course.immediateSurveyFamilyId, answered);
}

/** The certificate of attendance as a PDF, for the delegate (or anyone who may read their record). */
export async function certificatePdf(db: Db, ctx: RequestContext, bookingId: string): Promise<{ pdf: Buffer; filename: string }> {
  const { booking, session, course } = await requireBooking(db, ctx, bookingId, 'learning.record', { auditRead: 'learning.certificate' });
  const state = await certificateState(db, booking, { ...course, immediateSurveyFamilyId: familyOf(course, 'immediate') });
  if (!state.ready) throw new ValidationError({ form: state.reason! });
  const [person] = await db.select({ name: users.displayName }).from(users).where(eq(users.id, booking.userId));
  if (!person) throw new NotFoundError('Person');
  if (!ctx.actor && !ctx.system) throw new ForbiddenError('learning.record');
  const doc = new PDFDocument({ size: 'A4', layout: 'landscape', margin: 56, info: { Title: `Certificate: ${course.title}`, Author: 'Beacon' } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve) => doc.on('end', () => resolve()));
  const w = doc.page.width - 112;
  doc
    .rect(28, 28, doc.page.width - 56, doc.page.height - 56)
    .lineWidth(3)
    .stroke('#005eb8');
  doc.moveDown(2).font('Helvetica-Bold').fontSize(30).fillColor('#005eb8').text('Certificate of attendance', { align: 'center', width: w });
  doc.moveDown(1).font('Helvetica').fontSize(16).fillColor('#212b32').text('This is to certify that', { align: 'center', width: w });
  doc.moveDown(0.5).font('Helvetica-Bold').fontSize(26).text(person.name, { align: 'center', width: w });
  doc.moveDown(0.5).font('Helvetica').fontSize(16).text('attended the multi-agency safeguarding training', { align: 'center', width: w });
  doc.moveDown(0.5).font('Helvetica-Bold').fontSize(20).text(course.title, { align: 'center', width: w });
  const when = session.startsAt ? `on ${formatDate(session.startsAt)}` : 'as e-learning';
  doc
    .moveDown(0.5)
    .font('Helvetica')
    .fontSize(14)
    .text(`${when}, ${Math.round((course.durationMinutes / 60) * 10) / 10} hours of learning`, { align: 'center', width: w });
  doc
    .moveDown(0.8)
    .fontSize(12)
    .fillColor('#4c6272')
    .text(`Topics: ${course.topics.map((t) => TOPIC_LABELS[t as Topic] ?? t).join(', ')}`, { align: 'center', width: w });
  doc.moveDown(2).fontSize(10).text(`Issued by Beacon for the safeguarding partnership. Certificate reference ${booking.id}.`, { align: 'center', width: w });
  doc.end();
  await done;
  return {
    pdf: Buffer.concat(chunks),
    filename: `certificate-${course.title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .slice(0, 60)}.pdf`,
  };
}
