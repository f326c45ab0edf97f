/**
 * Assurance's choke points: an audit run is loaded, authorised and its reading audited here, and lists
 * of runs use the same rule (`runScope`). A run and a criteria version belong to a partnership (a local
 * authority geography): its own manager and designated professionals, and auditors everywhere.
 */
import { eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { authorizeContext, scopeFor, type Action } from '../platform/auth/policy';
import { sqlScope } from '../platform/auth/scope';
import { NotFoundError } from '../platform/errors';
import { inOrganisationsArea, isUuid, organisationsAreaIds, partnershipGroups, partnerships } from '../directory/service';
import { assuranceAuditRuns } from './schema';

export type RunRow = typeof assuranceAuditRuns.$inferSelect;

async function inArea(db: Db, ctx: RequestContext, geographyId: string): Promise<boolean> {
  return ctx.actor ? inOrganisationsArea(db, ctx.actor.organisationId, geographyId) : false;
}

/**
 * May this person take `action` for this partnership — on something belonging to `organisationId`, where an
 * agency answers for its own (a tracker response or action, a case-file audit section)? Throws ForbiddenError, audited, when not.
 */
export async function authorizePartnership(
  db: Db,
  ctx: RequestContext,
  geographyId: string,
  action: Action,
  organisationId: string | null = null,
): Promise<void> {
  authorizeContext(ctx, action, { inActorsArea: await inArea(db, ctx, geographyId), organisationId });
}

/**
 * The areas an audit can cover: each partnership (a local authority area), and each ICB area for its
 * partnerships together (the four of Hampshire and the Isle of Wight share a protocol and an alert SOP). An
 * ICB area's audit counts the records of every partnership in it; its name says so.
 */
export async function auditAreas(db: Db) {
  const groups = (await partnershipGroups(db)).map((g) => ({ ...g, name: `${g.name}: its partnerships together` }));
  return [...(await partnerships(db)), ...groups];
}

/** A partnership (a local authority area) — or, for audits, an ICB area's partnerships together — if this person may take `action` for it. */
export async function requirePartnership(db: Db, ctx: RequestContext, id: string, action: Action, opts: { together?: boolean } = {}) {
  const found = isUuid(id) ? (await (opts.together ? auditAreas(db) : partnerships(db))).find((p) => p.id === id) : undefined;
  if (!found) throw new NotFoundError('Partnership');
  await authorizePartnership(db, ctx, found.id, action);
  return found;
}

/** An audit run, if this person may take `action` on it; `lock` holds the row to the end of the transaction. */
export async function requireRun(db: Db, ctx: RequestContext, id: string, action: Action, opts: { lock?: boolean } = {}): Promise<RunRow> {
  if (!isUuid(id)) throw new NotFoundError('Audit run');
  const q = db.select().from(assuranceAuditRuns).where(eq(assuranceAuditRuns.id, id));
  const [row] = opts.lock ? await q.for('update') : await q;
  if (!row) throw new NotFoundError('Audit run');
  await authorizePartnership(db, ctx, row.geographyId, action);
  return row;
}

/**
 * The rows of an assurance record (a run, a review, a case-file audit round or template) this person may take
 * `action` on, as a condition on its partnership column (undefined: all) — the same rule as the choke points.
 */
export async function partnershipScope(db: Db, ctx: RequestContext, column: AnyPgColumn, action: Action, what: string): Promise<SQL | undefined> {
  if (!ctx.actor) return ctx.system ? undefined : sql`false`;
  const actor = ctx.actor;
  return sqlScope(
    scopeFor(actor, action),
    {
      inArea: async () => {
        const ids = await organisationsAreaIds(db, actor.organisationId);
        return ids.length ? inArray(column, ids) : sql`false`;
      },
    },
    what,
  );
}

/** The runs this person may read. */
export const runScope = (db: Db, ctx: RequestContext, action: Action = 'assurance.view') =>
  partnershipScope(db, ctx, assuranceAuditRuns.geographyId, action, 'audit runs');

/** The partnerships (with `together`, also the ICB areas' partnerships together) this person may take `action` for (every one for a reader with no area condition). */
export async function partnershipsFor(db: Db, ctx: RequestContext, action: Action, opts: { together?: boolean } = {}) {
  if (!ctx.actor) return [];
  const scope = scopeFor(ctx.actor, action);
  if (scope.kind === 'none') return [];
  const all = await (opts.together ? auditAreas(db) : partnerships(db));
  if (scope.kind === 'all') return all;
  const area = new Set(await organisationsAreaIds(db, ctx.actor.organisationId));
  return all.filter((p) => area.has(p.id));
}
