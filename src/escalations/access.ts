import { eq, inArray, or, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { authorizeContext, scopeFor, type Action, type Resource } from '../platform/auth/policy';
import { sqlScope } from '../platform/auth/scope';
import { recordAuditNow } from '../platform/audit/service';
import { NotFoundError } from '../platform/errors';
import { organisations } from '../directory/schema';
import { inOrganisationsArea, isUuid, organisationsAreaIds } from '../directory/service';
import { cases } from '../cases/schema';
import { caseOrganisationIds, casesWorkedOnBy } from '../cases/access';
import { type escalationStages, escalations } from './schema';
import { uuidList } from '../platform/db/sql';

export type EscalationRow = typeof escalations.$inferSelect;
export type EscalationStageRow = typeof escalationStages.$inferSelect;

/** The area an escalation belongs to: its case's, or for a standalone one the raising organisation's. */
export async function escalationGeographyId(db: Db, esc: Pick<EscalationRow, 'caseId' | 'raisedByOrganisationId'>): Promise<string> {
  if (esc.caseId) {
    const [c] = await db.select({ geographyId: cases.geographyId }).from(cases).where(eq(cases.id, esc.caseId));
    if (c) return c.geographyId;
  }
  const [org] = await db.select({ geographyId: organisations.geographyId }).from(organisations).where(eq(organisations.id, esc.raisedByOrganisationId));
  if (!org) throw new Error(`Organisation ${esc.raisedByOrganisationId} is missing`);
  return org.geographyId;
}

/** The organisations party to an escalation: raising, raised with, and those working on its case. */
export async function escalationParties(db: Db, esc: Pick<EscalationRow, 'caseId' | 'raisedByOrganisationId' | 'raisedWithOrganisationId'>): Promise<string[]> {
  const ids = new Set([esc.raisedByOrganisationId, esc.raisedWithOrganisationId]);
  if (esc.caseId) {
    for (const id of await caseOrganisationIds(db, esc.caseId)) ids.add(id);
  }
  return [...ids];
}

/** What the policy decides on for this escalation and this person. */
export async function escalationResource(db: Db, ctx: RequestContext, esc: EscalationRow): Promise<Resource> {
  const organisationIds = await escalationParties(db, esc);
  const inActorsArea = ctx.actor ? await inOrganisationsArea(db, ctx.actor.organisationId, await escalationGeographyId(db, esc)) : false;
  // organisationId: the agency that raised it (who may withdraw it).
  return { organisationIds, inActorsArea, organisationId: esc.raisedByOrganisationId };
}

export async function loadEscalation(db: Db, id: string, lock = false): Promise<EscalationRow> {
  if (!isUuid(id)) throw new NotFoundError('Escalation');
  const q = db.select().from(escalations).where(eq(escalations.id, id));
  const [row] = lock ? await q.for('update') : await q;
  if (!row) throw new NotFoundError('Escalation');
  return row;
}

/** The escalation, if this person may take `action` on it; otherwise ForbiddenError. Reads are audited when `auditRead` is given. */
export async function requireEscalation(db: Db, ctx: RequestContext, id: string, action: Action, opts: { auditRead?: string } = {}): Promise<EscalationRow> {
  const esc = await loadEscalation(db, id);
  authorizeContext(ctx, action, await escalationResource(db, ctx, esc));
  if (opts.auditRead)
    await recordAuditNow(db, ctx, {
      action: opts.auditRead,
      verb: 'R',
      entityType: 'Escalation',
      entityId: esc.id,
      detail: { reference: esc.reference, ...(esc.caseId ? { caseId: esc.caseId } : {}) },
    });
  return esc;
}

/** The raising organisation of an escalation, joined for its name and (for a standalone one) its area. */
export const byOrg = alias(organisations, 'raised_by_org');

/** The area an escalation is in, as SQL: its case's geography, or the raising organisation's. */
export const escalationGeography = sql`coalesce(${cases.geographyId}, ${byOrg.geographyId})`;

/**
 * The escalations this person may take `action` on, as SQL, from the same policy rules as
 * {@link requireEscalation}: party to it (raising, raised with, or working on its case), in their
 * partnership area, or all (auditors, the system).
 */
export async function escalationScope(db: Db, ctx: RequestContext, action: Action): Promise<SQL | undefined> {
  if (!ctx.actor) return ctx.system ? undefined : sql`false`;
  const org = ctx.actor.organisationId;
  return sqlScope(
    scopeFor(ctx.actor, action),
    {
      involved: () =>
        or(eq(escalations.raisedByOrganisationId, org), eq(escalations.raisedWithOrganisationId, org), inArray(escalations.caseId, casesWorkedOnBy(db, org)))!,
      inArea: async () => inGeographies(await organisationsAreaIds(db, org)),
    },
    'escalations',
  );
}

/** Escalations in these geographies (by {@link escalationGeography}). */
export const inGeographies = (ids: readonly string[]): SQL => (ids.length ? sql`${escalationGeography} IN (${uuidList(ids)})` : sql`false`);
