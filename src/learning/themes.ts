/**
 * Themes in free-text evaluation answers: the partnership's training team reads the answers to one question
 * and tags each with themes ("checks with other agencies", "escalates sooner"), so the results show what
 * practitioners say, counted, not only a wall of text. Readers of a course's results see the answers and the
 * counts (withheld under five like every figure); its partnership's training administrators tag them.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { recordAudit } from '../platform/audit/service';
import { can } from '../platform/auth/policy';
import { NotFoundError, parseInput } from '../platform/errors';
import { inOrganisationsArea, isUuid } from '../directory/service';
import { learningAnswers, learningResponses, learningSurveys } from './schema';
import { requireCourse } from './access';
import { requireCourseResults } from './results';
import { SURVEY_KINDS, type SurveyKind, type SurveyQuestion } from './model';
import { MIN_CELL, themeCounts } from './rules';

export const PAGE_SIZE = 50;

const themesSchema = z.object({
  themes: z
    .string()
    .optional()
    .transform((v) => [
      ...new Set(
        (v ?? '')
          .split(',')
          .map((t) => t.trim().replace(/\s+/g, ' '))
          .filter(Boolean)
          .map((t) => t[0]!.toUpperCase() + t.slice(1)),
      ),
    ])
    .refine((v) => v.every((t) => t.length <= 60), 'Each theme must be 60 characters or fewer')
    .refine((v) => v.length <= 8, 'Give at most 8 themes to one answer'),
});

/** "immediate.will_change" as the stage and question key (null for anything else). */
function questionRef(ref: string): { kind: SurveyKind; key: string } | null {
  const [kind, key] = ref.split('.') as [string, string | undefined];
  return (SURVEY_KINDS as readonly string[]).includes(kind) && key && /^[a-z0-9_]{1,60}$/.test(key) ? { kind: kind as SurveyKind, key } : null;
}

/** One free-text question's answers for a course, a page at a time, with the themes given so far. */
export async function questionAnswers(db: Db, ctx: RequestContext, courseId: string, ref: string, page = 1) {
  const course = await requireCourseResults(db, ctx, courseId);
  const q = questionRef(ref);
  if (!q) throw new NotFoundError('Question');
  const where = and(eq(learningResponses.courseId, course.id), eq(learningResponses.kind, q.kind), eq(learningAnswers.questionKey, q.key));
  const all = await db
    .select({ id: learningAnswers.id, text: learningAnswers.valueText, themes: learningAnswers.themes, surveyId: learningResponses.surveyId })
    .from(learningAnswers)
    .innerJoin(learningResponses, eq(learningResponses.id, learningAnswers.responseId))
    .where(and(where, sql`coalesce(${learningAnswers.valueText}, '') <> ''`))
    .orderBy(asc(learningResponses.submittedAt), asc(learningAnswers.id));
  const [survey] = all.length
    ? await db
        .select()
        .from(learningSurveys)
        .where(eq(learningSurveys.id, all[all.length - 1]!.surveyId))
    : [];
  const question: SurveyQuestion | undefined = survey?.questions.find((x) => x.key === q.key);
  if (!question || question.type !== 'text') throw new NotFoundError('Question');
  const pages = Math.max(1, Math.ceil(all.length / PAGE_SIZE));
  const current = Math.min(Math.max(1, Math.trunc(page) || 1), pages);
  // Fewer than five answers are never shown (the same rule as every figure of the results).
  const withheld = all.length < MIN_CELL;
  await recordAudit(db, ctx, {
    action: 'learning.results.answers',
    verb: 'R',
    entityType: 'LearningCourse',
    entityId: course.id,
    detail: { question: ref, page: current },
  });
  return {
    course,
    kind: q.kind,
    question,
    ref: `${q.kind}.${q.key}`,
    total: all.length,
    withheld,
    page: current,
    pages,
    answers: withheld ? [] : all.slice((current - 1) * PAGE_SIZE, current * PAGE_SIZE).map(({ surveyId: _s, ...a }) => ({ ...a, themes: a.themes ?? [] })),
    counts: withheld ? [] : themeCounts(all),
    tags: ctx.actor ? can(ctx.actor, 'learning.survey', { inActorsArea: await inOrganisationsArea(db, ctx.actor.organisationId, course.geographyId) }) : false,
  };
}

/** Give a free-text answer its themes (comma separated; empty clears them): the partnership's training administrators. */
export async function tagAnswer(db: Db, ctx: RequestContext, courseId: string, answerId: string, raw: unknown): Promise<{ themes: string[] }> {
  const course = await requireCourse(db, ctx, courseId, 'learning.survey');
  if (!isUuid(answerId)) throw new NotFoundError('Answer');
  const input = parseInput(themesSchema, raw);
  return db.transaction(async (tx) => {
    const [answer] = await tx
      .select({ id: learningAnswers.id, themes: learningAnswers.themes, text: learningAnswers.valueText })
      .from(learningAnswers)
      .innerJoin(learningResponses, eq(learningResponses.id, learningAnswers.responseId))
      .where(and(eq(learningAnswers.id, answerId), eq(learningResponses.courseId, course.id)));
    if (!answer || answer.text === null) throw new NotFoundError('Answer');
    await tx.update(learningAnswers).set({ themes: input.themes }).where(eq(learningAnswers.id, answer.id));
    await recordAudit(tx, ctx, {
      action: 'learning.results.theme',
      verb: 'U',
      entityType: 'LearningCourse',
      entityId: course.id,
      detail: { answerId: answer.id, themes: input.themes, before: answer.themes ?? [] },
    });
    return { themes: input.themes };
  });
}
