/**
 * Evaluation results for a course: response rates at each stage, every question's distribution and mean,
 * confidence from before the session to its end to weeks later, by agency and by role, and the free-text
 * answers. No group smaller than five is ever shown (rules.ts `summariseScale`, `suppress`), whatever the
 * filter, so an anonymous answer cannot be picked out by narrowing the period or the session.
 */
import { and, asc, eq, gte, inArray, lte, sql } from 'drizzle-orm';
import { stringify } from 'csv-stringify/sync';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { authorizeContext, authorizeList } from '../platform/auth/policy';
import { recordAudit } from '../platform/audit/service';
import { inOrganisationsArea } from '../directory/service';
import { organisations } from '../directory/schema';
import { ROLE_LABELS, type Role } from '../platform/context';
import {
  learningAnswers,
  learningBookings,
  learningCourses,
  learningResponses,
  learningSessions,
  learningSessionTrainers,
  learningSurveyRequests,
  learningSurveys,
} from './schema';
import { courseResultsScope, loadCourse, type CourseRow } from './access';
import { CONFIDENCE_KEY, SURVEY_KINDS, SURVEY_KIND_LABELS, type SurveyKind, type SurveyQuestion } from './model';
import { MIN_CELL, responseRate, type ScaleSummary, summariseScale, suppress, themeCounts, withheldTogether } from './rules';

export interface ResultsFilter {
  sessionId?: string;
  from?: string;
  to?: string;
}

/** The course, if this person may read its results (its partnership, its trainers, auditors). */
export async function requireCourseResults(db: Db, ctx: RequestContext, courseId: string): Promise<CourseRow> {
  const course = await loadCourse(db, courseId);
  const trainers = await db
    .selectDistinct({ userId: learningSessionTrainers.userId })
    .from(learningSessionTrainers)
    .innerJoin(learningSessions, eq(learningSessions.id, learningSessionTrainers.sessionId))
    .where(eq(learningSessions.courseId, courseId));
  authorizeContext(ctx, 'learning.results', {
    inActorsArea: ctx.actor ? await inOrganisationsArea(db, ctx.actor.organisationId, course.geographyId) : false,
    trainerUserIds: trainers.map((t) => t.userId),
  });
  return course;
}

/** Courses whose results this person may read. */
export async function resultsCourses(db: Db, ctx: RequestContext) {
  authorizeList(ctx, 'learning.results');
  const scope = await courseResultsScope(db, ctx);
  return db.select({ id: learningCourses.id, title: learningCourses.title }).from(learningCourses).where(scope).orderBy(asc(learningCourses.title));
}

const isDay = (s: string | undefined): s is string => !!s && /^\d{4}-\d{2}-\d{2}$/.test(s);

async function sessionsInFilter(db: Db, courseId: string, f: ResultsFilter) {
  return db
    .select({ id: learningSessions.id, startsAt: learningSessions.startsAt })
    .from(learningSessions)
    .where(
      and(
        eq(learningSessions.courseId, courseId),
        f.sessionId && /^[0-9a-f-]{36}$/i.test(f.sessionId) ? eq(learningSessions.id, f.sessionId) : undefined,
        isDay(f.from) ? gte(learningSessions.startsAt, new Date(`${f.from}T00:00:00Z`)) : undefined,
        isDay(f.to) ? lte(learningSessions.startsAt, new Date(`${f.to}T23:59:59Z`)) : undefined,
      ),
    )
    .orderBy(asc(learningSessions.startsAt));
}

export interface StageResult {
  kind: SurveyKind;
  label: string;
  asked: number;
  answered: number;
  rate: number | null;
  confidence: ScaleSummary;
}
export interface GroupConfidence {
  group: string;
  byStage: Record<SurveyKind, ScaleSummary>;
}
export interface QuestionResult {
  kind: SurveyKind;
  question: SurveyQuestion;
  scale?: ScaleSummary;
  choices?: { option: string; count: number | null }[] | null;
  texts?: string[] | null;
  /** Themes the training team gave the free-text answers, most used first (a count under five withheld). */
  themes?: { theme: string; count: number | null }[] | null;
  answered: number;
}
export interface CourseResults {
  course: CourseRow;
  sessions: { id: string; startsAt: Date | null }[];
  stages: StageResult[];
  byAgency: GroupConfidence[];
  byRole: GroupConfidence[];
  questions: QuestionResult[];
  minCell: number;
  totalAnswers: number;
}

/** Results of a course's evaluations (counts only; reading them is audited). */
export async function courseResults(db: Db, ctx: RequestContext, courseId: string, filter: ResultsFilter = {}): Promise<CourseResults> {
  const course = await requireCourseResults(db, ctx, courseId);
  const sessions = await sessionsInFilter(db, courseId, filter);
  const sessionIds = sessions.map((s) => s.id);
  const empty = !sessionIds.length;
  const inSessions = (col: typeof learningBookings.sessionId | typeof learningResponses.sessionId) => (empty ? sql`false` : inArray(col, sessionIds));

  const [bookedRow] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(learningBookings)
    .where(and(inSessions(learningBookings.sessionId), eq(learningBookings.status, 'booked')));
  const requests = await db
    .select({ kind: learningSurveyRequests.kind, n: sql<number>`count(*)::int` })
    .from(learningSurveyRequests)
    .innerJoin(learningBookings, eq(learningBookings.id, learningSurveyRequests.bookingId))
    .where(inSessions(learningBookings.sessionId))
    .groupBy(learningSurveyRequests.kind);
  const answers = await db
    .select({
      responseId: learningResponses.id,
      kind: learningResponses.kind,
      surveyId: learningResponses.surveyId,
      organisation: organisations.name,
      role: learningResponses.role,
      key: learningAnswers.questionKey,
      n: learningAnswers.valueNumber,
      text: learningAnswers.valueText,
      choices: learningAnswers.valueChoices,
      themes: learningAnswers.themes,
    })
    .from(learningResponses)
    .leftJoin(learningAnswers, eq(learningAnswers.responseId, learningResponses.id))
    .leftJoin(organisations, eq(organisations.id, learningResponses.organisationId))
    .where(and(eq(learningResponses.courseId, courseId), inSessions(learningResponses.sessionId)));

  const responsesByKind = new Map<string, Set<string>>();
  for (const a of answers) responsesByKind.set(a.kind, (responsesByKind.get(a.kind) ?? new Set()).add(a.responseId));
  const confidenceOf = (rows: typeof answers, kind: SurveyKind) =>
    summariseScale(rows.filter((a) => a.kind === kind && a.key === CONFIDENCE_KEY && a.n !== null).map((a) => a.n!));

  const stages: StageResult[] = SURVEY_KINDS.map((kind) => {
    const answered = responsesByKind.get(kind)?.size ?? 0;
    // Before the session, everyone with a confirmed place is asked; afterwards, those sent the survey.
    const asked = kind === 'baseline' ? Number(bookedRow?.n ?? 0) : Number(requests.find((r) => r.kind === kind)?.n ?? 0);
    return {
      kind,
      label: SURVEY_KIND_LABELS[kind],
      asked,
      answered,
      rate: responseRate(answered, Math.max(asked, answered)),
      confidence: confidenceOf(answers, kind),
    };
  });

  const grouped = (groupOf: (a: (typeof answers)[number]) => string): GroupConfidence[] => {
    const groups = [...new Set(answers.map(groupOf))].sort();
    const out = groups.map((group) => {
      const rows = answers.filter((a) => groupOf(a) === group);
      return { group, byStage: Object.fromEntries(SURVEY_KINDS.map((k) => [k, confidenceOf(rows, k)])) as Record<SurveyKind, ScaleSummary> };
    });
    // The stage's total is shown above: withhold enough groups that none can be worked out by subtraction.
    for (const k of SURVEY_KINDS) {
      const hidden = withheldTogether(out.map((g) => g.byStage[k].n));
      for (const [i, g] of out.entries()) if (hidden[i]) g.byStage[k] = { n: g.byStage[k].n, mean: null, distribution: null, suppressed: true };
    }
    return out;
  };

  // Each question as asked in the versions answered (the newest wording).
  const surveyIds = [...new Set(answers.map((a) => a.surveyId))];
  const surveys = surveyIds.length ? await db.select().from(learningSurveys).where(inArray(learningSurveys.id, surveyIds)) : [];
  const questions: QuestionResult[] = [];
  for (const kind of SURVEY_KINDS) {
    const seen = new Map<string, SurveyQuestion>();
    for (const s of surveys.filter((x) => x.kind === kind).sort((a, b) => a.version - b.version)) for (const q of s.questions) seen.set(q.key, q);
    for (const q of seen.values()) {
      const rows = answers.filter((a) => a.kind === kind && a.key === q.key);
      const answered = rows.length;
      if (q.type === 'rating' || q.type === 'confidence')
        questions.push({ kind, question: q, answered, scale: summariseScale(rows.map((r) => r.n!).filter((n) => n !== null)) });
      else if (q.type === 'text')
        questions.push({
          kind,
          question: q,
          answered,
          texts: answered >= MIN_CELL ? rows.map((r) => r.text ?? '').filter(Boolean) : null,
          themes: answered >= MIN_CELL ? themeCounts(rows) : null,
        });
      else {
        const counts = (q.options ?? []).map((option, i) => ({
          option,
          count: rows.filter((r) => (q.type === 'single' ? r.n === i : (r.choices ?? []).includes(i))).length,
        }));
        // Single choice: the counts add up to the number who answered, so withhold enough that none can be worked out.
        const hidden = q.type === 'single' ? withheldTogether(counts.map((c) => c.count)) : counts.map((c) => suppress(c.count) === null);
        questions.push({
          kind,
          question: q,
          answered,
          choices: answered >= MIN_CELL ? counts.map((c, i) => ({ option: c.option, count: hidden[i] ? null : c.count })) : null,
        });
      }
    }
  }
  await recordAudit(db, ctx, {
    action: 'learning.results.view',
    verb: 'R',
    entityType: 'LearningCourse',
    entityId: courseId,
    detail: { sessions: sessionIds.length, ...(filter.from ? { from: filter.from } : {}), ...(filter.to ? { to: filter.to } : {}) },
  });
  return {
    course,
    sessions,
    stages,
    byAgency: grouped((a) => a.organisation ?? 'Unknown organisation'),
    byRole: grouped((a) => ROLE_LABELS[a.role as Role] ?? a.role ?? 'Unknown role'),
    questions,
    minCell: MIN_CELL,
    totalAnswers: answers.filter((a) => a.key !== null).length,
  };
}

/**
 * Every answer of a course as CSV, one row per answer: the session's date, the stage, the survey version,
 * the question and the answer. No person, and for anonymous surveys no organisation or role either.
 */
export async function resultsCsv(db: Db, ctx: RequestContext, courseId: string, filter: ResultsFilter = {}): Promise<string> {
  await requireCourseResults(db, ctx, courseId);
  const sessions = await sessionsInFilter(db, courseId, filter);
  const rows = sessions.length
    ? await db
        .select({
          sessionId: learningResponses.sessionId,
          sessionStart: learningSessions.startsAt,
          kind: learningResponses.kind,
          title: learningSurveys.title,
          version: learningSurveys.version,
          anonymous: learningSurveys.anonymous,
          responseId: learningResponses.id,
          organisation: organisations.name,
          role: learningResponses.role,
          key: learningAnswers.questionKey,
          n: learningAnswers.valueNumber,
          text: learningAnswers.valueText,
          choices: learningAnswers.valueChoices,
          submittedAt: learningResponses.submittedAt,
        })
        .from(learningAnswers)
        .innerJoin(learningResponses, eq(learningResponses.id, learningAnswers.responseId))
        .innerJoin(learningSurveys, eq(learningSurveys.id, learningResponses.surveyId))
        .innerJoin(learningSessions, eq(learningSessions.id, learningResponses.sessionId))
        .leftJoin(organisations, eq(organisations.id, learningResponses.organisationId))
        .where(
          and(
            eq(learningResponses.courseId, courseId),
            inArray(
              learningResponses.sessionId,
              sessions.map((s) => s.id),
            ),
          ),
        )
        .orderBy(asc(learningSessions.startsAt), asc(learningResponses.submittedAt), asc(learningResponses.id))
    : [];
  // Anonymous answers from a session and stage with fewer than five responses are left out: the session's
  // date would point at the few people who were there.
  const anonymousPerSession = new Map<string, Set<string>>();
  for (const r of rows)
    if (r.anonymous) {
      const k = `${r.sessionId}|${r.kind}`;
      anonymousPerSession.set(k, (anonymousPerSession.get(k) ?? new Set()).add(r.responseId));
    }
  const shown = rows.filter((r) => !r.anonymous || (anonymousPerSession.get(`${r.sessionId}|${r.kind}`)?.size ?? 0) >= MIN_CELL);
  // Responses are numbered in the file (the same number for one person's answers), never identified.
  const number = new Map<string, number>();
  const out = shown.map((r) => {
    if (!number.has(r.responseId)) number.set(r.responseId, number.size + 1);
    return [
      r.sessionStart ? r.sessionStart.toISOString().slice(0, 10) : '',
      r.kind,
      `${r.title} (version ${r.version})`,
      number.get(r.responseId),
      r.anonymous ? '' : (r.organisation ?? ''),
      r.anonymous ? '' : (r.role ?? ''),
      r.key,
      r.n ?? '',
      r.text ?? '',
      r.choices ? r.choices.join(';') : '',
      r.submittedAt.toISOString().slice(0, 10),
    ];
  });
  await recordAudit(db, ctx, { action: 'learning.results.export', verb: 'R', entityType: 'LearningCourse', entityId: courseId, detail: { rows: out.length } });
  return stringify([['session_date', 'stage', 'survey', 'response', 'organisation', 'role', 'question', 'number', 'text', 'choices', 'submitted'], ...out]);
}
