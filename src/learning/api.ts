/**
 * Learning as JSON, under /api/learning: the same services, rules and audit as the pages. POSTs need
 * X-CSRF-Token (GET /api/session). Bad input is 400 `invalid` with `fields`.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../platform/http/deps';
import { api } from '../platform/http/api';
import { DateTime, isoOrNull, jsonBody, noContent, pathParam, Uuid } from '../platform/http/api-helpers';
import { createCourse, createSession, getCourse, listCatalogue, updateCourse, updateSession, cancelSession } from './catalogue';
import { approvalsFor, bookPlace, cancelBooking, decideApproval, myBookings, sessionBookings } from './booking';
import { markRegister } from './attendance';
import { submitEvaluation } from './surveys';
import { courseResults } from './results';
import { questionAnswers, tagAnswer } from './themes';
import { invitationIcs } from './invitation';
import { requireSession } from './access';
import { ATTENDANCE, BOOKING_STATUSES, FORMATS, SURVEY_KINDS, TOPICS, TOPIC_LABELS, type Topic } from './model';

const TAGS = ['Learning'];

const SessionSchema = z.object({
  id: Uuid,
  startsAt: DateTime.nullable(),
  endsAt: DateTime.nullable(),
  venue: z.string().nullable(),
  joiningLink: z.string().nullable(),
  capacity: z.int(),
  placesTaken: z.int(),
  waiting: z.int(),
  bookingCutoffAt: DateTime.nullable(),
  cancellationCutoffAt: DateTime.nullable(),
  status: z.enum(['scheduled', 'cancelled']),
});
const CourseSchema = z.object({
  id: Uuid,
  title: z.string(),
  summary: z.string(),
  outcomes: z.array(z.string()),
  topics: z.array(z.object({ code: z.enum(TOPICS), label: z.string() })),
  format: z.enum(FORMATS),
  durationMinutes: z.int(),
  funded: z.boolean(),
  approvalRequired: z.boolean(),
  sessions: z.array(SessionSchema),
});
export const LearningCatalogue = api.schema(
  'LearningCatalogue',
  z.object({ courses: z.array(CourseSchema) }),
  'The partnership training catalogue, each course with its topics and coming sessions.',
);
export const LearningCourse = api.schema(
  'LearningCourse',
  CourseSchema.extend({
    changes: z.array(z.object({ at: DateTime, by: z.string(), summary: z.string(), promptedBy: z.string().nullable(), fields: z.array(z.string()) })),
  }),
);
export const CourseRequest = api.schema(
  'LearningCourseRequest',
  z.object({
    title: z.string(),
    summary: z.string(),
    outcomes: z.string().meta({ description: 'One learning outcome per line' }),
    topics: z.array(z.enum(TOPICS)),
    audienceAgencies: z.array(z.string()).optional(),
    audienceRoles: z.string().optional(),
    format: z.enum(FORMATS),
    durationMinutes: z.int(),
    funded: z.boolean(),
    costPounds: z.string().optional(),
    approvalRequired: z.boolean(),
    elearningUrl: z.string().optional(),
    followUpWeeks: z.int().optional(),
    followUpAskManager: z.boolean().optional().meta({ description: 'Ask each delegate’s line manager too, with the follow-up (default false)' }),
    reminderDays: z.array(z.int()).optional().meta({ description: 'Days before a session that people booked are reminded (default [14, 2]; [] for none)' }),
    changeSummary: z.string().optional().meta({ description: 'Required when changing a course: what changed' }),
    promptedBy: z.string().optional().meta({ description: 'What prompted the change, e.g. learning from a partnership review' }),
  }),
);
export const SessionRequest = api.schema(
  'LearningSessionRequest',
  z.object({
    startsAt: DateTime.optional(),
    endsAt: DateTime.optional(),
    venue: z.string().optional(),
    joiningLink: z.string().optional(),
    capacity: z.int().min(1),
    bookingCutoffAt: DateTime.optional(),
    cancellationCutoffAt: DateTime.optional(),
    trainerEmails: z.string().optional().meta({ description: 'Trainers’ Beacon email addresses, comma separated' }),
  }),
);
const Created = api.schema('LearningCreated', z.object({ id: Uuid }));
const Booked = api.schema('LearningBooked', z.object({ id: Uuid, status: z.enum(BOOKING_STATUSES) }));
const BookForRequest = api.schema(
  'LearningBookForRequest',
  z.object({ email: z.string().meta({ description: 'The Beacon email address of the person to book' }) }),
);
const ReasonRequest = api.schema('LearningReasonRequest', z.object({ reason: z.string().optional() }));
const RegisterRequest = api.schema(
  'LearningRegisterRequest',
  z
    .record(z.string(), z.string())
    .meta({ description: '`attendance.<bookingId>`: attended | left_early | did_not_attend; `everyone`: "attended" for all others' }),
);
const EvaluationRequest = api.schema(
  'LearningEvaluationRequest',
  z.record(z.string(), z.union([z.string(), z.array(z.string())])).meta({ description: 'Question key → answer (1–5, an option’s index, or text)' }),
);
const BookingSchema = z.object({
  id: Uuid,
  sessionId: Uuid,
  courseId: Uuid,
  courseTitle: z.string(),
  startsAt: DateTime.nullable(),
  status: z.enum(BOOKING_STATUSES),
  attendance: z.enum(ATTENDANCE).nullable(),
  delegate: z.string(),
  organisation: z.string(),
});
const Bookings = api.schema('LearningBookings', z.object({ bookings: z.array(BookingSchema) }));
const Results = api.schema(
  'LearningResults',
  z.object({
    courseId: Uuid,
    minCell: z.int(),
    stages: z.array(
      z.object({
        kind: z.enum(SURVEY_KINDS),
        asked: z.int(),
        answered: z.int(),
        rate: z.int().nullable(),
        confidence: z.object({ n: z.int(), mean: z.number().nullable(), distribution: z.array(z.int()).nullable(), suppressed: z.boolean() }),
      }),
    ),
  }),
  'Evaluation results: groups smaller than `minCell` are withheld (null, suppressed true).',
);

const Answers = api.schema(
  'LearningFreeTextAnswers',
  z.object({
    question: z.string(),
    total: z.int(),
    withheld: z.boolean(),
    page: z.int(),
    pages: z.int(),
    answers: z.array(z.object({ id: Uuid, text: z.string().nullable(), themes: z.array(z.string()) })),
    themes: z.array(z.object({ theme: z.string(), count: z.int().nullable() })),
  }),
);
const ThemesRequest = api.schema('LearningThemesRequest', z.object({ themes: z.string().meta({ description: 'Comma separated; empty clears them' }) }));

type SessionLike = {
  id: string;
  startsAt: Date | null;
  endsAt: Date | null;
  venue: string | null;
  joiningLink: string | null;
  capacity: number;
  placesTaken: number;
  waiting: number;
  bookingCutoffAt: Date | null;
  cancellationCutoffAt: Date | null;
  status: string;
};
const sessionJson = (s: SessionLike) => ({
  id: s.id,
  startsAt: isoOrNull(s.startsAt),
  endsAt: isoOrNull(s.endsAt),
  venue: s.venue,
  joiningLink: s.joiningLink,
  capacity: s.capacity,
  placesTaken: s.placesTaken,
  waiting: s.waiting,
  bookingCutoffAt: isoOrNull(s.bookingCutoffAt),
  cancellationCutoffAt: isoOrNull(s.cancellationCutoffAt),
  status: s.status,
});
type CourseLike = {
  id: string;
  title: string;
  summary: string;
  outcomes: string;
  topics: string[];
  format: string;
  durationMinutes: number;
  funded: boolean;
  approvalRequired: boolean;
};
const courseJson = (c: CourseLike, sessions: SessionLike[]) => ({
  id: c.id,
  title: c.title,
  summary: c.summary,
  outcomes: c.outcomes.split(/\r?\n/).filter(Boolean),
  topics: c.topics.map((t) => ({ code: t, label: TOPIC_LABELS[t as Topic] ?? t })),
  format: c.format,
  durationMinutes: c.durationMinutes,
  funded: c.funded,
  approvalRequired: c.approvalRequired,
  sessions: sessions.map(sessionJson),
});
const bookingJson = (b: Awaited<ReturnType<typeof myBookings>>[number]) => ({
  id: b.booking.id,
  sessionId: b.session.id,
  courseId: b.courseId,
  courseTitle: b.courseTitle,
  startsAt: isoOrNull(b.session.startsAt),
  status: b.booking.status,
  attendance: b.booking.attendance,
  delegate: b.delegateName,
  organisation: b.organisationName,
});

export const learningApi =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const { db } = deps.database;
    const ID = { id: 'The course, session or booking' };

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/learning/courses',
        operationId: 'listLearningCourses',
        summary: 'The training catalogue, with each course’s topics and coming sessions',
        tags: TAGS,
        query: { topic: `One of ${TOPICS.join(', ')}`, format: FORMATS.join(', '), from: 'YYYY-MM-DD', to: 'YYYY-MM-DD' },
        responses: { 200: { description: 'Courses', schema: LearningCatalogue } },
      },
      async (req) => {
        const query = req.query as Record<string, string | undefined>;
        const entries = await listCatalogue(db, req.ctx, { topic: query.topic, format: query.format, from: query.from, to: query.to });
        return { courses: entries.map((e) => courseJson(e.course, e.sessions)) };
      },
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/learning/courses',
        operationId: 'createLearningCourse',
        summary: 'Add a course (training administrators)',
        tags: TAGS,
        body: { schema: CourseRequest },
        responses: { 201: { description: 'Added', schema: Created } },
      },
      async (req, reply) => reply.code(201).send(await createCourse(db, req.ctx, jsonBody(req))),
    );
    api.route(
      app,
      {
        method: 'GET',
        url: '/api/learning/courses/:id',
        operationId: 'getLearningCourse',
        summary: 'One course with every session and its change log',
        tags: TAGS,
        params: ID,
        responses: { 200: { description: 'The course', schema: LearningCourse } },
      },
      async (req) => {
        const v = await getCourse(db, req.ctx, pathParam(req));
        return {
          ...courseJson(v.course, v.sessions),
          changes: v.changes.map((c) => ({ at: c.at.toISOString(), by: c.byName, summary: c.summary, promptedBy: c.promptedBy, fields: c.fields })),
        };
      },
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/learning/courses/:id',
        operationId: 'updateLearningCourse',
        summary: 'Change a course (logged with what changed and what prompted it)',
        tags: TAGS,
        params: ID,
        body: { schema: CourseRequest },
        responses: { 204: { description: 'Changed' } },
      },
      noContent((req) => updateCourse(db, req.ctx, pathParam(req), jsonBody(req))),
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/learning/courses/:id/sessions',
        operationId: 'createLearningSession',
        summary: 'Add a session to a course',
        tags: TAGS,
        params: ID,
        body: { schema: SessionRequest },
        responses: { 201: { description: 'Added', schema: Created } },
      },
      async (req, reply) => reply.code(201).send(await createSession(db, req.ctx, pathParam(req), jsonBody(req))),
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/learning/sessions/:id',
        operationId: 'updateLearningSession',
        summary: 'Change a session (booked delegates get the updated invitation; capacity never below places taken)',
        tags: TAGS,
        params: ID,
        body: { schema: SessionRequest },
        responses: { 204: { description: 'Changed' } },
      },
      noContent((req) => updateSession(db, req.ctx, pathParam(req), jsonBody(req))),
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/learning/sessions/:id/cancel',
        operationId: 'cancelLearningSession',
        summary: 'Cancel a session (every booking cancelled and told)',
        tags: TAGS,
        params: ID,
        body: { schema: ReasonRequest },
        responses: { 204: { description: 'Cancelled' } },
      },
      noContent((req) => cancelSession(db, req.ctx, pathParam(req), jsonBody(req))),
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/learning/sessions/:id/book',
        operationId: 'bookLearningSession',
        summary: 'Book yourself a place; a full session puts you on the waiting list',
        tags: TAGS,
        params: ID,
        responses: { 201: { description: 'Booked, awaiting your line manager’s approval, or waiting', schema: Booked } },
      },
      async (req, reply) => reply.code(201).send(await bookPlace(db, req.ctx, pathParam(req), {})),
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/learning/sessions/:id/book-for',
        operationId: 'bookSomeoneOnLearningSession',
        summary: 'Book someone else a place, by their email (training administrators of the course’s partnership)',
        tags: TAGS,
        params: ID,
        body: { schema: BookForRequest },
        responses: { 201: { description: 'Booked, or waiting', schema: Booked } },
      },
      async (req, reply) => {
        const email = jsonBody(req).email;
        return reply.code(201).send(await bookPlace(db, req.ctx, pathParam(req), { email: typeof email === 'string' ? email : '' }));
      },
    );
    api.route(
      app,
      {
        method: 'GET',
        url: '/api/learning/sessions/:id/invitation.ics',
        operationId: 'learningSessionInvitation',
        summary: 'The session as an iCalendar event',
        tags: TAGS,
        params: ID,
        responses: { 200: { description: 'text/calendar', contentType: 'text/calendar' } },
      },
      async (req, reply) => {
        const { session, course } = await requireSession(db, req.ctx, pathParam(req), 'learning.browse');
        return reply.type('text/calendar; charset=utf-8').send(invitationIcs(session, course, { method: 'PUBLISH', publicUrl: deps.config.publicUrl }));
      },
    );
    api.route(
      app,
      {
        method: 'GET',
        url: '/api/learning/sessions/:id/bookings',
        operationId: 'learningSessionBookings',
        summary: 'A session’s bookings and waiting list (trainers, training administrators; audited)',
        tags: TAGS,
        params: ID,
        responses: { 200: { description: 'Bookings', schema: Bookings } },
      },
      async (req) => ({ bookings: (await sessionBookings(db, req.ctx, pathParam(req))).map(bookingJson) }),
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/learning/sessions/:id/register',
        operationId: 'markLearningRegister',
        summary: 'Mark the register',
        tags: TAGS,
        params: ID,
        body: { schema: RegisterRequest },
        responses: { 200: { description: 'How many were marked', schema: api.schema('LearningMarked', z.object({ marked: z.int() })) } },
      },
      async (req) => markRegister(db, req.ctx, pathParam(req), jsonBody(req)),
    );
    api.route(
      app,
      {
        method: 'GET',
        url: '/api/learning/bookings',
        operationId: 'myLearningBookings',
        summary: 'Your bookings; with `approvals=true`, the requests waiting for your approval',
        tags: TAGS,
        query: { approvals: 'true for the requests you are asked to approve' },
        responses: { 200: { description: 'Bookings', schema: Bookings } },
      },
      async (req) => {
        const list = (req.query as Record<string, string>).approvals === 'true' ? await approvalsFor(db, req.ctx) : await myBookings(db, req.ctx);
        return { bookings: list.map(bookingJson) };
      },
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/learning/bookings/:id/cancel',
        operationId: 'cancelLearningBooking',
        summary: 'Cancel a place (the delegate until the cancellation cut-off; later only a training administrator)',
        tags: TAGS,
        params: ID,
        body: { schema: ReasonRequest, required: false },
        responses: { 204: { description: 'Cancelled' } },
      },
      noContent((req) => cancelBooking(db, req.ctx, pathParam(req), jsonBody(req))),
    );
    for (const decision of ['approve', 'decline'] as const)
      api.route(
        app,
        {
          method: 'POST',
          url: `/api/learning/bookings/:id/${decision}`,
          operationId: `${decision}LearningBooking`,
          summary: decision === 'approve' ? 'Approve a place (the named line manager)' : 'Decline a place, with a reason (the named line manager)',
          tags: TAGS,
          params: ID,
          body: { schema: ReasonRequest, required: decision === 'decline' },
          responses: { 204: { description: 'Decided' } },
        },
        noContent((req) => decideApproval(db, req.ctx, pathParam(req), decision, jsonBody(req))),
      );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/learning/bookings/:id/evaluation/:kind',
        operationId: 'submitLearningEvaluation',
        summary: 'Answer an evaluation (baseline, immediate or follow_up) for your booking',
        tags: TAGS,
        params: { id: 'The booking', kind: SURVEY_KINDS.join(', ') },
        body: { schema: EvaluationRequest },
        responses: { 204: { description: 'Recorded' } },
      },
      noContent((req) => submitEvaluation(db, req.ctx, pathParam(req), pathParam(req, 'kind'), jsonBody(req))),
    );
    api.route(
      app,
      {
        method: 'GET',
        url: '/api/learning/courses/:id/results',
        operationId: 'learningCourseResults',
        summary: 'Evaluation results of a course (small groups withheld)',
        tags: TAGS,
        params: ID,
        query: { sessionId: 'One session', from: 'YYYY-MM-DD', to: 'YYYY-MM-DD' },
        responses: { 200: { description: 'Results', schema: Results } },
      },
      async (req) => {
        const query = req.query as Record<string, string | undefined>;
        const r = await courseResults(db, req.ctx, pathParam(req), { sessionId: query.sessionId, from: query.from, to: query.to });
        return {
          courseId: r.course.id,
          minCell: r.minCell,
          stages: r.stages.map((s) => ({ kind: s.kind, asked: s.asked, answered: s.answered, rate: s.rate, confidence: s.confidence })),
        };
      },
    );
    api.route(
      app,
      {
        method: 'GET',
        url: '/api/learning/courses/:id/answers',
        operationId: 'learningFreeTextAnswers',
        summary: 'One free-text question’s answers for a course, 50 a page, with their themes (none shown under five answers)',
        tags: TAGS,
        params: ID,
        query: { question: 'The stage and question key, e.g. immediate.will_change', page: 'Page number (default 1)' },
        responses: { 200: { description: 'Answers', schema: Answers } },
      },
      async (req) => {
        const query = req.query as Record<string, string | undefined>;
        const a = await questionAnswers(db, req.ctx, pathParam(req), query.question ?? '', Number(query.page ?? 1));
        return { question: a.ref, total: a.total, withheld: a.withheld, page: a.page, pages: a.pages, answers: a.answers, themes: a.counts };
      },
    );
    api.route(
      app,
      {
        method: 'POST',
        url: '/api/learning/courses/:id/answers/:answerId/themes',
        operationId: 'tagLearningAnswer',
        summary: 'Give a free-text answer its themes (the partnership’s training administrators)',
        tags: TAGS,
        params: { ...ID, answerId: 'The answer' },
        body: { schema: ThemesRequest },
        responses: { 200: { description: 'Saved', schema: api.schema('LearningAnswerThemes', z.object({ themes: z.array(z.string()) })) } },
      },
      async (req) => tagAnswer(db, req.ctx, pathParam(req), pathParam(req, 'answerId'), jsonBody(req)),
    );
  };
