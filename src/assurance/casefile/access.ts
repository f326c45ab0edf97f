/**
 * The case-file audit's choke points: a template, a round and a section are loaded and authorised here (a
 * round against its partnership; a section against its agency to complete it, against the partnership to
 * read or moderate it); lists of rounds use `roundScope`, the same rule.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../../platform/db/engine';
import type { RequestContext } from '../../platform/context';
import type { Action } from '../../platform/auth/policy';
import { NotFoundError, ValidationError } from '../../platform/errors';
import { isUuid, partnerships } from '../../directory/service';
import type { Question } from './rules';
import { authorizePartnership, partnershipScope } from '../access';
import { caseFileRounds, caseFileSections, caseFileTemplates } from './schema';

export type TemplateRow = typeof caseFileTemplates.$inferSelect;
export type RoundRow = typeof caseFileRounds.$inferSelect;
export type SectionRow = typeof caseFileSections.$inferSelect;

export async function requireTemplate(db: Db, ctx: RequestContext, id: string, action: Action, opts: { lock?: boolean } = {}): Promise<TemplateRow> {
  if (!isUuid(id)) throw new NotFoundError('Template');
  const q = db.select().from(caseFileTemplates).where(eq(caseFileTemplates.id, id));
  const [row] = opts.lock ? await q.for('update') : await q;
  if (!row) throw new NotFoundError('Template');
  await authorizePartnership(db, ctx, row.geographyId, action);
  return row;
}

export async function requireRound(db: Db, ctx: RequestContext, id: string, action: Action, opts: { lock?: boolean } = {}): Promise<RoundRow> {
  if (!isUuid(id)) throw new NotFoundError('Audit round');
  const q = db.select().from(caseFileRounds).where(eq(caseFileRounds.id, id));
  const [row] = opts.lock ? await q.for('update') : await q;
  if (!row) throw new NotFoundError('Audit round');
  await authorizePartnership(db, ctx, row.geographyId, action);
  return row;
}

/**
 * A section with its round: `casefile.complete` is decided on the section's agency (its own staff),
 * `casefile.view` and `casefile.moderate` on the round's partnership. `lock` holds the section's row.
 */
export async function requireSection(db: Db, ctx: RequestContext, id: string, action: Action, opts: { lock?: boolean } = {}) {
  if (!isUuid(id)) throw new NotFoundError('Section');
  const q = db.select().from(caseFileSections).where(eq(caseFileSections.id, id));
  const [section] = opts.lock ? await q.for('update') : await q;
  if (!section) throw new NotFoundError('Section');
  const [round] = await db.select().from(caseFileRounds).where(eq(caseFileRounds.id, section.roundId));
  await authorizePartnership(db, ctx, round!.geographyId, action, action === 'casefile.complete' ? section.organisationId : null);
  return { section, round: round! };
}

/** The rounds (or templates) this person may read (see assurance/access.ts `partnershipScope`). */
export const caseFileScope = (
  db: Db,
  ctx: RequestContext,
  column: typeof caseFileRounds.geographyId | typeof caseFileTemplates.geographyId,
  action: Action = 'casefile.view',
) => partnershipScope(db, ctx, column, action, 'case-file audit rounds and templates');

/** A template's questions, as the rules take them. */
export const questionsOf = (t: Pick<TemplateRow, 'questions'>) => t.questions as Question[];

/** A partnership chosen in a form (one that exists), if this person may take `action` for it. */
export async function requirePartnershipFor(db: Db, ctx: RequestContext, partnershipId: string, action: 'casefile.manage'): Promise<void> {
  if (!(await partnerships(db)).some((p) => p.id === partnershipId))
    throw new ValidationError({ partnershipId: 'Choose a safeguarding partnership (a local authority area)' });
  await authorizePartnership(db, ctx, partnershipId, action);
}
