/**
 * Multi-agency case-file audits: versioned templates, rounds over a reproducible random sample of the
 * partnership's cases (the seed recorded), each agency's section for each case, a second auditor's
 * moderation, the joint discussion, findings as themes (which become tracker actions), progress by agency,
 * the grade distribution and themes across rounds. Records load through access.ts; every change is audited.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../platform/db/engine';
import type { RequestContext } from '../../platform/context';
import { authorizeList, can } from '../../platform/auth/policy';
import { recordAudit, recordAuditNow } from '../../platform/audit/service';
import { ConflictError, ForbiddenError, NotFoundError, parseInput, ValidationError } from '../../platform/errors';
import { endOfLondonDay } from '../../platform/working-days';
import { directoryNames, inOrganisationsArea, isUuid, partnerships } from '../../directory/service';
import { caseFileAuditCandidates } from '../../cases/assurance-facts';
import { authorizePartnership } from '../access';
import { caseFileScope, requireRound, requireSection, requireTemplate, type RoundRow, type SectionRow, type TemplateRow } from './access';
import { discussionSchema, findingSchema, newTemplateSchema, roundSchema, templateSchema } from './model';
import { type Answers, answerProblems, differences, GRADES, gradeDistribution, moderationProblems, progressByAgency, type Question, sample } from './rules';
import { caseFileFindings, caseFileRounds, caseFileSections, caseFileTemplates } from './schema';

const actorName = (ctx: RequestContext) => ctx.actor?.displayName ?? ctx.system ?? 'Beacon';
const questionsOf = (t: Pick<TemplateRow, 'questions'>) => t.questions as Question[];

async function requirePartnershipFor(db: Db, ctx: RequestContext, partnershipId: string, action: 'casefile.manage') {
  if (!(await partnerships(db)).some((p) => p.id === partnershipId))
    throw new ValidationError({ partnershipId: 'Choose a safeguarding partnership (a local authority area)' });
  await authorizePartnership(db, ctx, partnershipId, action);
}

// ── Templates, versioned ────────────────────────────────────────────────────────────────────────────

const keyed = (qs: { text: string; type: Question['type'] }[]): Question[] => qs.map((q, i) => ({ key: `q${i + 1}`, text: q.text, type: q.type }));

export async function createTemplate(db: Db, ctx: RequestContext, raw: unknown): Promise<{ id: string }> {
  authorizeList(ctx, 'casefile.manage');
  // The partnership is authorised before the rest of the input is read.
  await requirePartnershipFor(db, ctx, parseInput(newTemplateSchema.pick({ partnershipId: true }), raw).partnershipId, 'casefile.manage');
  const input = parseInput(newTemplateSchema, raw);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(caseFileTemplates)
      .values({
        geographyId: input.partnershipId,
        familyId: randomUUID(),
        version: 1,
        title: input.title,
        questions: keyed(input.questions),
        createdByName: actorName(ctx),
      })
      .returning({ id: caseFileTemplates.id });
    await recordAudit(tx, ctx, {
      action: 'casefile.template.create',
      verb: 'C',
      entityType: 'CaseFileTemplate',
      entityId: row!.id,
      detail: { questions: input.questions.length },
    });
    return { id: row!.id };
  });
}

/** Change a draft template (a published one is changed by starting its next version). */
export async function updateTemplate(db: Db, ctx: RequestContext, id: string, raw: unknown): Promise<void> {
  await db.transaction(async (tx) => {
    const t = await requireTemplate(tx, ctx, id, 'casefile.manage', { lock: true });
    const input = parseInput(templateSchema, raw);
    if (t.status !== 'draft') throw new ConflictError(`Version ${t.version} is ${t.status}: start a new version to change it.`);
    await tx
      .update(caseFileTemplates)
      .set({ title: input.title, questions: keyed(input.questions) })
      .where(eq(caseFileTemplates.id, t.id));
    await recordAudit(tx, ctx, {
      action: 'casefile.template.update',
      verb: 'U',
      entityType: 'CaseFileTemplate',
      entityId: t.id,
      detail: { questions: input.questions.length },
    });
  });
}

/** Publish a draft: rounds can use it; the version it replaces is superseded (rounds already using it keep it). */
export async function publishTemplate(db: Db, ctx: RequestContext, id: string, now = new Date()): Promise<void> {
  await db.transaction(async (tx) => {
    const t = await requireTemplate(tx, ctx, id, 'casefile.manage', { lock: true });
    if (t.status !== 'draft') throw new ConflictError(`Version ${t.version} is already ${t.status}.`);
    await tx
      .update(caseFileTemplates)
      .set({ status: 'superseded' })
      .where(and(eq(caseFileTemplates.familyId, t.familyId), eq(caseFileTemplates.status, 'published')));
    await tx.update(caseFileTemplates).set({ status: 'published', publishedAt: now }).where(eq(caseFileTemplates.id, t.id));
    await recordAudit(tx, ctx, {
      action: 'casefile.template.publish',
      verb: 'U',
      entityType: 'CaseFileTemplate',
      entityId: t.id,
      detail: { version: t.version },
    });
  });
}

/** Start the next version of a published template (a copy to change), unless a draft is already in progress. */
export async function newTemplateVersion(db: Db, ctx: RequestContext, id: string): Promise<{ id: string }> {
  return db.transaction(async (tx) => {
    const t = await requireTemplate(tx, ctx, id, 'casefile.manage', { lock: true });
    const family = await tx.select().from(caseFileTemplates).where(eq(caseFileTemplates.familyId, t.familyId)).for('update');
    const draft = family.find((x) => x.status === 'draft');
    if (draft) return { id: draft.id };
    const version = Math.max(...family.map((x) => x.version)) + 1;
    const [row] = await tx
      .insert(caseFileTemplates)
      .values({ geographyId: t.geographyId, familyId: t.familyId, version, title: t.title, questions: t.questions, createdByName: actorName(ctx) })
      .returning({ id: caseFileTemplates.id });
    await recordAudit(tx, ctx, {
      action: 'casefile.template.version',
      verb: 'C',
      entityType: 'CaseFileTemplate',
      entityId: row!.id,
      detail: { from: t.id, version },
    });
    return { id: row!.id };
  });
}

export async function listTemplates(db: Db, ctx: RequestContext) {
  authorizeList(ctx, 'casefile.view');
  const scope = await caseFileScope(db, ctx, caseFileTemplates.geographyId);
  const rows = await db.select().from(caseFileTemplates).where(scope).orderBy(asc(caseFileTemplates.title), desc(caseFileTemplates.version));
  const names = await directoryNames(db, { geographyIds: rows.map((r) => r.geographyId) });
  return rows.map((r) => ({ ...r, questions: questionsOf(r), partnershipName: names.get(r.geographyId) ?? '' }));
}

/** A draft template to change, for those who keep the partnership's templates. */
export async function templateForEdit(db: Db, ctx: RequestContext, id: string) {
  const t = await requireTemplate(db, ctx, id, 'casefile.manage');
  if (t.status !== 'draft') throw new ConflictError(`Version ${t.version} is ${t.status}: start a new version to change it.`);
  return { ...t, questions: questionsOf(t) };
}

export async function getTemplate(db: Db, ctx: RequestContext, id: string) {
  const t = await requireTemplate(db, ctx, id, 'casefile.view');
  const family = await db.select().from(caseFileTemplates).where(eq(caseFileTemplates.familyId, t.familyId)).orderBy(desc(caseFileTemplates.version));
  const inArea = ctx.actor ? await inOrganisationsArea(db, ctx.actor.organisationId, t.geographyId) : true;
  return {
    template: { ...t, questions: questionsOf(t) },
    family,
    mayManage: ctx.actor ? can(ctx.actor, 'casefile.manage', { inActorsArea: inArea }) : !!ctx.system,
  };
}

// ── Rounds ──────────────────────────────────────────────────────────────────────────────────────────

/**
 * Start a round: the partnership's cases that meet the criteria, a random sample of them drawn with a seed
 * (given, or chosen now and recorded, so anyone can draw the same sample again), and a section for each
 * agency working on each sampled case.
 */
export async function startRound(db: Db, ctx: RequestContext, raw: unknown): Promise<{ id: string; sampled: number; candidates: number }> {
  authorizeList(ctx, 'casefile.manage');
  // The partnership is authorised before the rest of the input is read.
  await requirePartnershipFor(db, ctx, parseInput(roundSchema.pick({ partnershipId: true }), raw).partnershipId, 'casefile.manage');
  const input = parseInput(roundSchema, raw);
  const template = await requireTemplate(db, ctx, input.templateId, 'casefile.view').catch((err) => {
    if (err instanceof NotFoundError || err instanceof ForbiddenError)
      throw new ValidationError({ templateId: 'Choose a published template of this partnership' });
    throw err;
  });
  if (template.geographyId !== input.partnershipId || template.status !== 'published')
    throw new ValidationError({ templateId: 'Choose a published template of this partnership' });
  if (input.openedFrom && input.openedTo && input.openedTo < input.openedFrom)
    throw new ValidationError({ openedTo: 'The last day cases were opened must be on or after the first' });
  const candidates = await caseFileAuditCandidates(db, {
    geographyIds: [input.partnershipId],
    classifications: input.classifications,
    openedFrom: input.openedFrom ? new Date(`${input.openedFrom}T00:00:00Z`) : null,
    openedTo: input.openedTo ? endOfLondonDay(input.openedTo) : null,
    status: input.status,
  });
  if (!candidates.length) throw new ValidationError({ form: 'No case of this partnership meets these criteria: widen them' });
  const seed = input.seed ?? randomInt(0, 2_147_483_647);
  const chosen = sample(candidates, input.sampleSize, seed, (c) => c.reference);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(caseFileRounds)
      .values({
        geographyId: input.partnershipId,
        title: input.title,
        theme: input.theme,
        templateId: template.id,
        criteria: { classifications: input.classifications, openedFrom: input.openedFrom, openedTo: input.openedTo, status: input.status },
        sampleSize: input.sampleSize,
        seed,
        candidates: candidates.length,
        createdByUserId: ctx.actor?.userId ?? null,
        createdByName: actorName(ctx),
      })
      .returning({ id: caseFileRounds.id });
    const sections = chosen.flatMap((c, i) =>
      c.organisationIds.map((organisationId) => ({ roundId: row!.id, caseId: c.caseId, caseReference: c.reference, position: i + 1, organisationId })),
    );
    if (sections.length) await tx.insert(caseFileSections).values(sections);
    await recordAudit(tx, ctx, {
      action: 'casefile.round.start',
      verb: 'C',
      entityType: 'CaseFileRound',
      entityId: row!.id,
      detail: { seed, candidates: candidates.length, sampled: chosen.map((c) => c.reference), sections: sections.length },
    });
    return { id: row!.id, sampled: chosen.length, candidates: candidates.length };
  });
}

async function sectionsOf(db: Db, roundIds: readonly string[]) {
  return roundIds.length
    ? db
        .select()
        .from(caseFileSections)
        .where(inArray(caseFileSections.roundId, [...roundIds]))
        .orderBy(asc(caseFileSections.position), asc(caseFileSections.organisationId))
    : [];
}

/** The rounds this person may read, newest first, with progress. */
export async function listRounds(db: Db, ctx: RequestContext) {
  authorizeList(ctx, 'casefile.view');
  const scope = await caseFileScope(db, ctx, caseFileRounds.geographyId);
  const rounds = await db.select().from(caseFileRounds).where(scope).orderBy(desc(caseFileRounds.createdAt));
  const sections = await sectionsOf(
    db,
    rounds.map((r) => r.id),
  );
  const names = await directoryNames(db, { geographyIds: rounds.map((r) => r.geographyId) });
  return rounds.map((r) => {
    const own = sections.filter((s) => s.roundId === r.id);
    return {
      ...r,
      partnershipName: names.get(r.geographyId) ?? '',
      cases: new Set(own.map((s) => s.caseId)).size,
      sections: own.length,
      completed: own.filter((s) => s.completedAt).length,
      moderated: own.filter((s) => s.moderatedAt).length,
    };
  });
}

/** One round, whole: its template, sections, progress by agency, grade distribution, discussion and findings. Audited. */
export async function getRound(db: Db, ctx: RequestContext, id: string) {
  const round = await requireRound(db, ctx, id, 'casefile.view');
  const [template] = await db.select().from(caseFileTemplates).where(eq(caseFileTemplates.id, round.templateId));
  const questions = questionsOf(template!);
  const sections = await sectionsOf(db, [round.id]);
  const findings = await db.select().from(caseFileFindings).where(eq(caseFileFindings.roundId, round.id)).orderBy(asc(caseFileFindings.createdAt));
  const names = await directoryNames(db, { organisationIds: sections.map((s) => s.organisationId), geographyIds: [round.geographyId] });
  await recordAuditNow(db, ctx, { action: 'casefile.round.view', verb: 'R', entityType: 'CaseFileRound', entityId: round.id, detail: {} });
  const inArea = ctx.actor ? await inOrganisationsArea(db, ctx.actor.organisationId, round.geographyId) : true;
  const may = (a: 'casefile.manage' | 'casefile.moderate') => (ctx.actor ? can(ctx.actor, a, { inActorsArea: inArea }) : !!ctx.system);
  const distribution = gradeDistribution(questions, sections.map(sectionGrades));
  return {
    round,
    partnershipName: names.get(round.geographyId) ?? '',
    template: { ...template!, questions },
    sections: sections.map((s) => ({
      ...s,
      organisationName: names.get(s.organisationId) ?? 'Unknown agency',
      differences: s.moderatorGrades ? differences(questions, (s.answers ?? {}) as Answers, s.moderatorGrades as Answers).length : null,
    })),
    progress: progressByAgency(sections).map((p) => ({ ...p, organisationName: names.get(p.organisationId) ?? 'Unknown agency' })),
    distribution: GRADES.map((g) => ({ grade: g, count: distribution[g] })),
    findings,
    may: { manage: may('casefile.manage'), moderate: may('casefile.moderate') },
    complete: sections.length > 0 && sections.every((s) => s.completedAt && s.moderatedAt),
  };
}

const sectionGrades = (s: SectionRow) => ({
  answers: (s.answers ?? null) as Answers | null,
  agreed: (s.agreed ?? null) as Record<string, { grade: string }> | null,
  completedAt: s.completedAt,
});

/** The joint discussion of a round: what it concluded, and when. */
export async function recordDiscussion(db: Db, ctx: RequestContext, roundId: string, raw: unknown): Promise<void> {
  await db.transaction(async (tx) => {
    const round = await requireRound(tx, ctx, roundId, 'casefile.manage', { lock: true });
    const input = parseInput(discussionSchema, raw);
    if (round.status === 'closed') throw new ConflictError('This round is closed.');
    await tx
      .update(caseFileRounds)
      .set({ discussion: input.discussion, discussionOn: input.discussionOn, discussionByName: actorName(ctx) })
      .where(eq(caseFileRounds.id, round.id));
    await recordAudit(tx, ctx, {
      action: 'casefile.round.discussion',
      verb: 'U',
      entityType: 'CaseFileRound',
      entityId: round.id,
      detail: { on: input.discussionOn },
    });
  });
}

/** A finding of a round: a theme and its learning. */
export async function addFinding(db: Db, ctx: RequestContext, roundId: string, raw: unknown): Promise<{ id: string }> {
  return db.transaction(async (tx) => {
    const round = await requireRound(tx, ctx, roundId, 'casefile.manage');
    const input = parseInput(findingSchema, raw);
    const [row] = await tx
      .insert(caseFileFindings)
      .values({ roundId: round.id, theme: input.theme, learning: input.learning, createdByName: actorName(ctx) })
      .returning({ id: caseFileFindings.id });
    await recordAudit(tx, ctx, {
      action: 'casefile.finding.add',
      verb: 'C',
      entityType: 'CaseFileFinding',
      entityId: row!.id,
      detail: { roundId: round.id, theme: input.theme },
    });
    return { id: row!.id };
  });
}

/** Close a round once every section is completed and moderated and the joint discussion recorded. */
export async function closeRound(db: Db, ctx: RequestContext, roundId: string, now = new Date()): Promise<void> {
  await db.transaction(async (tx) => {
    const round = await requireRound(tx, ctx, roundId, 'casefile.manage', { lock: true });
    if (round.status === 'closed') throw new ConflictError('This round is already closed.');
    const sections = await sectionsOf(tx, [round.id]);
    if (sections.some((s) => !s.completedAt || !s.moderatedAt))
      throw new ValidationError({ form: 'Every agency’s section must be completed and moderated before the round closes' });
    if (!round.discussion) throw new ValidationError({ form: 'Record the joint discussion before the round closes' });
    await tx.update(caseFileRounds).set({ status: 'closed', closedAt: now }).where(eq(caseFileRounds.id, round.id));
    await recordAudit(tx, ctx, { action: 'casefile.round.close', verb: 'U', entityType: 'CaseFileRound', entityId: round.id, detail: {} });
  });
}

/** A finding, to pre-fill a tracker action from its learning. */
export async function findingPrefill(db: Db, ctx: RequestContext, findingId: string) {
  const [finding] = isUuid(findingId) ? await db.select().from(caseFileFindings).where(eq(caseFileFindings.id, findingId)) : [];
  if (!finding) throw new NotFoundError('Finding');
  const round = await requireRound(db, ctx, finding.roundId, 'casefile.view');
  return { geographyId: round.geographyId, title: `Learning: ${finding.theme}`, detail: `From the case-file audit “${round.title}”: ${finding.learning}` };
}

/** Themes across a partnership's rounds (those this person may read): each theme, how many rounds found it, and where. */
export async function themesAcrossRounds(db: Db, ctx: RequestContext) {
  const rounds = await listRounds(db, ctx);
  const findings = rounds.length
    ? await db
        .select()
        .from(caseFileFindings)
        .where(
          inArray(
            caseFileFindings.roundId,
            rounds.map((r) => r.id),
          ),
        )
    : [];
  const by = new Map<string, { theme: string; rounds: { id: string; title: string }[]; findings: number }>();
  for (const f of findings) {
    const key = f.theme.trim().toLowerCase();
    const round = rounds.find((r) => r.id === f.roundId)!;
    const row = by.get(key) ?? { theme: f.theme.trim(), rounds: [], findings: 0 };
    row.findings++;
    if (!row.rounds.some((r) => r.id === round.id)) row.rounds.push({ id: round.id, title: round.title });
    by.set(key, row);
  }
  return [...by.values()].sort((a, b) => b.rounds.length - a.rounds.length || a.theme.localeCompare(b.theme));
}

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

/** Published templates of the partnerships this person may start rounds for (the start form's choice). */
export async function roundChoices(db: Db, ctx: RequestContext) {
  authorizeList(ctx, 'casefile.manage');
  const scope = await caseFileScope(db, ctx, caseFileTemplates.geographyId, 'casefile.manage');
  const templates = await db
    .select()
    .from(caseFileTemplates)
    .where(and(scope, eq(caseFileTemplates.status, 'published')))
    .orderBy(asc(caseFileTemplates.title));
  return templates;
}
