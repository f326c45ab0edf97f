/**
 * Learning's services on the real database (PGlite, and PostgreSQL when TEST_DATABASE_URL is set):
 * booking with the waiting list and approvals, cut-offs, the register, evaluations, the certificate, the
 * follow-up job, results with small groups withheld, and the last place booked by many at once.
 */
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs } from '../platform/jobs/schema';
import { ForbiddenError, ValidationError } from '../platform/errors';
import { seedDemo } from '../demo/seed';
import { createDemoPeople } from '../demo/seed';
import { DEMO_LEARNING_PEOPLE } from '../demo/directory-data';
import { contextFor, memoryMailer } from '../../test/support/alerts';
import { openTestDatabase, type TestDatabase } from '../../test/support/db';
import { learningPeople, problem } from '../../test/support/learning';
import { learningAnswers, learningBookings, learningResponses, learningSurveyRequests } from './schema';
import { cancelSession, createCourse, createSession, getCourse, listCatalogue, updateCourse, updateSession } from './catalogue';
import { approvalsFor, bookPlace, cancelBooking, decideApproval, setLineManager, teamRecords } from './booking';
import { certificatePdf, markRegister } from './attendance';
import { addQuestion, createSurvey, getEvaluation, newSurveyVersion, pendingSurveys, publishSurvey, submitEvaluation } from './surveys';
import { courseResults, resultsCsv } from './results';
import { questionAnswers, tagAnswer } from './themes';
import { learningTick, sendLearningEmail } from './notify';
import { invitationIcs } from './invitation';
import { CONFIDENCE_KEY } from './model';
import { loadSession } from './access';

let tdb: TestDatabase;
const db = () => tdb.db;
const PASSWORD = 'correct horse battery staple 42';
const DAY = 86_400_000;
const NOW = new Date();
const days = (n: number) => new Date(NOW.getTime() + n * DAY).toISOString();
const people: string[] = [];

beforeAll(async () => {
  tdb = await openTestDatabase();
  await seedDemo(db(), PASSWORD);
  await createDemoPeople(db(), DEMO_LEARNING_PEOPLE, PASSWORD);
  people.push(...(await learningPeople(db(), 'RHU', 40, 'person', 'Person')));
});
afterAll(async () => {
  await tdb?.close();
});

const admin = () => contextFor(db(), 'training@beacon.example');
const course = (over: Record<string, unknown> = {}) => ({
  title: 'Closure, flight and disguised compliance',
  summary: 'Recognising parents who deceive',
  outcomes: 'Recognise closure\nRespond to flight',
  topics: ['closure', 'flight', 'disguised_compliance'],
  audienceAgencies: ['health'],
  format: 'in_person',
  durationMinutes: '180',
  funded: 'yes',
  approvalRequired: 'no',
  followUpWeeks: '8',
  ...over,
});
const session = (over: Record<string, unknown> = {}) => ({
  startsAt: days(10),
  endsAt: new Date(Date.parse(days(10)) + 3 * 3_600_000).toISOString(),
  venue: 'Civic Centre',
  capacity: '3',
  bookingCutoffAt: days(8),
  cancellationCutoffAt: days(7),
  trainerEmails: 'trainer@beacon.example',
  ...over,
});
async function statusOf(id: string) {
  const [b] = await db().select().from(learningBookings).where(eq(learningBookings.id, id));
  return b!;
}

describe('the catalogue', () => {
  it('a training administrator adds a course and sessions; every professional sees it; changes are logged with what prompted them', async () => {
    const c = await createCourse(db(), await admin(), course());
    await createSession(db(), await admin(), c.id, session());
    const ed = await contextFor(db(), 'ed.nurse@beacon.example');
    const listed = await listCatalogue(db(), ed, { topic: 'disguised_compliance' });
    expect(listed.some((e) => e.course.id === c.id && e.sessions.length === 1)).toBe(true);
    expect((await listCatalogue(db(), ed, { topic: 'high_risk_alerts' })).some((e) => e.course.id === c.id)).toBe(false);
    // Only the partnership's administrators manage it.
    await expect(createCourse(db(), ed, course())).rejects.toBeInstanceOf(ForbiddenError);
    await expect(updateCourse(db(), ed, c.id, { ...course(), changeSummary: 'x' })).rejects.toBeInstanceOf(ForbiddenError);
    await updateCourse(db(), await admin(), c.id, {
      ...course({ outcomes: 'Recognise closure\nRespond to flight\nTest what you are told against what you see' }),
      changeSummary: 'Added an outcome on testing what parents say',
      promptedBy: 'Learning from the Baby H partnership review',
    });
    const view = await getCourse(db(), ed, c.id);
    expect(view.changes[0]).toMatchObject({
      summary: 'Added an outcome on testing what parents say',
      promptedBy: 'Learning from the Baby H partnership review',
      fields: ['outcomes'],
    });
    expect(view.manages).toBe(false);
    await expect(
      updateCourse(db(), await admin(), c.id, {
        ...course({ outcomes: 'Recognise closure\nRespond to flight\nTest what you are told against what you see' }),
        changeSummary: 'nothing',
      }),
    ).rejects.toThrow(ValidationError);
  });

  it('bad input is refused with a clear message and nothing is made', async () => {
    const c = await createCourse(db(), await admin(), course({ title: 'Bad input course' }));
    const err = await createSession(db(), await admin(), c.id, session({ endsAt: days(9), capacity: '0', venue: '' })).catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.fieldErrors).toMatchObject({ endsAt: 'The session must end after it starts', capacity: 'A session needs at least 1 place' });
    const e2 = await createSession(db(), await admin(), c.id, session({ trainerEmails: 'nobody@nowhere.test' })).catch((e) => e);
    expect(e2.fieldErrors.trainerEmails).toContain('nobody@nowhere.test');
    expect((await getCourse(db(), await admin(), c.id)).sessions).toHaveLength(0);
  });
});

describe('booking', () => {
  it('a full session offers the waiting list; a cancellation gives the place to the longest waiting, who is told', async () => {
    const c = await createCourse(db(), await admin(), course({ title: 'Waiting list course' }));
    const s = await createSession(db(), await admin(), c.id, session({ capacity: '2' }));
    const ctxs = await Promise.all(people.slice(0, 4).map((e) => contextFor(db(), e)));
    const b = [];
    for (const ctx of ctxs) b.push(await bookPlace(db(), ctx, s.id));
    expect(b.map((x) => x.status)).toEqual(['booked', 'booked', 'waiting', 'waiting']);
    expect(await problem(bookPlace(db(), ctxs[0]!, s.id))).toMatch(/already booked/);
    await cancelBooking(db(), ctxs[0]!, b[0]!.id, {});
    expect((await statusOf(b[0]!.id)).status).toBe('cancelled');
    expect((await statusOf(b[2]!.id)).status).toBe('booked');
    expect((await statusOf(b[3]!.id)).status).toBe('waiting');
    const promoted = await db().select().from(jobs).where(sql`${jobs.payload}->>'bookingId' = ${b[2]!.id} AND ${jobs.payload}->>'kind' = 'promoted'`);
    expect(promoted).toHaveLength(1);
    // Capacity can rise (the next on the list gets in) but never fall below places taken.
    expect(await problem(updateSession(db(), await admin(), s.id, session({ capacity: '1' })))).toMatch(/2 places are already taken/);
    await updateSession(db(), await admin(), s.id, session({ capacity: '3' }));
    expect((await statusOf(b[3]!.id)).status).toBe('booked');
    // Someone else's booking is not yours to cancel.
    await expect(cancelBooking(db(), ctxs[1]!, b[2]!.id, {})).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('cut-offs: no booking once bookings close or for a past or cancelled session; self-cancellation until its cut-off, later only the administrator (late)', async () => {
    const c = await createCourse(db(), await admin(), course({ title: 'Cut-off course' }));
    const s = await createSession(db(), await admin(), c.id, session());
    const p = await contextFor(db(), people[10]!);
    const { id } = await bookPlace(db(), p, s.id);
    const afterCancelCutoff = new Date(Date.parse(days(7.5)));
    expect(await problem(cancelBooking(db(), p, id, {}, afterCancelCutoff))).toMatch(/cut-off has passed/);
    expect(await problem(bookPlace(db(), await contextFor(db(), people[11]!), s.id, {}, new Date(Date.parse(days(8.5)))))).toMatch(
      /Bookings for this session have closed/,
    );
    await cancelBooking(db(), await admin(), id, { reason: 'Off sick' }, afterCancelCutoff);
    expect(await statusOf(id)).toMatchObject({ status: 'cancelled', attendance: 'cancelled_late' });
    await cancelSession(db(), await admin(), s.id, { reason: 'Trainer unwell' });
    expect(await problem(bookPlace(db(), p, s.id))).toMatch(/cancelled/);
    expect(await problem(cancelSession(db(), await admin(), s.id, { reason: 'again' }))).toMatch(/already been cancelled/);
  });

  it('a course that needs approval: the named line manager approves or declines with a reason; a decline frees the place', async () => {
    const c = await createCourse(db(), await admin(), course({ title: 'Approval course', approvalRequired: 'yes' }));
    const s = await createSession(db(), await admin(), c.id, session({ capacity: '1' }));
    const p1 = await contextFor(db(), people[20]!);
    const p2 = await contextFor(db(), people[21]!);
    expect(await problem(bookPlace(db(), p1, s.id))).toMatch(/Name your line manager/);
    expect(await problem(setLineManager(db(), p1, { managerEmail: people[20]! }))).toMatch(/not your own/);
    await setLineManager(db(), p1, { managerEmail: 'manager@beacon.example' });
    await setLineManager(db(), p2, { managerEmail: 'manager@beacon.example' });
    const b1 = await bookPlace(db(), p1, s.id);
    const b2 = await bookPlace(db(), p2, s.id);
    expect([b1.status, b2.status]).toEqual(['awaiting_approval', 'waiting']);
    const manager = await contextFor(db(), 'manager@beacon.example');
    expect((await approvalsFor(db(), manager)).map((a) => a.booking.id)).toContain(b1.id);
    // Only the named manager decides; a decline needs a reason.
    await expect(decideApproval(db(), p2, b1.id, 'approve')).rejects.toBeInstanceOf(ForbiddenError);
    await expect(decideApproval(db(), manager, b1.id, 'decline', {})).rejects.toThrow(ValidationError);
    await decideApproval(db(), manager, b1.id, 'decline', { reason: 'Ward staffing on that day' });
    expect(await statusOf(b1.id)).toMatchObject({ status: 'declined', decisionReason: 'Ward staffing on that day' });
    // The freed place goes to the next, who needs approval in turn.
    expect((await statusOf(b2.id)).status).toBe('awaiting_approval');
    await decideApproval(db(), manager, b2.id, 'approve');
    expect((await statusOf(b2.id)).status).toBe('booked');
    expect(await problem(decideApproval(db(), manager, b2.id, 'approve'))).toMatch(/already been dealt with/);
    // The manager sees their team's record; a stranger does not.
    expect((await teamRecords(db(), manager)).some((r) => r.booking.id === b2.id)).toBe(true);
    expect((await teamRecords(db(), await contextFor(db(), 'midwife@beacon.example')).catch(() => [])).some((r) => r.booking.id === b2.id)).toBe(false);
  });

  it('the last place, booked by twenty people at once, goes to exactly one; the rest wait; nothing fails', async () => {
    const c = await createCourse(db(), await admin(), course({ title: 'Concurrency course' }));
    const s = await createSession(db(), await admin(), c.id, session({ capacity: '5' }));
    const ctxs = await Promise.all(people.slice(15, 35).map((e) => contextFor(db(), e)));
    const results = await Promise.allSettled(ctxs.map((ctx) => bookPlace(db(), ctx, s.id)));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const statuses = results.map((r) => (r as PromiseFulfilledResult<{ status: string }>).value.status);
    expect(statuses.filter((x) => x === 'booked')).toHaveLength(5);
    expect(statuses.filter((x) => x === 'waiting')).toHaveLength(15);
    const [{ n } = { n: 0 }] = await db()
      .select({ n: sql<number>`count(*)::int` })
      .from(learningBookings)
      .where(and(eq(learningBookings.sessionId, s.id), eq(learningBookings.status, 'booked')));
    expect(Number(n)).toBe(5);
  });
});

describe('after the session', () => {
  it('register → evaluation → certificate → follow-up sent by the job → results with the change in confidence, small groups withheld', async () => {
    const c = await createCourse(db(), await admin(), course({ title: 'Evaluation course' }));
    const startsIn = -1;
    const s = await createSession(
      db(),
      await admin(),
      c.id,
      session({
        startsAt: days(startsIn + 20),
        endsAt: new Date(Date.parse(days(startsIn + 20)) + 3 * 3_600_000).toISOString(),
        capacity: '10',
        bookingCutoffAt: '',
        cancellationCutoffAt: '',
      }),
    );
    // Book and answer the baseline before the session (as of 21 days before now+19).
    const before = new Date(NOW.getTime() - DAY);
    const ctxs = await Promise.all(people.slice(0, 7).map((e) => contextFor(db(), e)));
    const ids = [];
    for (const [i, ctx] of ctxs.entries()) {
      const { id } = await bookPlace(db(), ctx, s.id, {}, before);
      ids.push(id);
      await submitEvaluation(db(), ctx, id, 'baseline', { [CONFIDENCE_KEY]: String(1 + (i % 3)) }, before);
    }
    expect(await problem(submitEvaluation(db(), ctxs[0]!, ids[0]!, 'baseline', { [CONFIDENCE_KEY]: '3' }, before))).toMatch(/already answered/);
    const sessionEnd = new Date(Date.parse(days(startsIn + 20)) + 4 * 3_600_000);
    // The register opens at the start; the trainer marks everyone attended but one.
    const trainer = await contextFor(db(), 'trainer@beacon.example');
    expect(await problem(markRegister(db(), trainer, s.id, { everyone: 'attended' }, before))).toMatch(/opens when the session starts/);
    await expect(markRegister(db(), await contextFor(db(), people[30]!), s.id, { everyone: 'attended' }, sessionEnd)).rejects.toBeInstanceOf(ForbiddenError);
    await markRegister(db(), trainer, s.id, { everyone: 'attended', [`attendance.${ids[6]}`]: 'did_not_attend' }, sessionEnd);
    expect((await statusOf(ids[0]!)).attendance).toBe('attended');
    expect((await statusOf(ids[6]!)).attendance).toBe('did_not_attend');
    // No certificate until the end-of-session evaluation is answered.
    expect(await problem(certificatePdf(db(), ctxs[0]!, ids[0]!))).toMatch(/evaluation/);
    const bad = await submitEvaluation(db(), ctxs[0]!, ids[0]!, 'immediate', { session_rating: '7', [CONFIDENCE_KEY]: '4' }, sessionEnd).catch((e) => e);
    expect(bad).toBeInstanceOf(ValidationError);
    expect(Object.keys(bad.fieldErrors).sort()).toEqual(['session_rating', 'will_change']);
    expect(await db().select().from(learningResponses).where(eq(learningResponses.sessionId, s.id))).toHaveLength(7);
    for (const [i, ctx] of ctxs.slice(0, 6).entries())
      await submitEvaluation(
        db(),
        ctx,
        ids[i]!,
        'immediate',
        { session_rating: '5', [CONFIDENCE_KEY]: String(4 + (i % 2)), will_change: 'Check what I am told' },
        sessionEnd,
      );
    const pdf = await certificatePdf(db(), ctxs[0]!, ids[0]!);
    expect(pdf.pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await expect(certificatePdf(db(), ctxs[1]!, ids[0]!)).rejects.toBeInstanceOf(ForbiddenError);
    await expect(getEvaluation(db(), ctxs[6]!, ids[6]!, 'immediate')).resolves.toMatchObject({ open: false });

    // Eight weeks later the job sends the follow-up, once.
    const later = new Date(sessionEnd.getTime() + 8 * 7 * DAY + DAY);
    expect((await learningTick(db(), later)).followUps).toBe(6);
    expect((await learningTick(db(), later)).followUps).toBe(0);
    for (const [i, ctx] of ctxs.slice(0, 5).entries())
      await submitEvaluation(
        db(),
        ctx,
        ids[i]!,
        'follow_up',
        { considering_dc: 'I test what I am told', [CONFIDENCE_KEY]: '4', used_in_practice: '0' },
        new Date(later.getTime() + DAY),
      );
    // The one who did not answer is reminded a week later, twice at most.
    expect((await learningTick(db(), new Date(later.getTime() + 8 * DAY))).surveyReminders).toBe(1);
    expect((await learningTick(db(), new Date(later.getTime() + 9 * DAY))).surveyReminders).toBe(0);
    expect((await learningTick(db(), new Date(later.getTime() + 16 * DAY))).surveyReminders).toBe(1);
    expect((await learningTick(db(), new Date(later.getTime() + 24 * DAY))).surveyReminders).toBe(0);

    // The follow-up survey is anonymous: its responses name no request.
    const followUps = await db()
      .select()
      .from(learningResponses)
      .where(and(eq(learningResponses.sessionId, s.id), eq(learningResponses.kind, 'follow_up')));
    expect(followUps.every((r) => r.requestId === null)).toBe(true);

    const results = await courseResults(db(), await admin(), c.id);
    const stage = Object.fromEntries(results.stages.map((x) => [x.kind, x]));
    // Asked: everyone with a confirmed place (the one who did not come included).
    expect(stage.baseline).toMatchObject({ asked: 7, answered: 7, rate: 100 });
    expect(stage.baseline!.confidence.mean).toBeCloseTo((1 + 2 + 3 + 1 + 2 + 3 + 1) / 7, 2);
    expect(stage.immediate).toMatchObject({ asked: 6, answered: 6, rate: 100 });
    expect(stage.immediate!.confidence.mean).toBe(4.5);
    expect(stage.follow_up).toMatchObject({ asked: 6, answered: 5, rate: 83 });
    // By agency: all from one trust (seven people); by any smaller cut the figure is withheld.
    expect(results.byAgency).toHaveLength(1);
    expect(results.byAgency[0]!.byStage.immediate.mean).toBe(4.5);
    // A single session with four answers is withheld.
    const few = await courseResults(db(), await admin(), c.id, { sessionId: s.id });
    expect(few.stages.find((x) => x.kind === 'follow_up')!.confidence.suppressed).toBe(false);
    const csv = await resultsCsv(db(), await admin(), c.id);
    expect(csv.split('\n')[0]).toBe('session_date,stage,survey,response,organisation,role,question,number,text,choices,submitted');
    expect(csv).not.toContain('person0@');
    // The anonymous follow-up has five answers in this session (enough to be in the file): three answers each.
    expect(csv.split('\n').filter((l) => l.split(',')[1] === 'follow_up')).toHaveLength(15);
    // The results are not for delegates.
    await expect(courseResults(db(), ctxs[0]!, c.id)).rejects.toBeInstanceOf(ForbiddenError);
    const [{ n } = { n: 0 }] = await db().select({ n: sql<number>`count(*)::int` }).from(learningAnswers);
    expect(Number(n)).toBeGreaterThan(20);
    const [req] = await db().select().from(learningSurveyRequests).where(eq(learningSurveyRequests.bookingId, ids[5]!));
    expect(req).toBeDefined();

    // Themes: the training administrator tags free-text answers; the counts show, withheld under five.
    const page = await questionAnswers(db(), await admin(), c.id, 'immediate.will_change');
    expect(page).toMatchObject({ total: 6, withheld: false, tags: true });
    for (const a of page.answers.slice(0, 5)) await tagAnswer(db(), await admin(), c.id, a.id, { themes: 'checks with other agencies,  Escalates sooner' });
    await tagAnswer(db(), await admin(), c.id, page.answers[5]!.id, { themes: 'Checks with other agencies' });
    const themed = (await courseResults(db(), await admin(), c.id)).questions.find((x) => x.question.key === 'will_change')!;
    expect(themed.themes).toEqual([
      { theme: 'Checks with other agencies', count: 6 },
      { theme: 'Escalates sooner', count: 5 },
    ]);
    expect(await problem(tagAnswer(db(), await admin(), c.id, page.answers[0]!.id, { themes: 'a,b,c,d,e,f,g,h,i' }))).toMatch(/at most 8/);
    const manager = await contextFor(db(), 'partnership@beacon.example');
    expect((await questionAnswers(db(), manager, c.id, 'immediate.will_change')).tags).toBe(false);
    await expect(tagAnswer(db(), manager, c.id, page.answers[0]!.id, { themes: 'x' })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(questionAnswers(db(), ctxs[0]!, c.id, 'immediate.will_change')).rejects.toBeInstanceOf(ForbiddenError);
    await expect(questionAnswers(db(), await admin(), c.id, 'immediate.session_rating')).rejects.toThrow(/not found/i);
  });

  it('emails carry the calendar invitation, updated when the session moves; a session with no time has none', async () => {
    const mailer = memoryMailer();
    const c = await createCourse(db(), await admin(), course({ title: 'Invitation course' }));
    const s = await createSession(db(), await admin(), c.id, session({ capacity: '5' }));
    const p = await contextFor(db(), people[36]!);
    const { id } = await bookPlace(db(), p, s.id);
    expect(await sendLearningEmail(db(), mailer, 'https://beacon.test', { kind: 'booked', bookingId: id, userId: p.actor.userId })).toBe(true);
    const first = mailer.sent.at(-1)!;
    expect(first.to).toBe(people[36]);
    expect(first.icalEvent?.method).toBe('REQUEST');
    expect(first.icalEvent?.content).toContain('SEQUENCE:0');
    await updateSession(
      db(),
      await admin(),
      s.id,
      session({ capacity: '5', startsAt: days(11), endsAt: new Date(Date.parse(days(11)) + 3 * 3_600_000).toISOString() }),
    );
    await sendLearningEmail(db(), mailer, 'https://beacon.test', { kind: 'session_changed', bookingId: id, userId: p.actor.userId, key: 1 });
    expect(mailer.sent.at(-1)!.icalEvent?.content).toContain('SEQUENCE:1');
    expect(mailer.sent.at(-1)!.subject).toContain('has changed');
    const { session: row, course: crs } = await loadSession(db(), s.id);
    expect(
      await problem(Promise.resolve().then(() => invitationIcs({ ...row, startsAt: null, endsAt: null }, crs, { method: 'PUBLISH', publicUrl: 'x' }))),
    ).toMatch(/no date and time/);
  });
});

describe('reminders', () => {
  it('each course sets its own reminder days (default 14 and 2); each is sent once through the outbox; nonsense is refused', async () => {
    expect(await problem(createCourse(db(), await admin(), course({ title: 'Bad reminders', reminderDays: 'soon' })))).toMatch(
      /whole numbers separated by commas/,
    );
    expect(await problem(createCourse(db(), await admin(), course({ title: 'Bad reminders', reminderDays: '90' })))).toMatch(/at most 60 days/);
    const c = await createCourse(db(), await admin(), course({ title: 'Reminded a week before', reminderDays: '7' }));
    const s = await createSession(
      db(),
      await admin(),
      c.id,
      session({ capacity: '5', startsAt: days(10), endsAt: new Date(Date.parse(days(10)) + 3_600_000).toISOString() }),
    );
    const p = await contextFor(db(), people[38]!);
    await bookPlace(db(), p, s.id, {});
    const remindersFor = async () =>
      (await db().select({ payload: jobs.payload }).from(jobs).where(eq(jobs.type, 'learning.email'))).filter(
        (j) => JSON.stringify(j.payload).includes('"reminder"') && JSON.stringify(j.payload).includes(p.actor.userId),
      ).length;
    // Eight days before (inside the default 14, outside this course's 7): nothing.
    await learningTick(db(), new Date(NOW.getTime() + 2 * DAY));
    expect(await remindersFor()).toBe(0);
    await learningTick(db(), new Date(NOW.getTime() + 3.5 * DAY));
    expect(await remindersFor()).toBe(1);
    await learningTick(db(), new Date(NOW.getTime() + 3.6 * DAY));
    expect(await remindersFor()).toBe(1);
    const { course: row } = await loadSession(db(), s.id);
    expect(row.reminderDays).toEqual([7]);
  });
});

describe('the line manager’s follow-up', () => {
  it('where the course asks, the delegate’s line manager is asked too, with the follow-up; only they can answer it', async () => {
    const c = await createCourse(db(), await admin(), course({ title: 'Manager follow-up course', followUpAskManager: 'yes' }));
    const s = await createSession(db(), await admin(), c.id, session({ capacity: '5', bookingCutoffAt: '', cancellationCutoffAt: '' }));
    const delegate = await contextFor(db(), people[37]!);
    await setLineManager(db(), delegate, { managerEmail: 'manager@beacon.example' });
    const { id } = await bookPlace(db(), delegate, s.id, {});
    const end = new Date(Date.parse(days(10)) + 4 * 3_600_000);
    await markRegister(db(), await contextFor(db(), 'trainer@beacon.example'), s.id, { everyone: 'attended' }, end);
    const later = new Date(end.getTime() + 8 * 7 * DAY + DAY);
    await learningTick(db(), later);
    const manager = await contextFor(db(), 'manager@beacon.example');
    const pending = await pendingSurveys(db(), manager.actor.userId, later);
    expect(pending.find((p) => p.bookingId === id)).toMatchObject({ kind: 'manager_follow_up', about: 'Person 37' });
    // The delegate sees their own follow-up, not the manager's.
    expect((await pendingSurveys(db(), delegate.actor.userId, later)).filter((p) => p.bookingId === id).map((p) => p.kind)).toEqual(['follow_up']);
    const mail = (await db().select({ payload: jobs.payload }).from(jobs).where(eq(jobs.type, 'learning.email'))).map(
      (j) => j.payload as Record<string, unknown>,
    );
    expect(mail.some((m) => m.kind === 'survey' && m.key === 'manager_follow_up' && m.userId === manager.actor.userId)).toBe(true);
    await expect(getEvaluation(db(), delegate, id, 'manager_follow_up', later)).rejects.toBeInstanceOf(ForbiddenError);
    expect(await problem(submitEvaluation(db(), manager, id, 'manager_follow_up', {}, later))).toMatch(/Choose|Select|Answer/);
    await submitEvaluation(db(), manager, id, 'manager_follow_up', { seen_in_practice: '0', manager_example: 'She challenged a parent’s account' }, later);
    expect(await problem(submitEvaluation(db(), manager, id, 'manager_follow_up', { seen_in_practice: '1' }, later))).toMatch(/already answered/);
    const r = await courseResults(db(), await admin(), c.id);
    expect(r.stages.find((x) => x.kind === 'manager_follow_up')).toMatchObject({ asked: 1, answered: 1 });
  });
});

describe('the survey builder', () => {
  it('a draft takes questions; once published it never changes; a change is a new version', async () => {
    const ctx = await admin();
    const { id } = await createSurvey(db(), ctx, { title: 'Escalation follow-up', kind: 'follow_up', anonymous: 'yes' });
    await addQuestion(db(), ctx, id, { key: 'escalated', type: 'single', text: 'Have you escalated a concern since?', required: 'yes', options: 'Yes\nNo' });
    expect(await problem(addQuestion(db(), ctx, id, { key: 'bad', type: 'single', text: 'One option', options: 'Only' }))).toMatch(/at least two options/);
    await publishSurvey(db(), ctx, id);
    expect(await problem(addQuestion(db(), ctx, id, { key: 'more', type: 'text', text: 'More?' }))).toMatch(/cannot change/);
    const v2 = await newSurveyVersion(db(), ctx, id);
    await addQuestion(db(), ctx, v2.id, { key: 'more', type: 'text', text: 'More?' });
    await publishSurvey(db(), ctx, v2.id);
    await expect(
      createSurvey(db(), await contextFor(db(), 'midwife@beacon.example'), { title: 'x', kind: 'baseline', anonymous: 'no' }),
    ).rejects.toBeInstanceOf(ForbiddenError);
  });
});
