import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { type Action, authorizeContext, can, type Resource, usesCondition } from '../platform/auth/policy';
import { recordAudit, recordAuditNow } from '../platform/audit/service';
import { NotFoundError, ValidationError } from '../platform/errors';
import { icbCodesOf, isUuid } from '../directory/service';
import { alertDeliveries, alerts, alertVersions } from './schema';

export type AlertRow = typeof alerts.$inferSelect;

export async function loadAlert(db: Db, id: string, lock = false): Promise<AlertRow> {
  if (!isUuid(id)) throw new NotFoundError('Alert');
  const q = db.select().from(alerts).where(eq(alerts.id, id));
  const [a] = lock ? await q.for('update') : await q;
  if (!a) throw new NotFoundError('Alert');
  return a;
}

export async function currentContent(db: Db, a: AlertRow): Promise<unknown> {
  const [v] = await db
    .select({ content: alertVersions.content })
    .from(alertVersions)
    .where(and(eq(alertVersions.alertId, a.id), eq(alertVersions.version, a.version)));
  return v?.content ?? {};
}

/** What the policy needs to decide on one alert for this actor. */
export async function resourceFor(db: Db, ctx: RequestContext, a: AlertRow): Promise<Resource> {
  const delivered = await db.selectDistinct({ unitId: alertDeliveries.unitId }).from(alertDeliveries).where(eq(alertDeliveries.alertId, a.id));
  let sameIcb = false;
  // Approvers elsewhere in the ICB see an alert once it is submitted to them, not while it is being drafted.
  // (Looked up only for those a rule of the policy lets act on alerts of their ICB.)
  if (ctx.actor && ctx.actor.organisationId !== a.originatorOrganisationId && usesCondition(ctx.actor, 'sameIcb') && a.status !== 'draft') {
    const icb = await icbCodesOf(db, [ctx.actor.organisationId, a.originatorOrganisationId]);
    const mine = icb.get(ctx.actor.organisationId);
    sameIcb = !!mine && mine === icb.get(a.originatorOrganisationId);
  }
  return { organisationId: a.originatorOrganisationId, unitIds: delivered.map((d) => d.unitId), sameIcb };
}

/**
 * The one way a service gets an alert for a person: load it, build its one policy resource, authorise
 * `action`. Anything that shows or acts on an alert outside the register (a case, a report) goes
 * through here or through {@link viewableAlertIds}, so the register's need-to-know rule cannot be
 * walked round through a side door.
 */
export async function requireAlert(
  db: Db,
  ctx: RequestContext,
  id: string,
  action: Action,
  opts: { lock?: boolean } = {},
): Promise<{ alert: AlertRow; resource: Resource }> {
  const a = await loadAlert(db, id, opts.lock);
  const resource = await resourceFor(db, ctx, a);
  authorizeContext(ctx, action, resource);
  return { alert: a, resource };
}

/** Of these alerts, the ones this person may view (the system sees all). */
export async function viewableAlertIds(db: Db, ctx: RequestContext, ids: readonly string[]): Promise<Set<string>> {
  const unique = [...new Set(ids)].filter(isUuid);
  if (!unique.length) return new Set();
  const rows = await db.select().from(alerts).where(inArray(alerts.id, unique));
  if (!ctx.actor) return new Set(ctx.system ? rows.map((r) => r.id) : []);
  const out = new Set<string>();
  for (const a of rows) if (can(ctx.actor, 'alert.view', await resourceFor(db, ctx, a))) out.add(a.id);
  return out;
}

/** The answer to any reference that cannot be linked: the same words whether or not an alert has it. */
export const UNLINKABLE_ALERT_MESSAGE = 'No alert you can see has that reference. Check it, or ask the team that raised the alert to link it';

/**
 * An alert found by its reference, to link to something else (a case). Only an alert this person may
 * view, and never a draft; every other answer is the same "no alert you can see" (no existence
 * oracle), and a refused attempt on a real alert is recorded against it, so its owners see the try.
 */
export async function alertForLinking(
  db: Db,
  ctx: RequestContext,
  reference: string,
  field = 'alertReference',
): Promise<{ id: string; reference: string; organisationId: string }> {
  const ref = reference.toUpperCase().trim();
  const [a] = /^BCN-[0-9A-Z]{6}$/.test(ref) ? await db.select().from(alerts).where(eq(alerts.reference, ref)) : [];
  if (a) {
    const allowed = a.status !== 'draft' && (ctx.actor ? can(ctx.actor, 'alert.view', await resourceFor(db, ctx, a)) : !!ctx.system);
    if (allowed) return { id: a.id, reference: a.reference, organisationId: a.originatorOrganisationId };
    await recordAuditNow(db, ctx, {
      action: 'alert.link.refused',
      verb: 'E',
      outcome: 'denied',
      entityType: 'Alert',
      entityId: a.id,
      detail: { reference: a.reference },
    });
  }
  throw new ValidationError({ [field]: UNLINKABLE_ALERT_MESSAGE });
}

/**
 * Record that alert content was shown through another record (a case's summary, details or
 * chronology), against each alert, as an `alert.view` with where it was seen: the alert's owners see it
 * in its access history like any other view.
 */
export async function recordAlertReadsThrough(
  db: Db,
  ctx: RequestContext,
  alertIds: Iterable<string>,
  via: { entityType: string; entityId: string; reference: string; part: string },
): Promise<void> {
  for (const id of alertIds) {
    await recordAuditNow(db, ctx, {
      action: 'alert.view',
      verb: 'R',
      entityType: 'Alert',
      entityId: id,
      reason: `seen through ${via.entityType.toLowerCase()} ${via.reference} (${via.part})`,
      detail: { via: via.entityType, viaId: via.entityId, part: via.part },
    });
  }
}

/** Record, against the alert, that it was linked to another record: its owners see where it went. */
export async function recordAlertLinked(
  tx: Db,
  ctx: RequestContext,
  alertId: string,
  via: { entityType: string; entityId: string; reference: string },
): Promise<void> {
  await recordAudit(tx, ctx, {
    action: 'alert.link',
    verb: 'U',
    entityType: 'Alert',
    entityId: alertId,
    reason: `linked to ${via.entityType.toLowerCase()} ${via.reference}`,
    detail: { via: via.entityType, viaId: via.entityId },
  });
}

/**
 * Apply a lifecycle event and persist it in the caller's transaction: the alert row, the history
 * entry and the audit event. A refusal becomes a ValidationError with the machine's plain reason.
 */
