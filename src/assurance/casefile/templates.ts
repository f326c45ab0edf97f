/** Case-file audit templates: versioned questions (a draft is changed, a published version is used, the next version is a copy). */
import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq } from 'drizzle-orm';
import type { Db } from '../../platform/db/engine';
import type { RequestContext } from '../../platform/context';
import { authorizeList, can } from '../../platform/auth/policy';
import { recordAudit } from '../../platform/audit/service';
import { ConflictError, parseInput } from '../../platform/errors';
import { directoryNames, inOrganisationsArea } from '../../directory/service';
import { caseFileScope, requireTemplate, questionsOf, requirePartnershipFor } from './access';
import { newTemplateSchema, templateSchema } from './model';
import type { Question } from './rules';
import { caseFileTemplates } from './schema';

const actorName = (ctx: RequestContext) => ctx.actor?.displayName ?? ctx.system ?? 'Beacon';

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
