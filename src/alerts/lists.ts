import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import type { Actor, RequestContext } from '../platform/context';
import { authorize, can, mayAtAll } from '../platform/auth/policy';
import { recordAuditNow } from '../platform/audit/service';
import { icbCodesOf } from '../directory/service';
import { organisations, units } from '../directory/schema';
import { users } from '../platform/auth/schema';
import { alertDeliveries, alerts, alertVersions } from './schema';
import { versionsOpenedBy } from './service';

/** The originating organisation's alerts, newest first (list shows no identifying details). */
/** Her name as the current version records it: what people recognise in a list (only in lists of alerts they may view). */
const subjectName = sql<{ given?: string; family?: string } | null>`${alertVersions.content} -> 'subject' -> 'name'`;
const currentVersion = and(eq(alertVersions.alertId, alerts.id), eq(alertVersions.version, alerts.version));

/** "Marisol Quennell", or "(no name yet)" for a draft without one. */
export function nameOf(n: { given?: string; family?: string } | null | undefined): string {
  const name = [n?.given, n?.family].filter((p) => typeof p === 'string' && p.trim()).join(' ');
  return name || '(no name yet)';
}

export async function listOrganisationAlerts(db: Db, ctx: RequestContext) {
  authorize(ctx.actor, 'alert.list');
  const list = await db
    .select({
      id: alerts.id,
      reference: alerts.reference,
      status: alerts.status,
      version: alerts.version,
      edd: alerts.edd,
      reviewDate: alerts.reviewDate,
      updatedAt: alerts.updatedAt,
      originator: users.displayName,
      name: subjectName,
    })
    .from(alerts)
    .innerJoin(users, eq(users.id, alerts.originatorUserId))
    .leftJoin(alertVersions, currentVersion)
    .where(eq(alerts.originatorOrganisationId, ctx.actor.organisationId))
    .orderBy(desc(alerts.updatedAt))
    .limit(500);
  // The list names the women: a read of personal data, recorded.
  await recordAuditNow(db, ctx, { action: 'alert.list', verb: 'R', entityType: 'Alert', detail: { count: list.length } });
  return list.map((a) => ({ ...a, name: nameOf(a.name) }));
}

/** Alerts waiting for approval that this designated professional may approve (own organisation or ICB area). */
export async function approvalQueue(db: Db, ctx: RequestContext) {
  authorize(ctx.actor, 'alert.list');
  if (!mayAtAll(ctx.actor, 'alert.approve')) return [];
  const submitted = await db
    .select({
      id: alerts.id,
      reference: alerts.reference,
      updatedAt: alerts.updatedAt,
      edd: alerts.edd,
      originatorOrganisationId: alerts.originatorOrganisationId,
      organisation: organisations.name,
      originator: users.displayName,
      originatorUserId: alerts.originatorUserId,
      name: subjectName,
    })
    .from(alerts)
    .innerJoin(organisations, eq(organisations.id, alerts.originatorOrganisationId))
    .innerJoin(users, eq(users.id, alerts.originatorUserId))
    .leftJoin(alertVersions, currentVersion)
    .where(eq(alerts.status, 'submitted'))
    .orderBy(asc(alerts.updatedAt));
  const actor = ctx.actor;
  const approvable = await approvableBy(db, actor, submitted);
  const queue = submitted.filter((s) => approvable.has(s.id)).map((s) => ({ ...s, name: nameOf(s.name), ownAlert: s.originatorUserId === actor.userId }));
  await recordAuditNow(db, ctx, { action: 'alert.approvals.list', verb: 'R', entityType: 'Alert', detail: { count: queue.length } });
  return queue;
}

/** Which of these submitted alerts the person may approve (the policy's rule; the ICB areas looked up once for all of them). */
async function approvableBy(db: Db, actor: Actor, submitted: readonly { id: string; originatorOrganisationId: string }[]): Promise<Set<string>> {
  const icb = await icbCodesOf(db, [actor.organisationId, ...submitted.map((s) => s.originatorOrganisationId)]);
  const mine = icb.get(actor.organisationId) ?? null;
  const out = new Set<string>();
  for (const s of submitted) {
    const sameIcb = s.originatorOrganisationId !== actor.organisationId && !!mine && icb.get(s.originatorOrganisationId) === mine;
    if (can(actor, 'alert.approve', { organisationId: s.originatorOrganisationId, sameIcb })) out.add(s.id);
  }
  return out;
}

/** How many alerts are waiting for this person's approval (the navigation's count): approvalQueue's rule, without its list. */
export async function approvalsWaitingCount(db: Db, ctx: RequestContext): Promise<number> {
  if (!ctx.actor || !mayAtAll(ctx.actor, 'alert.approve')) return 0;
  const submitted = await db
    .select({ id: alerts.id, originatorOrganisationId: alerts.originatorOrganisationId })
    .from(alerts)
    .where(eq(alerts.status, 'submitted'));
  return submitted.length ? (await approvableBy(db, ctx.actor, submitted)).size : 0;
}

/** How many deliveries to this coordinator's unit are not acknowledged yet (the navigation's count). */
export async function unacknowledgedCount(db: Db, ctx: RequestContext): Promise<number> {
  if (!can(ctx.actor, 'alert.inbox') || !ctx.actor?.unitId) return 0;
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(alertDeliveries)
    .where(and(eq(alertDeliveries.unitId, ctx.actor.unitId), isNull(alertDeliveries.acknowledgedAt)));
  return Number(r?.n ?? 0);
}

/** A unit coordinator's inbox: what was delivered to their unit, unacknowledged first. */
/**
 * The order a coordinator works through what is waiting: deliveries already escalated to the designated
 * professional first, then those reminded, then the newest; each group newest first.
 */
export function mostOverdueFirst<T extends { createdAt: Date; remindedAt: Date | null; escalatedAt: Date | null }>(items: readonly T[]): T[] {
  const urgency = (i: T) => (i.escalatedAt ? 0 : i.remindedAt ? 1 : 2);
  return [...items].sort((a, b) => urgency(a) - urgency(b) || b.createdAt.getTime() - a.createdAt.getTime());
}

export async function unitInbox(db: Db, ctx: RequestContext) {
  authorize(ctx.actor, 'alert.inbox');
  const unitId = ctx.actor.unitId;
  if (!unitId) return { unit: null, items: [] };
  const [unit] = await db.select({ id: units.id, name: units.name }).from(units).where(eq(units.id, unitId));
  const items = await db
    .select({
      id: alertDeliveries.id,
      alertId: alerts.id,
      reference: alerts.reference,
      status: alerts.status,
      kind: alertDeliveries.kind,
      version: alertDeliveries.version,
      createdAt: alertDeliveries.createdAt,
      acknowledgedAt: alertDeliveries.acknowledgedAt,
      remindedAt: alertDeliveries.remindedAt,
      escalatedAt: alertDeliveries.escalatedAt,
    })
    .from(alertDeliveries)
    .innerJoin(alerts, eq(alerts.id, alertDeliveries.alertId))
    .where(eq(alertDeliveries.unitId, unitId))
    .orderBy(sql`${alertDeliveries.acknowledgedAt} IS NOT NULL`, desc(alertDeliveries.createdAt))
    .limit(500);
  const opened = await versionsOpenedBy(db, ctx.actor.userId, [...new Set(items.map((i) => i.alertId))]);
  return { unit: unit ?? null, items: items.map((i) => ({ ...i, opened: (opened.get(i.alertId) ?? 0) >= i.version })) };
}
