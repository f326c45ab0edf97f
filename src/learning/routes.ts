/**
 * Learning pages: the catalogue, a course and its sessions, booking and cancelling, your training, your
 * team's approvals and records, the register, evaluations and certificates, results, and the survey
 * builder. The services decide and record; these pages translate forms and show answers.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../platform/http/deps';
import { can, mayAtAll } from '../platform/auth/policy';
import { formErrors, handleForm } from '../platform/http/forms';
import { ROLE_LABELS, type Role } from '../platform/context';
import { cancelSession, createCourse, createSession, getCourse, listCatalogue, updateCourse, updateSession } from './catalogue';
import { approvalsFor, bookPlace, cancelBooking, decideApproval, myBookings, sessionBookings, setLineManager, teamRecords } from './booking';
import { attendanceLabel, certificatePdf, certificateReadiness, markRegister } from './attendance';
import {
  addQuestion,
  answeredKinds,
  createSurvey,
  getEvaluation,
  listSurveys,
  newSurveyVersion,
  pendingSurveys,
  publishSurvey,
  removeQuestion,
  requireSurvey,
  submitEvaluation,
} from './surveys';
import { courseResults, requireCourseResults, resultsCourses, resultsCsv } from './results';
import { PAGE_SIZE, questionAnswers, tagAnswer } from './themes';
import { invitationIcs } from './invitation';
import { noticesFor } from './notices';
import { lineManagerOf, requireSession, sessionResource } from './access';
import { barChartSvg } from '../platform/charts/svg';
import { users } from '../platform/auth/schema';
import { eq } from 'drizzle-orm';
import {
  AGENCIES,
  AGENCY_LABELS,
  BOOKING_STATUS_LABELS,
  type BookingStatus,
  CONFIDENCE_LABELS,
  DELEGATE_KINDS,
  FORMAT_LABELS,
  FORMATS,
  type Format,
  QUESTION_TYPE_LABELS,
  QUESTION_TYPES,
  RATING_LABELS,
  SURVEY_KIND_LABELS,
  SURVEY_KINDS,
  type SurveyKind,
  TOPIC_LABELS,
  TOPICS,
  type Topic,
} from './model';
import { bookingClosesAt, MIN_CELL, selfCancelUntil } from './rules';

const q = (req: FastifyRequest) => req.query as Record<string, string | undefined>;
const param = (req: FastifyRequest, name = 'id') => (req.params as Record<string, string>)[name]!;
const pageErrors = (fieldErrors: Record<string, string>) => formErrors(fieldErrors, (f) => (f === 'form' ? 'maincontent' : f.replace(/\./g, '-')));
const done = (text: string) => `done=${encodeURIComponent(text)}`;

export const topicLabel = (t: string) => TOPIC_LABELS[t as Topic] ?? t;
const topicItems = (checked: readonly string[]) => TOPICS.map((t) => ({ value: t, text: TOPIC_LABELS[t], checked: checked.includes(t) }));
const formatItems = (checked: string) => FORMATS.map((f) => ({ value: f, text: FORMAT_LABELS[f], checked: f === checked }));
const agencyItems = (checked: readonly string[]) => AGENCIES.map((a) => ({ value: a, text: AGENCY_LABELS[a], checked: checked.includes(a) }));

/** A London wall-clock date and time (the form's boxes) as an instant, or '' when left empty. */
export function londonInstant(date: string | undefined, time: string | undefined): string {
  const d = (date ?? '').trim();
  if (!d) return '';
  const t = (time ?? '').trim() || '00:00';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d) || !/^\d{1,2}:\d{2}$/.test(t)) return `${d}T${t}`;
  const [hh, mm] = t.split(':');
  const naive = Date.parse(`${d}T${hh!.padStart(2, '0')}:${mm}:00Z`);
  if (Number.isNaN(naive)) return `${d}T${t}`;
  // London is UTC or UTC+1: find the offset in force at that wall-clock time.
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(naive));
  const londonHour = Number(parts.find((p) => p.type === 'hour')?.value);
  const offset = (londonHour - new Date(naive).getUTCHours() + 24) % 24;
  return new Date(naive - offset * 3_600_000).toISOString();
}

/** An instant as the form's London date and time boxes. */
function londonParts(d: Date | null): { date: string; time: string } {
  if (!d) return { date: '', time: '' };
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/London',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const p = Object.fromEntries(f.formatToParts(d).map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}` };
}

/** The session form's boxes as the service's fields. */
function sessionInput(v: Record<string, string>) {
  return {
    startsAt: londonInstant(v.startDate, v.startTime),
    endsAt: v.startDate && v.endTime ? londonInstant(v.startDate, v.endTime) : '',
    venue: v.venue,
    joiningLink: v.joiningLink,
    capacity: v.capacity,
    bookingCutoffAt: londonInstant(v.bookingCutoffDate, v.bookingCutoffTime || '17:00'),
    cancellationCutoffAt: londonInstant(v.cancellationCutoffDate, v.cancellationCutoffTime || '17:00'),
    trainerEmails: v.trainerEmails,
  };
}
/** The service's field names as the form's boxes, for the error summary links. */
const SESSION_FIELD_IDS: Record<string, string> = {
  startsAt: 'startDate',
  endsAt: 'endTime',
  bookingCutoffAt: 'bookingCutoffDate',
  cancellationCutoffAt: 'cancellationCutoffDate',
};
const sessionErrors = (fe: Record<string, string>) => {
  const renamed = Object.fromEntries(Object.entries(fe).map(([k, v]) => [SESSION_FIELD_IDS[k] ?? k, v]));
  return { errors: pageErrors(renamed), inline: pageErrors(renamed).fields };
};

function courseFormValues(body: unknown): Record<string, unknown> {
  const b = (body ?? {}) as Record<string, unknown>;
  const list = (v: unknown) => (Array.isArray(v) ? v : v === undefined || v === '' ? [] : [v]);
  return { ...b, topics: list(b.topics), audienceAgencies: list(b.audienceAgencies) };
}

export const learningRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;
    const publicUrl = deps.config.publicUrl;

    // ── The catalogue ────────────────────────────────────────────────────────────────────────────────

    app.get('/learning', { config: { permission: 'learning.browse' } }, async (req, reply) => {
      const f = { topic: q(req).topic, format: q(req).format, from: q(req).from, to: q(req).to };
      const entries = await listCatalogue(db, req.ctx, f);
      return reply.page('learning/views/catalogue.njk', {
        title: 'Training',
        columnClass: 'nhsuk-grid-column-full',
        done: req.banner(),
        entries,
        filter: f,
        topics: [{ value: '', text: 'Any topic' }, ...TOPICS.map((t) => ({ value: t, text: TOPIC_LABELS[t], selected: t === f.topic }))],
        formats: [{ value: '', text: 'Any format' }, ...FORMATS.map((x) => ({ value: x, text: FORMAT_LABELS[x], selected: x === f.format }))],
        topicLabel,
        formatLabels: FORMAT_LABELS,
      });
    });

    async function renderCourseForm(
      _req: FastifyRequest,
      reply: FastifyReply,
      values: Record<string, unknown>,
      fieldErrors?: Record<string, string>,
      courseId?: string,
    ) {
      const list = (v: unknown) => (Array.isArray(v) ? (v as string[]) : typeof v === 'string' && v ? [v] : []);
      const e = fieldErrors ? pageErrors(fieldErrors) : undefined;
      return reply.code(fieldErrors ? 400 : 200).page('learning/views/course-form.njk', {
        title: courseId ? 'Change the course' : 'Add a course',
        back: { href: courseId ? `/learning/courses/${courseId}` : '/learning', text: 'Back' },
        action: courseId ? `/learning/courses/${courseId}` : '/learning/courses',
        editing: !!courseId,
        values,
        errors: e,
        inline: e?.fields ?? {},
        topics: topicItems(list(values.topics)),
        agencies: agencyItems(list(values.audienceAgencies)),
        formats: formatItems(String(values.format ?? '')),
      });
    }

    app.get('/learning/courses/new', { config: { permission: 'learning.manage' } }, async (req, reply) =>
      renderCourseForm(req, reply, { funded: 'yes', approvalRequired: 'no', followUpWeeks: '8', reminderDays: '14, 2', followUpAskManager: 'no' }),
    );
    app.post('/learning/courses', async (req, reply) =>
      handleForm(req, reply, {
        act: () => createCourse(db, req.ctx, courseFormValues(req.body)),
        next: (r) => `/learning/courses/${(r as { id: string }).id}?${done('The course has been added to the catalogue. Add its sessions')}`,
        rerender: (_v, _e, fe) => renderCourseForm(req, reply, courseFormValues(req.body), fe),
      }),
    );

    app.get('/learning/courses/:id', async (req, reply) => {
      const view = await getCourse(db, req.ctx, param(req));
      const actor = req.ctx.actor!;
      const mine = (await myBookings(db, req.ctx)).filter((b) => b.courseId === view.course.id);
      return reply.page('learning/views/course.njk', {
        title: view.course.title,
        back: { href: '/learning', text: 'All training' },
        done: req.banner(),
        ...view,
        mine,
        topicLabel,
        formatLabel: FORMAT_LABELS[view.course.format as Format],
        agencyLabels: AGENCY_LABELS,
        statusLabels: BOOKING_STATUS_LABELS,
        outcomes: view.course.outcomes.split(/\r?\n/).filter(Boolean),
        topicsText: view.course.topics.map(topicLabel).join(', '),
        canResults:
          mayAtAll(actor, 'learning.results') &&
          (await requireCourseResults(db, req.ctx, view.course.id).then(
            () => true,
            () => false,
          )),
      });
    });

    app.get('/learning/courses/:id/edit', async (req, reply) => {
      const { course, manages } = await getCourse(db, req.ctx, param(req));
      if (!manages) return reply.callNotFound();
      return renderCourseForm(
        req,
        reply,
        {
          ...course,
          durationMinutes: String(course.durationMinutes),
          funded: course.funded ? 'yes' : 'no',
          approvalRequired: course.approvalRequired ? 'yes' : 'no',
          costPounds: course.costPence ? (course.costPence / 100).toFixed(2) : '',
          followUpWeeks: String(course.followUpWeeks),
          reminderDays: course.reminderDays.join(', '),
          followUpAskManager: course.followUpAskManager ? 'yes' : 'no',
        },
        undefined,
        course.id,
      );
    });
    app.post('/learning/courses/:id', async (req, reply) =>
      handleForm(req, reply, {
        act: () => updateCourse(db, req.ctx, param(req), courseFormValues(req.body)),
        next: `/learning/courses/${param(req)}?${done('The course has been changed and the change logged')}`,
        rerender: (_v, _e, fe) => renderCourseForm(req, reply, courseFormValues(req.body), fe, param(req)),
      }),
    );

    // ── Sessions ─────────────────────────────────────────────────────────────────────────────────────

    async function renderSessionForm(
      req: FastifyRequest,
      reply: FastifyReply,
      courseId: string,
      values: Record<string, string>,
      fieldErrors?: Record<string, string>,
      sessionId?: string,
    ) {
      const { course } = await getCourse(db, req.ctx, courseId);
      const e = fieldErrors ? sessionErrors(fieldErrors) : undefined;
      return reply.code(fieldErrors ? 400 : 200).page('learning/views/session-form.njk', {
        title: sessionId ? 'Change the session' : 'Add a session',
        back: { href: sessionId ? `/learning/sessions/${sessionId}` : `/learning/courses/${courseId}`, text: 'Back' },
        action: sessionId ? `/learning/sessions/${sessionId}` : `/learning/courses/${courseId}/sessions`,
        course,
        values,
        errors: e?.errors,
        inline: e?.inline ?? {},
      });
    }
    app.get('/learning/courses/:id/sessions/new', async (req, reply) => {
      const { manages } = await getCourse(db, req.ctx, param(req));
      if (!manages) return reply.callNotFound();
      return renderSessionForm(req, reply, param(req), { capacity: '20', trainerEmails: '' });
    });
    app.post('/learning/courses/:id/sessions', async (req, reply) =>
      handleForm(req, reply, {
        act: (v) => createSession(db, req.ctx, param(req), sessionInput(v)),
        next: (r) => `/learning/sessions/${(r as { id: string }).id}?${done('The session has been added and is open for booking')}`,
        rerender: (v, _e, fe) => renderSessionForm(req, reply, param(req), v, fe),
      }),
    );

    app.get('/learning/sessions/:id', async (req, reply) => {
      const { session, course } = await requireSession(db, req.ctx, param(req), 'learning.browse');
      const actor = req.ctx.actor!;
      const res = await sessionResource(db, req.ctx, session, course);
      const view = await getCourse(db, req.ctx, course.id);
      const s = view.sessions.find((x) => x.id === session.id)!;
      const mine = (await myBookings(db, req.ctx)).filter(
        (b) => b.session.id === session.id && ['booked', 'awaiting_approval', 'waiting'].includes(b.booking.status),
      );
      const trainerNames = res.trainerUserIds?.length
        ? await Promise.all(res.trainerUserIds.map(async (id) => (await db.select({ n: users.displayName }).from(users).where(eq(users.id, id)))[0]?.n ?? ''))
        : [];
      const now = new Date();
      const closes = bookingClosesAt(session);
      return reply.page('learning/views/session.njk', {
        title: course.title,
        back: { href: `/learning/courses/${course.id}`, text: 'Back to the course' },
        done: req.banner(),
        course,
        session: s,
        mine: mine[0] ?? null,
        statusLabels: BOOKING_STATUS_LABELS,
        trainerNames,
        formatLabel: FORMAT_LABELS[course.format as Format],
        placesLeft: Math.max(0, s.capacity - s.placesTaken),
        bookable: session.status === 'scheduled' && (!session.startsAt || session.startsAt > now) && (!closes || closes > now),
        closes,
        cancelUntil: selfCancelUntil(session),
        manages: can(actor, 'learning.manage', res),
        registers: can(actor, 'learning.register', res),
        needsManager: course.approvalRequired && !(await lineManagerOf(db, actor.userId)),
        hasTime: !!session.startsAt,
      });
    });

    app.get('/learning/sessions/:id/edit', async (req, reply) => {
      const { session, course } = await requireSession(db, req.ctx, param(req), 'learning.manage');
      const start = londonParts(session.startsAt);
      const end = londonParts(session.endsAt);
      const bc = londonParts(session.bookingCutoffAt);
      const cc = londonParts(session.cancellationCutoffAt);
      const trainers = (await sessionResource(db, req.ctx, session, course)).trainerUserIds ?? [];
      const emails = await Promise.all(trainers.map(async (id) => (await db.select({ e: users.email }).from(users).where(eq(users.id, id)))[0]?.e ?? ''));
      return renderSessionForm(
        req,
        reply,
        course.id,
        {
          startDate: start.date,
          startTime: start.time,
          endTime: end.time,
          venue: session.venue ?? '',
          joiningLink: session.joiningLink ?? '',
          capacity: String(session.capacity),
          bookingCutoffDate: bc.date,
          bookingCutoffTime: bc.time,
          cancellationCutoffDate: cc.date,
          cancellationCutoffTime: cc.time,
          trainerEmails: emails.join(', '),
        },
        undefined,
        session.id,
      );
    });
    app.post('/learning/sessions/:id', async (req, reply) => {
      const { course } = await requireSession(db, req.ctx, param(req), 'learning.manage');
      return handleForm(req, reply, {
        act: (v) => updateSession(db, req.ctx, param(req), sessionInput(v)),
        next: `/learning/sessions/${param(req)}?${done('The session has been changed. Anyone booked has been sent the updated invitation')}`,
        rerender: (v, _e, fe) => renderSessionForm(req, reply, course.id, v, fe, param(req)),
      });
    });
    app.post('/learning/sessions/:id/cancel', async (req, reply) =>
      handleForm(req, reply, {
        act: (v) => cancelSession(db, req.ctx, param(req), v),
        next: `/learning/sessions/${param(req)}?${done('The session has been cancelled and everyone booked has been told')}`,
        rerender: async (_v, errors) =>
          reply.redirect(`/learning/sessions/${param(req)}?problem=${encodeURIComponent(errors.list.map((l) => l.text).join('. '))}`, 303),
      }),
    );

    async function renderSessionWithProblem(req: FastifyRequest, reply: FastifyReply, sessionId: string, message: string) {
      const { course } = await requireSession(db, req.ctx, sessionId, 'learning.browse');
      return reply.code(400).page('learning/views/problem.njk', {
        title: 'This could not be done',
        back: { href: `/learning/sessions/${sessionId}`, text: 'Back to the session' },
        message,
        course,
      });
    }

    app.post('/learning/sessions/:id/book', async (req, reply) =>
      handleForm(req, reply, {
        act: (v) => bookPlace(db, req.ctx, param(req), 'email' in v ? { email: v.email } : {}),
        next: (r) => {
          const status = (r as { status: BookingStatus }).status;
          const text =
            status === 'booked'
              ? 'Your place is booked. A calendar invitation has been emailed to you'
              : status === 'waiting'
                ? 'The session is full, so you are on the waiting list. You will be told if a place comes up'
                : 'Your place is held while your line manager approves it. They have been asked';
          return `/learning/sessions/${param(req)}?${done(formValuesEmail(req) ? 'The person has been booked and told' : text)}`;
        },
        rerender: (_v, _e, fe) => renderSessionWithProblem(req, reply, param(req), Object.values(fe).join('. ')),
      }),
    );

    app.get('/learning/sessions/:id/invitation.ics', async (req, reply) => {
      const { session, course } = await requireSession(db, req.ctx, param(req), 'learning.browse');
      const ics = invitationIcs(session, course, { method: 'PUBLISH', publicUrl });
      return reply.type('text/calendar; charset=utf-8').header('content-disposition', 'attachment; filename="session.ics"').send(ics);
    });

    app.post('/learning/bookings/:id/cancel', async (req, reply) => {
      const sessionId = (req.body as Record<string, string> | undefined)?.sessionId ?? '';
      return handleForm(req, reply, {
        act: (v) => cancelBooking(db, req.ctx, param(req), { reason: v.reason }),
        next: sessionId
          ? `/learning/sessions/${encodeURIComponent(sessionId)}?${done('The place has been cancelled')}`
          : `/learning/my?${done('Your place has been cancelled')}`,
        rerender: (_v, _e, fe) =>
          sessionId
            ? renderSessionWithProblem(req, reply, sessionId, Object.values(fe).join('. '))
            : reply.code(400).page('learning/views/problem.njk', {
                title: 'This could not be done',
                message: Object.values(fe).join('. '),
                back: { href: '/learning/my', text: 'Back' },
              }),
      });
    });

    // ── The register ─────────────────────────────────────────────────────────────────────────────────

    async function renderRegister(req: FastifyRequest, reply: FastifyReply, fieldErrors?: Record<string, string>) {
      const { session, course } = await requireSession(db, req.ctx, param(req), 'learning.register');
      const list = await sessionBookings(db, req.ctx, session.id);
      const e = fieldErrors ? pageErrors(fieldErrors) : undefined;
      return reply.code(fieldErrors ? 400 : 200).page('learning/views/register.njk', {
        title: 'Register',
        columnClass: 'nhsuk-grid-column-full',
        back: { href: `/learning/sessions/${session.id}`, text: 'Back to the session' },
        done: req.banner(),
        course,
        session,
        booked: list.filter((b) => b.booking.status === 'booked'),
        others: list.filter((b) => b.booking.status !== 'booked'),
        statusLabels: BOOKING_STATUS_LABELS,
        attendanceLabel,
        roleLabels: ROLE_LABELS,
        errors: e,
        inline: e?.fields ?? {},
        open: !session.startsAt || session.startsAt <= new Date(),
      });
    }
    app.get('/learning/sessions/:id/register', async (req, reply) => renderRegister(req, reply));
    app.post('/learning/sessions/:id/register', async (req, reply) =>
      handleForm(req, reply, {
        act: (_v, body) => markRegister(db, req.ctx, param(req), body),
        next: (r) => `/learning/sessions/${param(req)}/register?${done(`The register has been saved (${(r as { marked: number }).marked} marked)`)}`,
        rerender: (_v, _e, fe) => renderRegister(req, reply, fe),
      }),
    );

    // ── Your training, approvals, your team ──────────────────────────────────────────────────────────

    async function renderMy(req: FastifyRequest, reply: FastifyReply, values: Record<string, string> = {}, fieldErrors?: Record<string, string>) {
      const actor = req.ctx.actor!;
      const bookings = await myBookings(db, req.ctx);
      const answered = await answeredKinds(
        db,
        bookings.map((b) => b.booking.id),
      );
      const managerId = await lineManagerOf(db, actor.userId);
      const [manager] = managerId ? await db.select({ name: users.displayName, email: users.email }).from(users).where(eq(users.id, managerId)) : [];
      const rows = bookings.map((b) => ({
        ...b,
        certificate: certificateReadiness(b.booking.attendance, !!b.immediateFamily, !!answered.get(b.booking.id)?.has('immediate')),
      }));
      const e = fieldErrors ? pageErrors(fieldErrors) : undefined;
      return reply.code(fieldErrors ? 400 : 200).page('learning/views/my.njk', {
        title: 'Your training',
        done: req.banner(),
        columnClass: 'nhsuk-grid-column-full',
        upcoming: rows.filter((r) => ['booked', 'awaiting_approval', 'waiting'].includes(r.booking.status) && !r.booking.attendance),
        completed: rows.filter((r) => r.booking.attendance === 'attended' || r.booking.attendance === 'left_early'),
        other: rows.filter(
          (r) =>
            !['booked', 'awaiting_approval', 'waiting'].includes(r.booking.status) ||
            r.booking.attendance === 'did_not_attend' ||
            r.booking.attendance === 'cancelled_late',
        ),
        surveys: await pendingSurveys(db, actor.userId),
        notices: await noticesFor(db, actor.userId),
        manager: manager ?? null,
        statusLabels: BOOKING_STATUS_LABELS,
        kindLabels: SURVEY_KIND_LABELS,
        attendanceLabel,
        topicLabel,
        values,
        errors: e,
        inline: e?.fields ?? {},
      });
    }
    app.get('/learning/my', { config: { permission: 'learning.browse' } }, async (req, reply) => renderMy(req, reply));
    app.post('/learning/my/manager', async (req, reply) =>
      handleForm(req, reply, {
        act: (v) => setLineManager(db, req.ctx, v),
        next: (r) => `/learning/my?${done(`${(r as { managerName: string }).managerName} is now named as your line manager`)}`,
        rerender: (v, _e, fe) => renderMy(req, reply, v, fe),
      }),
    );

    async function renderApprovals(req: FastifyRequest, reply: FastifyReply, fieldErrors?: Record<string, string>) {
      const list = await approvalsFor(db, req.ctx);
      const e = fieldErrors ? pageErrors(fieldErrors) : undefined;
      return reply.code(fieldErrors ? 400 : 200).page('learning/views/approvals.njk', {
        title: 'Training requests to approve',
        done: req.banner(),
        requests: list,
        errors: e,
        inline: e?.fields ?? {},
      });
    }
    app.get('/learning/approvals', { config: { permission: 'learning.approve' } }, async (req, reply) => renderApprovals(req, reply));
    for (const decision of ['approve', 'decline'] as const)
      app.post(`/learning/bookings/:id/${decision}`, async (req, reply) =>
        handleForm(req, reply, {
          act: (v) => decideApproval(db, req.ctx, param(req), decision, v),
          next: `/learning/approvals?${done(decision === 'approve' ? 'Approved: the place is confirmed and they have been told' : 'Declined: they have been told why')}`,
          rerender: (_v, _e, fe) => renderApprovals(req, reply, fe.reason ? { [`reason-${param(req)}`]: fe.reason } : fe),
        }),
      );

    app.get('/learning/team', { config: { permission: 'learning.record' } }, async (req, reply) => {
      const rows = await teamRecords(db, req.ctx);
      const people = new Map<string, { name: string; organisation: string; rows: typeof rows }>();
      for (const r of rows) {
        const p = people.get(r.booking.userId) ?? { name: r.delegateName, organisation: r.organisationName, rows: [] };
        p.rows.push(r);
        people.set(r.booking.userId, p);
      }
      return reply.page('learning/views/team.njk', {
        title: 'Training records',
        columnClass: 'nhsuk-grid-column-full',
        people: [...people.values()],
        statusLabels: BOOKING_STATUS_LABELS,
        attendanceLabel,
        roleLabels: ROLE_LABELS,
      });
    });

    // ── Evaluations and certificates ─────────────────────────────────────────────────────────────────

    async function renderEvaluation(req: FastifyRequest, reply: FastifyReply, values: Record<string, unknown> = {}, fieldErrors?: Record<string, string>) {
      const form = await getEvaluation(db, req.ctx, param(req), param(req, 'kind'));
      const e = fieldErrors ? pageErrors(fieldErrors) : undefined;
      const questions = form.survey.questions.map((question) => {
        const v = values[question.key];
        const chosen = (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(String);
        const labels = question.type === 'confidence' ? CONFIDENCE_LABELS : RATING_LABELS;
        const items =
          question.type === 'rating' || question.type === 'confidence'
            ? labels.map((label, i) => ({ value: String(i + 1), text: `${i + 1} – ${label}`, checked: chosen.includes(String(i + 1)) }))
            : (question.options ?? []).map((o, i) => ({ value: String(i), text: o, checked: chosen.includes(String(i)) }));
        return { ...question, items, value: chosen[0] ?? '', error: e?.fields[question.key] };
      });
      const [about] =
        form.kind === 'manager_follow_up' ? await db.select({ name: users.displayName }).from(users).where(eq(users.id, form.booking.userId)) : [];
      return reply.code(fieldErrors ? 400 : 200).page('learning/views/evaluation.njk', {
        title: `${SURVEY_KIND_LABELS[form.kind]}: ${form.course.title}`,
        about: about?.name ?? null,
        back: { href: '/learning/my', text: 'Your training' },
        form,
        questions,
        errors: e,
      });
    }
    app.get('/learning/bookings/:id/evaluation/:kind', async (req, reply) => renderEvaluation(req, reply));
    app.post('/learning/bookings/:id/evaluation/:kind', async (req, reply) =>
      handleForm(req, reply, {
        act: (_v, body) => submitEvaluation(db, req.ctx, param(req), param(req, 'kind'), body),
        next: `/learning/my?${done(param(req, 'kind') === 'immediate' ? 'Thank you: your evaluation has been recorded and your certificate is ready' : 'Thank you: your answers have been recorded')}`,
        rerender: (_v, _e, fe) => renderEvaluation(req, reply, req.body as Record<string, unknown>, fe),
      }),
    );

    app.get('/learning/bookings/:id/certificate.pdf', async (req, reply) => {
      const { pdf, filename } = await certificatePdf(db, req.ctx, param(req));
      return reply.type('application/pdf').header('content-disposition', `attachment; filename="${filename}"`).send(pdf);
    });

    // ── Results ──────────────────────────────────────────────────────────────────────────────────────

    app.get('/learning/results', { config: { permission: 'learning.results' } }, async (req, reply) =>
      reply.page('learning/views/results-list.njk', { title: 'Training evaluation results', courses: await resultsCourses(db, req.ctx) }),
    );
    app.get('/learning/courses/:id/results', async (req, reply) => {
      const filter = { sessionId: q(req).sessionId, from: q(req).from, to: q(req).to };
      const r = await courseResults(db, req.ctx, param(req), filter);
      const shown = r.stages.filter((s) => s.confidence.mean !== null);
      const chart = shown.length
        ? await barChartSvg(
            shown.map((s) => ({ label: s.label, value: s.confidence.mean! })),
            {
              title: 'Mean confidence to recognise closure, flight and disguised compliance, by stage',
              description: `Mean confidence (1 to 5): ${shown.map((s) => `${s.label.toLowerCase()} ${s.confidence.mean}`).join(', ')}. The same figures are in the table below.`,
              domain: [0, 5],
              xTitle: 'Mean confidence (1 = not at all, 5 = very confident)',
            },
          )
        : null;
      const qs = new URLSearchParams(Object.entries(filter).filter(([, v]) => !!v) as [string, string][]).toString();
      return reply.page('learning/views/results.njk', {
        title: `Results: ${r.course.title}`,
        columnClass: 'nhsuk-grid-column-full',
        back: { href: `/learning/courses/${r.course.id}`, text: 'Back to the course' },
        r,
        chart,
        filter,
        csvHref: `/learning/courses/${r.course.id}/results.csv${qs ? `?${qs}` : ''}`,
        sessionItems: [
          { value: '', text: 'Every session' },
          ...r.sessions.map((s) => ({
            value: s.id,
            text: s.startsAt ? s.startsAt.toISOString().slice(0, 10) : 'E-learning',
            selected: s.id === filter.sessionId,
          })),
        ],
        // Confidence is asked of delegates; the line manager's survey has its own questions (under "Every question").
        kinds: DELEGATE_KINDS,
        kindLabels: SURVEY_KIND_LABELS,
      });
    });
    app.get('/learning/courses/:id/results.csv', async (req, reply) => {
      const csv = await resultsCsv(db, req.ctx, param(req), { sessionId: q(req).sessionId, from: q(req).from, to: q(req).to });
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="evaluation-results.csv"').send(csv);
    });

    // ── Free-text answers and their themes ───────────────────────────────────────────────────────────

    async function renderAnswers(req: FastifyRequest, reply: FastifyReply, ref: string, page: number, fieldErrors?: Record<string, string>) {
      const a = await questionAnswers(db, req.ctx, param(req), ref, page);
      const e = fieldErrors ? pageErrors(fieldErrors) : undefined;
      return reply.code(fieldErrors ? 400 : 200).page('learning/views/answers.njk', {
        title: a.question.text,
        back: { href: `/learning/courses/${a.course.id}/results`, text: 'Back to the results' },
        done: req.banner(),
        a,
        kindLabel: SURVEY_KIND_LABELS[a.kind],
        minCell: MIN_CELL,
        pageSize: PAGE_SIZE,
        errors: e,
        inline: e?.fields ?? {},
      });
    }
    app.get('/learning/courses/:id/results/answers', async (req, reply) => renderAnswers(req, reply, q(req).question ?? '', Number(q(req).page ?? 1)));
    app.post('/learning/courses/:id/results/answers/:answerId', async (req, reply) => {
      const b = (req.body ?? {}) as Record<string, string>;
      const ref = String(b.question ?? '');
      const page = Number(b.page ?? 1) || 1;
      return handleForm(req, reply, {
        act: (v) => tagAnswer(db, req.ctx, param(req), param(req, 'answerId'), v),
        next: `/learning/courses/${param(req)}/results/answers?question=${encodeURIComponent(ref)}&page=${page}&${done('The themes have been saved')}#answer-${param(req, 'answerId')}`,
        rerender: (_v, _e, fe) => renderAnswers(req, reply, ref, page, fe.themes ? { [`themes-${param(req, 'answerId')}`]: fe.themes } : fe),
      });
    });

    // ── The survey builder ───────────────────────────────────────────────────────────────────────────

    async function renderSurveys(req: FastifyRequest, reply: FastifyReply, values: Record<string, string> = {}, fieldErrors?: Record<string, string>) {
      const e = fieldErrors ? pageErrors(fieldErrors) : undefined;
      return reply.code(fieldErrors ? 400 : 200).page('learning/views/surveys.njk', {
        title: 'Evaluation surveys',
        done: req.banner(),
        surveys: await listSurveys(db, req.ctx),
        kindLabels: SURVEY_KIND_LABELS,
        kinds: SURVEY_KINDS.map((k) => ({ value: k, text: SURVEY_KIND_LABELS[k], checked: values.kind === k })),
        values,
        errors: e,
        inline: e?.fields ?? {},
      });
    }
    app.get('/learning/surveys', { config: { permission: 'learning.survey' } }, async (req, reply) => renderSurveys(req, reply));
    app.post('/learning/surveys', async (req, reply) =>
      handleForm(req, reply, {
        act: (v) => createSurvey(db, req.ctx, v),
        next: (r) => `/learning/surveys/${(r as { id: string }).id}?${done('Draft survey created: add its questions, then publish it')}`,
        rerender: (v, _e, fe) => renderSurveys(req, reply, v, fe),
      }),
    );
    async function renderSurvey(req: FastifyRequest, reply: FastifyReply, values: Record<string, string> = {}, fieldErrors?: Record<string, string>) {
      const survey = await requireSurvey(db, req.ctx, param(req));
      const e = fieldErrors ? pageErrors(fieldErrors) : undefined;
      return reply.code(fieldErrors ? 400 : 200).page('learning/views/survey.njk', {
        title: survey.title,
        back: { href: '/learning/surveys', text: 'All surveys' },
        done: req.banner(),
        survey,
        kindLabel: SURVEY_KIND_LABELS[survey.kind as SurveyKind],
        typeLabels: QUESTION_TYPE_LABELS,
        types: QUESTION_TYPES.map((t) => ({ value: t, text: QUESTION_TYPE_LABELS[t], checked: values.type === t })),
        values,
        errors: e,
        inline: e?.fields ?? {},
      });
    }
    app.get('/learning/surveys/:id', async (req, reply) => renderSurvey(req, reply));
    app.post('/learning/surveys/:id/questions', async (req, reply) =>
      handleForm(req, reply, {
        act: (v) => addQuestion(db, req.ctx, param(req), v),
        next: `/learning/surveys/${param(req)}?${done('The question has been added')}`,
        rerender: (v, _e, fe) => renderSurvey(req, reply, v, fe),
      }),
    );
    app.post('/learning/surveys/:id/questions/:key/remove', async (req, reply) =>
      handleForm(req, reply, {
        act: () => removeQuestion(db, req.ctx, param(req), param(req, 'key')),
        next: `/learning/surveys/${param(req)}?${done('The question has been removed')}`,
        rerender: (v, _e, fe) => renderSurvey(req, reply, v, fe),
      }),
    );
    app.post('/learning/surveys/:id/publish', async (req, reply) =>
      handleForm(req, reply, {
        act: () => publishSurvey(db, req.ctx, param(req)),
        next: `/learning/surveys/${param(req)}?${done('Published: this version is now the one people are asked, and it can no longer change')}`,
        rerender: (v, _e, fe) => renderSurvey(req, reply, v, fe),
      }),
    );
    app.post('/learning/surveys/:id/new-version', async (req, reply) =>
      handleForm(req, reply, {
        act: () => newSurveyVersion(db, req.ctx, param(req)),
        next: (r) => `/learning/surveys/${(r as { id: string }).id}?${done('A new draft version has been made from this one')}`,
        rerender: (v, _e, fe) => renderSurvey(req, reply, v, fe),
      }),
    );
  };

function formValuesEmail(req: FastifyRequest): boolean {
  const b = req.body as Record<string, unknown> | undefined;
  return typeof b?.email === 'string' && b.email.trim() !== '';
}

export const ROLE_NAME = (r: string) => ROLE_LABELS[r as Role] ?? r;
