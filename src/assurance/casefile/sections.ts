import { and, asc, desc, eq } from 'drizzle-orm';
import type { Db } from '../../platform/db/engine';
import type { RequestContext } from '../../platform/context';
import { authorizeList, can } from '../../platform/auth/policy';
import { recordAudit, recordAuditNow } from '../../platform/audit/service';
import { ConflictError, ForbiddenError, ValidationError } from '../../platform/errors';
import { directoryNames, inOrganisationsArea } from '../../directory/service';
import { requireSection, type RoundRow, type SectionRow, questionsOf } from './access';
import { type Answers, answerProblems, differences, moderationProblems, type Question } from './rules';
import { caseFileRounds, caseFileSections, caseFileTemplates } from './schema';

const actorName = (ctx: RequestContext) => ctx.actor?.displayName ?? ctx.system ?? 'Beacon';

// ── Sections: completing and moderating ─────────────────────────────────────────────────────────────

/** The sections of this person's agency still to complete, in open rounds. */
export async function mySections(db: Db, ctx: RequestContext) {
  authorizeList(ctx, 'casefile.complete');
  if (!ctx.actor) return [];
  const rows = await db
    .select({ section: caseFileSections, round: caseFileRounds })
    .from(caseFileSections)
    .innerJoin(caseFileRounds, eq(caseFileRounds.id, caseFileSections.roundId))
    .where(and(eq(caseFileSections.organisationId, ctx.actor.organisationId), eq(caseFileRounds.status, 'open')))
    .orderBy(desc(caseFileRounds.createdAt), asc(caseFileSections.position));
  return rows.map((r) => ({ ...r.section, roundTitle: r.round.title, theme: r.round.theme }));
}

/** How many sections this person's agency still has to complete (the menu's count). */
export async function pendingSectionsCount(db: Db, ctx: RequestContext): Promise<number> {
  if (!ctx.actor || !can(ctx.actor, 'casefile.complete', { organisationId: ctx.actor.organisationId })) return 0;
  return (await mySections(db, ctx)).filter((s) => !s.completedAt).length;
}

/** One section for its page: readable by its own agency (to complete it) or the partnership (to read or moderate it). */
export async function getSection(db: Db, ctx: RequestContext, id: string) {
  let found: { section: SectionRow; round: RoundRow };
  try {
    found = await requireSection(db, ctx, id, 'casefile.complete');
  } catch (err) {
    if (!(err instanceof ForbiddenError)) throw err;
    found = await requireSection(db, ctx, id, 'casefile.view');
  }
  const { section, round } = found;
  const [template] = await db.select().from(caseFileTemplates).where(eq(caseFileTemplates.id, round.templateId));
  const questions = questionsOf(template!);
  const names = await directoryNames(db, { organisationIds: [section.organisationId] });
  await recordAuditNow(db, ctx, { action: 'casefile.section.view', verb: 'R', entityType: 'CaseFileSection', entityId: section.id, detail: {} });
  const inArea = ctx.actor ? await inOrganisationsArea(db, ctx.actor.organisationId, round.geographyId) : true;
  const open = round.status === 'open';
  const mayComplete = open && !section.moderatedAt && (ctx.actor ? can(ctx.actor, 'casefile.complete', { organisationId: section.organisationId }) : false);
  const mayModerate =
    open &&
    !!section.completedAt &&
    !section.moderatedAt &&
    section.completedByUserId !== ctx.actor?.userId &&
    (ctx.actor ? can(ctx.actor, 'casefile.moderate', { inActorsArea: inArea }) : false);
  return {
    section,
    round,
    questions,
    organisationName: names.get(section.organisationId) ?? 'Unknown agency',
    differences: section.moderatorGrades ? differences(questions, (section.answers ?? {}) as Answers, section.moderatorGrades as Answers) : [],
    may: { complete: mayComplete, moderate: mayModerate },
  };
}

/** The form's answers (`a.<key>`) or the API's ({ answers: { key: value } }), limited to the template's questions. */
function answersFrom(questions: readonly Question[], raw: unknown, prefix: string): Answers {
  const body = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const nested = (body.answers && typeof body.answers === 'object' ? body.answers : {}) as Record<string, unknown>;
  const out: Answers = {};
  for (const q of questions) {
    const v = body[`${prefix}.${q.key}`] ?? nested[q.key];
    if (typeof v === 'string') out[q.key] = v.trim();
  }
  return out;
}

/** An agency's auditor completes (or, until it is moderated, corrects) its section. */
export async function completeSection(db: Db, ctx: RequestContext, id: string, raw: unknown, now = new Date()): Promise<void> {
  await db.transaction(async (tx) => {
    const { section, round } = await requireSection(tx, ctx, id, 'casefile.complete', { lock: true });
    if (round.status !== 'open') throw new ConflictError('This round is closed.');
    if (section.moderatedAt) throw new ConflictError('This section has been moderated: its answers are settled.');
    const [template] = await tx.select().from(caseFileTemplates).where(eq(caseFileTemplates.id, round.templateId));
    const questions = questionsOf(template!);
    const answers = answersFrom(questions, raw, 'a');
    const problems = answerProblems(questions, answers);
    if (Object.keys(problems).length) throw new ValidationError(Object.fromEntries(Object.entries(problems).map(([k, v]) => [`a.${k}`, v])));
    await tx
      .update(caseFileSections)
      .set({ answers, completedAt: now, completedByUserId: ctx.actor?.userId ?? null, completedByName: actorName(ctx) })
      .where(eq(caseFileSections.id, section.id));
    await recordAudit(tx, ctx, {
      action: 'casefile.section.complete',
      verb: 'U',
      entityType: 'CaseFileSection',
      entityId: section.id,
      detail: { again: !!section.completedAt },
    });
  });
}

/**
 * A second auditor moderates a completed section: their grade for each graded question, and wherever it
 * differs from the auditor's, the grade they agreed and why. Nobody moderates a section they completed.
 */
export async function moderateSection(db: Db, ctx: RequestContext, id: string, raw: unknown, now = new Date()): Promise<{ differences: number }> {
  return db.transaction(async (tx) => {
    const { section, round } = await requireSection(tx, ctx, id, 'casefile.moderate', { lock: true });
    if (round.status !== 'open') throw new ConflictError('This round is closed.');
    if (!section.completedAt) throw new ValidationError({ form: 'The agency has not completed this section yet' });
    if (section.moderatedAt) throw new ConflictError('This section has already been moderated.');
    if (ctx.actor && section.completedByUserId === ctx.actor.userId)
      throw new ValidationError({ form: 'A second auditor moderates: you completed this section, so someone else must moderate it' });
    const [template] = await tx.select().from(caseFileTemplates).where(eq(caseFileTemplates.id, round.templateId));
    const questions = questionsOf(template!);
    const auditor = (section.answers ?? {}) as Answers;
    const moderator = answersFrom(questions, raw, 'm');
    const agreedGrades = answersFrom(questions, raw, 'agreed');
    const reasons = answersFrom(questions, raw, 'reason');
    const diff = differences(questions, auditor, moderator);
    const agreed = Object.fromEntries(diff.map((k) => [k, { grade: agreedGrades[k] ?? '', reason: reasons[k] ?? '' }]));
    const problems = moderationProblems(questions, auditor, moderator, agreed);
    if (Object.keys(problems).length)
      throw new ValidationError(
        Object.fromEntries(
          Object.entries(problems).map(([k, v]) => {
            const [key, part] = k.split('.');
            return [`${part === 'moderator' ? 'm' : part}.${key}`, v];
          }),
        ),
      );
    const grades = Object.fromEntries(questions.filter((q) => q.type === 'grade').map((q) => [q.key, moderator[q.key]!]));
    await tx
      .update(caseFileSections)
      .set({ moderatorGrades: grades, agreed, moderatedAt: now, moderatedByUserId: ctx.actor?.userId ?? null, moderatedByName: actorName(ctx) })
      .where(eq(caseFileSections.id, section.id));
    await recordAudit(tx, ctx, {
      action: 'casefile.section.moderate',
      verb: 'U',
      entityType: 'CaseFileSection',
      entityId: section.id,
      detail: { differences: diff },
    });
    return { differences: diff.length };
  });
}
