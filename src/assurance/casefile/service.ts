/**
 * Multi-agency case-file audits: versioned templates, rounds over a reproducible random sample of the
 * partnership's cases (the seed recorded), each agency's section for each case, a second auditor's
 * moderation, the joint discussion, findings as themes (which become tracker actions), progress by agency,
 * the grade distribution and themes across rounds. Records load through access.ts; every change is audited.
 */
import { randomInt } from 'node:crypto';
import { asc, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../platform/db/engine';
import type { RequestContext } from '../../platform/context';
import { authorizeList, can } from '../../platform/auth/policy';
import { recordAudit, recordAuditNow } from '../../platform/audit/service';
import { ConflictError, ForbiddenError, NotFoundError, parseInput, ValidationError } from '../../platform/errors';
import { endOfLondonDay } from '../../platform/working-days';
import { directoryNames, inOrganisationsArea, isUuid } from '../../directory/service';
import { caseFileAuditCandidates } from '../../cases/assurance-facts';
import { caseFileScope, requireRound, requireTemplate, type SectionRow, questionsOf, requirePartnershipFor } from './access';
import { discussionSchema, findingSchema, roundSchema } from './model';
import { type Answers, differences, GRADES, gradeDistribution, progressByAgency, sample } from './rules';
import { caseFileFindings, caseFileRounds, caseFileSections, caseFileTemplates } from './schema';

const actorName = (ctx: RequestContext) => ctx.actor?.displayName ?? ctx.system ?? 'Beacon';

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
