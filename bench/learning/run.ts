import os from 'node:os';
import { and, eq, inArray } from 'drizzle-orm';
import { seedDemo } from '../../src/demo/seed';
import { organisations } from '../../src/directory/schema';
import { createUser } from '../../src/people/service';
import { systemContext } from '../../src/platform/context';
import type { Database, Db } from '../../src/platform/db/engine';
import { createCourse, createSession } from '../../src/learning/catalogue';
import { bookPlace } from '../../src/learning/booking';
import { courseResults } from '../../src/learning/results';
import { surveyInForce } from '../../src/learning/surveys';
import { learningAnswers, learningBookings, learningResponses, learningSessions, learningSurveyRequests } from '../../src/learning/schema';
import { loadCourse } from '../../src/learning/access';
import { CONFIDENCE_KEY } from '../../src/learning/model';
import { contextFor } from '../../test/support/alerts';
import { onBothEngines } from '../engines';
import { numberArg } from '../args';
import { Rng } from '../../src/demo/rng';

const PEOPLE = numberArg('--people', 200);
const PLACES = numberArg('--places', 20);
const ANSWERS = numberArg('--answers', 50_000);
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DAY = 86_400_000;

interface Figures {
  engine: string;
  concurrentMs: number;
  booked: number;
  waiting: number;
  errors: number;
  sequentialMs: number;
  answers: number;
  reportMs: number[];
  smallAnswers: number;
  smallReportMs: number[];
  confidence: string;
}

const course = (title: string) => ({
  title,
  summary: 'Benchmark course',
  outcomes: 'One',
  topics: ['disguised_compliance'],
  format: 'in_person',
  durationMinutes: '180',
  funded: 'yes',
  approvalRequired: 'no',
});

async function people(db: Db, n: number): Promise<string[]> {
  const [org] = await db.select({ id: organisations.id }).from(organisations).where(eq(organisations.odsCode, 'RN5'));
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const email = `bench${i}@learning.bench`;
    await createUser(db, systemContext('bench'), {
      email,
      displayName: `Bench ${i}`,
      jobTitle: 'Midwife',
      organisationId: org!.id,
      role: 'point_of_care',
      unitId: '',
    });
    out.push(email);
  }
  return out;
}

/** `answers` synthetic answers for a course: 30 past sessions, every delegate booked and attended, most answering each stage. */
async function syntheticAnswers(db: Db, courseId: string, userIds: string[], organisationId: string, answers: number, rng: Rng) {
  const c = await loadCourse(db, courseId);
  const surveys = {
    baseline: (await surveyInForce(db, c.baselineSurveyFamilyId))!,
    immediate: (await surveyInForce(db, c.immediateSurveyFamilyId))!,
    follow_up: (await surveyInForce(db, c.followUpSurveyFamilyId))!,
  };
  const perPerson = { baseline: 2, immediate: 3, follow_up: 4 };
  const now = Date.now();
  let made = 0;
  const kinds = ['baseline', 'immediate', 'follow_up'] as const;
  // Past sessions, ten days apart, every delegate booked and attended, until the answers reach the target.
  for (let si = 0; made < answers; si++) {
    const start = now - (700 - si * 10) * DAY;
    const [row] = await db
      .insert(learningSessions)
      .values({ courseId, startsAt: new Date(start), endsAt: new Date(start + 3 * 3_600_000), capacity: userIds.length, venue: 'Bench' })
      .returning({ id: learningSessions.id });
    const sessionId = row!.id;
    const bookings = await db
      .insert(learningBookings)
      .values(
        userIds.map((userId) => ({
          sessionId,
          userId,
          organisationId,
          role: 'point_of_care',
          status: 'booked',
          attendance: 'attended',
          attendanceMarkedAt: new Date(start),
        })),
      )
      .returning({ id: learningBookings.id });
    const requests: (typeof learningSurveyRequests.$inferInsert)[] = [];
    const responses: (typeof learningResponses.$inferInsert & { answers: { key: string; n?: number; text?: string }[] })[] = [];
    for (const b of bookings)
      for (const kind of kinds) {
        if (made >= answers) break;
        const sent = new Date(start + (kind === 'follow_up' ? 56 : 0) * DAY);
        const answered = rng.chance(0.9);
        requests.push({
          bookingId: b.id,
          kind,
          familyId: surveys[kind].familyId,
          sentAt: sent,
          closesAt: new Date(sent.getTime() + 28 * DAY),
          respondedAt: answered ? sent : null,
        });
        if (!answered) continue;
        const base = kind === 'baseline' ? 2.3 : kind === 'immediate' ? 4 : 3.7;
        const conf = Math.max(1, Math.min(5, Math.round(base + (rng.next() - 0.5) * 2)));
        const a =
          kind === 'baseline'
            ? [
                { key: CONFIDENCE_KEY, n: conf },
                { key: 'hopes', text: 'How to challenge' },
              ]
            : kind === 'immediate'
              ? [
                  { key: 'session_rating', n: 4 + (rng.chance(0.6) ? 1 : 0) },
                  { key: CONFIDENCE_KEY, n: conf },
                  { key: 'will_change', text: 'Test what I am told' },
                ]
              : [
                  { key: 'considering_dc', text: 'I ask other agencies' },
                  { key: 'example', text: 'A family moved' },
                  { key: CONFIDENCE_KEY, n: conf },
                  { key: 'used_in_practice', n: rng.chance(0.7) ? 0 : 1 },
                ];
        responses.push({
          surveyId: surveys[kind].id,
          familyId: surveys[kind].familyId,
          kind,
          courseId,
          sessionId,
          organisationId,
          role: 'point_of_care',
          submittedAt: sent,
          answers: a,
        });
        made += perPerson[kind];
      }
    for (let i = 0; i < requests.length; i += 1000) await db.insert(learningSurveyRequests).values(requests.slice(i, i + 1000));
    for (let i = 0; i < responses.length; i += 500) {
      const chunk = responses.slice(i, i + 500);
      const ids = await db
        .insert(learningResponses)
        .values(chunk.map(({ answers: _a, ...r }) => r))
        .returning({ id: learningResponses.id });
      const rows = chunk.flatMap((r, j) =>
        r.answers.map((a) => ({ responseId: ids[j]!.id, questionKey: a.key, valueNumber: a.n ?? null, valueText: a.text ?? null })),
      );
      for (let k = 0; k < rows.length; k += 1000) await db.insert(learningAnswers).values(rows.slice(k, k + 1000));
    }
  }
  return made;
}

async function timeReport(db: Db, courseId: string, repeat: number) {
  const admin = await contextFor(db, 'training@beacon.example');
  const times: number[] = [];
  let last: Awaited<ReturnType<typeof courseResults>> | null = null;
  for (let i = 0; i < repeat; i++) {
    const t = performance.now();
    last = await courseResults(db, admin, courseId);
    times.push(performance.now() - t);
  }
  return { times, result: last! };
}

async function run(engine: string, database: Database): Promise<Figures> {
  const db = database.db;
  await seedDemo(db, 'correct horse battery staple 42');
  const emails = await people(db, PEOPLE);
  const admin = await contextFor(db, 'training@beacon.example');
  const start = new Date(Date.now() + 30 * DAY).toISOString();
  const end = new Date(Date.now() + 30 * DAY + 3 * 3_600_000).toISOString();

  // 1. Everyone books the last places at once.
  const hot = await createCourse(db, admin, course('Benchmark: the last places'));
  const hotSession = await createSession(db, admin, hot.id, { startsAt: start, endsAt: end, venue: 'Room', capacity: String(PLACES) });
  const contexts = await Promise.all(emails.map((e) => contextFor(db, e)));
  let t = performance.now();
  const outcomes = await Promise.allSettled(contexts.map((ctx) => bookPlace(db, ctx, hotSession.id, {})));
  const concurrentMs = performance.now() - t;
  const rows = await db.select({ status: learningBookings.status }).from(learningBookings).where(eq(learningBookings.sessionId, hotSession.id));
  const booked = rows.filter((r) => r.status === 'booked').length;
  const waiting = rows.filter((r) => r.status === 'waiting').length;
  const errors = outcomes.filter((o) => o.status === 'rejected').length;
  if (booked !== PLACES || waiting !== PEOPLE - PLACES || errors)
    throw new Error(`${engine}: ${booked} booked, ${waiting} waiting, ${errors} errors; expected ${PLACES}, ${PEOPLE - PLACES}, 0`);

  // Baseline: the same bookings one after another on a second session.
  const calmSession = await createSession(db, admin, hot.id, { startsAt: start, endsAt: end, venue: 'Room 2', capacity: String(PLACES) });
  t = performance.now();
  for (const ctx of contexts) await bookPlace(db, ctx, calmSession.id, {});
  const sequentialMs = performance.now() - t;

  // 2. The results report over many answers, and over 1% of them.
  const rng = new Rng(7);
  const userIds = contexts.map((c) => c.actor.userId);
  const [org] = await db.select({ id: organisations.id }).from(organisations).where(eq(organisations.odsCode, 'RN5'));
  const big = await createCourse(db, admin, course('Benchmark: results over many answers'));
  const answers = await syntheticAnswers(db, big.id, userIds, org!.id, ANSWERS, rng);
  const small = await createCourse(db, admin, course('Benchmark: results over few answers'));
  const smallAnswers = await syntheticAnswers(db, small.id, userIds, org!.id, Math.max(50, Math.round(ANSWERS / 100)), rng);
  const bigReport = await timeReport(db, big.id, 5);
  const smallReport = await timeReport(db, small.id, 5);
  const stages = bigReport.result.stages.map((s) => `${s.kind} ${s.confidence.mean ?? '–'} (${s.answered}/${s.asked})`).join(', ');
  // The report counted what was inserted.
  const inserted = await db
    .select({ id: learningResponses.id })
    .from(learningResponses)
    .where(and(eq(learningResponses.courseId, big.id), inArray(learningResponses.kind, ['baseline', 'immediate', 'follow_up'])));
  if (bigReport.result.stages.reduce((s, x) => s + x.answered, 0) !== inserted.length) throw new Error('the report did not count every response');
  return {
    engine,
    concurrentMs,
    booked,
    waiting,
    errors,
    sequentialMs,
    answers,
    reportMs: bigReport.times,
    smallAnswers,
    smallReportMs: smallReport.times,
    confidence: stages,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const ms = (x: number) => `${Math.round(x).toLocaleString('en-GB')} ms`;

async function main() {
  const cpus = os.cpus();
  console.log('Beacon learning benchmark: the last places booked by many at once, and the results report over many answers');
  console.log(
    `Machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}; Node ${process.version}\n`,
  );
  const results = await onBothEngines('learning', PG_URL, run);

  console.log(`1. ${PEOPLE} people book a session of ${PLACES} places at once (baseline: the same ${PEOPLE} bookings one after another, no contention)`);
  console.log('| engine | at once | booked | waiting | errors | one after another | ratio |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results)
    console.log(
      `| ${r.engine} | ${ms(r.concurrentMs)} | ${r.booked} | ${r.waiting} | ${r.errors} | ${ms(r.sequentialMs)} | ${(r.concurrentMs / r.sequentialMs).toFixed(2)} |`,
    );
  console.log(`\n2. The results report (courseResults: every stage, every question, by agency and role), median of 5 (all in brackets)`);
  console.log('| engine | answers | report | baseline: answers | baseline: report | ratio | confidence by stage (answered/asked) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results)
    console.log(
      `| ${r.engine} | ${r.answers.toLocaleString('en-GB')} | ${ms(median(r.reportMs))} (${r.reportMs.map((x) => Math.round(x)).join(', ')}) | ${r.smallAnswers.toLocaleString('en-GB')} | ${ms(median(r.smallReportMs))} | ${(median(r.reportMs) / median(r.smallReportMs)).toFixed(1)} | ${r.confidence} |`,
    );
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
