import { and, desc, eq, isNull, or, sql } from 'drizzle-orm';
import { unitMailboxes } from '../../directory/mailboxes';
import { requireAlert } from '../../alerts/access';
import { alerts } from '../../alerts/schema';
import { isUuid } from '../../directory/service';
import { units } from '../../directory/schema';
import { recordAudit, recordAuditNow } from '../../platform/audit/service';
import { authorize, can } from '../../platform/auth/policy';
import { users } from '../../platform/auth/schema';
import type { RequestContext } from '../../platform/context';
import type { Db } from '../../platform/db/engine';
import { NotFoundError } from '../../platform/errors';
import type { GivenDetails } from '../register-index';
import { presentations } from './schema';
import { describeDetails } from './details';

// ── Presentations for the alert's owners ─────────────────────────────────────────────────────────────

const presentationColumns = {
  id: presentations.id,
  alertId: presentations.alertId,
  reference: alerts.reference,
  alertStatus: alerts.status,
  presentedAt: presentations.presentedAt,
  placeName: presentations.placeName,
  organisationName: presentations.organisationName,
  userName: presentations.userName,
  inconsistent: presentations.inconsistent,
  seenAt: presentations.seenAt,
};

/**
 * The owner's list: presentations of alerts raised by the actor's organisation or approved by the actor,
 * newest first, new (unseen) ones marked.
 */
export async function listPresentations(db: Db, ctx: RequestContext) {
  authorize(ctx.actor, 'presentation.list');
  const actor = ctx.actor;
  return db
    .select(presentationColumns)
    .from(presentations)
    .innerJoin(alerts, eq(alerts.id, presentations.alertId))
    .where(or(eq(alerts.originatorOrganisationId, actor.organisationId), eq(alerts.approverUserId, actor.userId)))
    .orderBy(sql`${presentations.seenAt} IS NOT NULL`, desc(presentations.presentedAt))
    .limit(500);
}

/** How many presentations the actor's side has not seen yet (for the home page). */
export async function unseenPresentationCount(db: Db, ctx: RequestContext): Promise<number> {
  if (!can(ctx.actor, 'presentation.list')) return 0;
  const actor = ctx.actor!;
  const [r] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(presentations)
    .innerJoin(alerts, eq(alerts.id, presentations.alertId))
    .where(and(isNull(presentations.seenAt), or(eq(alerts.originatorOrganisationId, actor.organisationId), eq(alerts.approverUserId, actor.userId))));
  return Number(r?.n ?? 0);
}

/** Presentations of one alert, for its page (the alert's owners only). */
export async function presentationsForAlert(db: Db, ctx: RequestContext, alertId: string) {
  // The one policy resource of an alert, as for every other decision on it.
  await requireAlert(db, ctx, alertId, 'presentation.view');
  return db
    .select(presentationColumns)
    .from(presentations)
    .innerJoin(alerts, eq(alerts.id, presentations.alertId))
    .where(eq(presentations.alertId, alertId))
    .orderBy(desc(presentations.presentedAt));
}

/** One presentation for the alert's owners: where, when, who (and how to reach them), what she gave. Audited. */
export async function getPresentation(db: Db, ctx: RequestContext, id: string) {
  if (!isUuid(id)) throw new NotFoundError('Presentation');
  const [row] = await db
    .select({
      p: presentations,
      reference: alerts.reference,
      alertStatus: alerts.status,
      originatorOrganisationId: alerts.originatorOrganisationId,
      seenBy: users.displayName,
    })
    .from(presentations)
    .innerJoin(alerts, eq(alerts.id, presentations.alertId))
    .leftJoin(users, eq(users.id, presentations.seenByUserId))
    .where(eq(presentations.id, id));
  if (!row) throw new NotFoundError('Presentation');
  const { resource } = await requireAlert(db, ctx, row.p.alertId, 'presentation.view');
  const [unit] = row.p.unitId
    ? await db
        .select({ name: units.name, inHoursPhone: units.inHoursPhone, outOfHoursPhone: units.outOfHoursPhone, sharedMailbox: units.sharedMailbox })
        .from(units)
        .where(eq(units.id, row.p.unitId))
    : [];
  const [recorder] = await db.select({ email: users.email }).from(users).where(eq(users.id, row.p.userId));
  await recordAuditNow(db, ctx, {
    action: 'alert.presentation.view',
    verb: 'R',
    entityType: 'Alert',
    entityId: row.p.alertId,
    detail: { reference: row.reference, presentationId: row.p.id },
  });
  return {
    presentation: row.p,
    reference: row.reference,
    alertStatus: row.alertStatus,
    seenBy: row.seenBy,
    unit: unit ?? null,
    recorderEmail: recorder?.email ?? null,
    details: describeDetails(row.p.details as GivenDetails),
    canMarkSeen: !row.p.seenAt && can(ctx.actor, 'presentation.mark_seen', resource),
  };
}

/** The owner's side has seen a presentation (the in-app item stops being new). */
export async function markPresentationSeen(db: Db, ctx: RequestContext, id: string, now = new Date()): Promise<void> {
  if (!isUuid(id)) throw new NotFoundError('Presentation');
  await db.transaction(async (tx) => {
    const [row] = await tx
      .select({
        id: presentations.id,
        alertId: presentations.alertId,
        seenAt: presentations.seenAt,
        originatorOrganisationId: alerts.originatorOrganisationId,
        reference: alerts.reference,
      })
      .from(presentations)
      .innerJoin(alerts, eq(alerts.id, presentations.alertId))
      .where(eq(presentations.id, id))
      .for('update', { of: presentations });
    if (!row) throw new NotFoundError('Presentation');
    // Auditors read presentations; marking one seen is for the alert's owners (the policy says which).
    await requireAlert(tx, ctx, row.alertId, 'presentation.mark_seen');
    // (Not actorOf: the owners who mark it seen need not be allowed to run point-of-care checks themselves:
    // a social worker who raised the alert clears the banner too.)
    if (row.seenAt) return;
    await tx
      .update(presentations)
      .set({ seenAt: now, seenByUserId: ctx.actor?.userId ?? null })
      .where(eq(presentations.id, id));
    await recordAudit(tx, ctx, {
      action: 'alert.presentation.seen',
      verb: 'U',
      entityType: 'Alert',
      entityId: row.alertId,
      detail: { reference: row.reference, presentationId: id },
    });
  });
}

/** Units whose safeguarding mailbox is told (for tests and the page that explains who was told). */
export async function safeguardingMailboxes(db: Db, organisationId: string): Promise<string[]> {
  return unitMailboxes(db, organisationId, ['safeguarding_team']);
}
