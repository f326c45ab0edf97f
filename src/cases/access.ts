/**
 * Loading a case for someone: the one place that decides whether they may, and records that they did.
 * Every part of the case (demographics, milestones, birth plan, discharge, chronology) goes through here,
 * so the policy and the audit trail apply the same way to all of them.
 */
import { randomInt } from 'node:crypto';
import { type Column, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { authorizeContext, can, scopeFor, type Action } from '../platform/auth/policy';
import { sqlScope } from '../platform/auth/scope';
import { recordAudit, recordAuditNow } from '../platform/audit/service';
import { NotFoundError, ValidationError } from '../platform/errors';
import { isUuid, organisationsAreaIds } from '../directory/service';
import { caseOrganisations, cases } from './schema';

export type CaseRow = typeof cases.$inferSelect;

// Crockford base32 without I, L, O, U: easy to read out over the phone.
const REF_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const newReference = (prefix: string) => `${prefix}-${Array.from({ length: 6 }, () => REF_ALPHABET[randomInt(REF_ALPHABET.length)]).join('')}`;

export async function loadCase(db: Db, id: string, lock = false): Promise<CaseRow> {
  if (!isUuid(id)) throw new NotFoundError('Case');
  const q = db.select().from(cases).where(eq(cases.id, id));
  const [row] = lock ? await q.for('update') : await q;
  if (!row) throw new NotFoundError('Case');
  return row;
}

export async function caseOrganisationIds(db: Db, caseId: string): Promise<string[]> {
  const list = await db.select({ organisationId: caseOrganisations.organisationId }).from(caseOrganisations).where(eq(caseOrganisations.caseId, caseId));
  return list.map((o) => o.organisationId);
}

/** The ids of the cases an organisation works on (it is an agency on them), as a subquery for `inArray`. */
export const casesWorkedOnBy = (db: Db, organisationId: string) =>
  db.select({ id: caseOrganisations.caseId }).from(caseOrganisations).where(eq(caseOrganisations.organisationId, organisationId));

/**
 * The cases this person may take `action` on, as SQL over a column holding a case id (cases.id, or the
 * case_id of a case's own table): the same policy rules as {@link requireCase}, so a list never shows a
 * case that opening it would refuse. Every case for the system itself.
 */
export async function caseScope(db: Db, ctx: RequestContext, action: Action, caseIdColumn: Column = cases.id): Promise<SQL | undefined> {
  if (!ctx.actor) return ctx.system ? undefined : sql`false`;
  const org = ctx.actor.organisationId;
  return sqlScope(
    scopeFor(ctx.actor, action),
    {
      involved: () => inArray(caseIdColumn, casesWorkedOnBy(db, org)),
      inArea: async () => {
        const area = await organisationsAreaIds(db, org);
        const inAreaCases = db
          .select({ id: cases.id })
          .from(cases)
          .where(area.length ? inArray(cases.geographyId, area) : sql`false`);
        return inArray(caseIdColumn, inAreaCases);
      },
    },
    'cases',
  );
}

export interface RequireOptions {
  /** Lock the case row (for changes that must not interleave, like a discharge decision). */
  lock?: boolean;
  /**
   * For reads: the audit action recorded (e.g. `case.view`, `case.discharge.view`). Reads are recorded in
   * a transaction of their own; changes record their own audit event in theirs.
   */
  auditRead?: string;
}

/**
 * The case, if this person may take `action` on it; otherwise ForbiddenError (recorded as a denial by
 * the HTTP layer). A case someone may not see answers the same as one that does not exist only for
 * ids that are not cases; for real cases the refusal is recorded, so fishing shows in the audit log.
 */
export async function requireCase(db: Db, ctx: RequestContext, id: string, action: Action, opts: RequireOptions = {}): Promise<CaseRow> {
  const row = await loadCase(db, id, opts.lock);
  authorizeContext(ctx, action, { organisationIds: await caseOrganisationIds(db, row.id), organisationId: row.leadOrganisationId });
  if (opts.auditRead) await recordAuditNow(db, ctx, { action: opts.auditRead, verb: 'R', entityType: 'Case', entityId: row.id });
  return row;
}

/** Whether this person may take `action` on the case (for showing or hiding buttons; services still check). */
export async function canOnCase(db: Db, ctx: RequestContext, caseId: string, action: Action): Promise<boolean> {
  if (!ctx.actor) return !!ctx.system;
  return can(ctx.actor, action, { organisationIds: await caseOrganisationIds(db, caseId) });
}

/** Closed cases are read-only: the record stays as it was when it closed. */
export function assertOpen(row: CaseRow): void {
  if (row.status !== 'open') {
    const message = 'This case is closed. Reopen it before recording anything more.';
    throw new ValidationError({ form: message }, message);
  }
}

/** Who did it, for rows that keep a name (people leave; the record must still say who). */
export function actorName(ctx: RequestContext): string {
  return ctx.actor?.displayName ?? (ctx.system ? `Beacon (${ctx.system})` : 'Unknown');
}

/** Touch the case's updated time and record the change, inside the caller's transaction. */
export async function recordCaseChange(
  tx: Db,
  ctx: RequestContext,
  caseId: string,
  action: string,
  detail?: Record<string, unknown>,
  reason?: string,
): Promise<void> {
  await tx.update(cases).set({ updatedAt: new Date() }).where(eq(cases.id, caseId));
  await recordAudit(tx, ctx, {
    action,
    verb: action.endsWith('.create') || action.endsWith('.open') ? 'C' : 'U',
    entityType: 'Case',
    entityId: caseId,
    ...(detail ? { detail } : {}),
    ...(reason ? { reason } : {}),
  });
}
