import { and, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import { enqueue, enqueueMany } from '../platform/jobs/queue';
import type { Mailer } from '../platform/notify/mailer';
import { recordAudit } from '../platform/audit/service';
import { systemContext } from '../platform/context';
import { organisations, units } from '../directory/schema';
import { resolveRecipientUnits, type DistributionScope } from '../directory/recipients';
import { users } from '../platform/auth/schema';
import { alertDeliveries, alerts, alertVersions } from './schema';
import { publishEvents } from '../webhooks/publish';
import { EVENT_OF_DELIVERY_KIND } from '../webhooks/rules';

export type DeliveryKind = 'activation' | 'update' | 'stand_down' | 'cancellation' | 'expiry';

export const DISTRIBUTE_JOB = 'alerts.distribute';
export const EMAIL_JOB = 'alerts.delivery-email';
export const ACK_CHASE_JOB = 'alerts.acknowledgement-chase';
export const ACK_CHASE_EMAIL_JOB = 'alerts.acknowledgement-chase.email';

/** Enqueue the fan-out of one version, in the caller's transaction (the outbox). */
export function enqueueDistribution(tx: Db, alertId: string, version: number, kind: DeliveryKind): Promise<number | null> {
  return enqueue(tx, DISTRIBUTE_JOB, { alertId, version, kind }, { idempotencyKey: `distribute:${alertId}:${version}` });
}

/** The scope stored on a version's content, as the directory understands it. */
export function scopeOf(content: {
  distribution: { scope: string; geographyCode?: string | null; unitIds?: string[]; unitTypes?: string[] };
}): DistributionScope {
  const d = content.distribution;
  if (d.scope === 'units') return { scope: 'units', unitIds: d.unitIds ?? [] };
  if (d.scope === 'national') return { scope: 'national', unitTypes: (d.unitTypes ?? []) as never };
  return { scope: d.scope as 'icb' | 'region', geographyCode: d.geographyCode ?? '', unitTypes: (d.unitTypes ?? []) as never };
}

const CHUNK = 500;

/**
 * The fan-out job: one delivery per recipient unit of this version, plus one email job per new
 * delivery, written together chunk by chunk. Deliveries are unique per (alert, version, unit), so a
 * job that dies part-way and runs again creates only what is missing: no unit is sent a version twice.
 * A stand-down, cancellation or expiry also reaches every unit that received an earlier version, so
 * nobody keeps acting on an alert that has ended.
 */
export async function distribute(
  db: Db,
  payload: { alertId: string; version: number; kind: DeliveryKind },
  now = new Date(),
): Promise<{ recipients: number; created: number }> {
  const [version] = await db
    .select()
    .from(alertVersions)
    .where(and(eq(alertVersions.alertId, payload.alertId), eq(alertVersions.version, payload.version)));
  if (!version) throw new Error(`Alert ${payload.alertId} has no version ${payload.version}`);
  const content = version.content as Parameters<typeof scopeOf>[0];
  const inScope = await resolveRecipientUnits(db, scopeOf(content));
  const unitIds = new Set(inScope.map((u) => u.id));
  // Everyone told before must be told again (widening adds units; narrowing never silently drops one).
  const previous = await db
    .selectDistinct({ unitId: alertDeliveries.unitId })
    .from(alertDeliveries)
    .where(and(eq(alertDeliveries.alertId, payload.alertId), lt(alertDeliveries.version, payload.version)));
  for (const p of previous) unitIds.add(p.unitId);

  const all = [...unitIds];
  const [alertRow] = await db.select({ reference: alerts.reference }).from(alerts).where(eq(alerts.id, payload.alertId));
  let created = 0;
  for (let i = 0; i < all.length; i += CHUNK) {
    const chunk = all.slice(i, i + CHUNK);
    await db.transaction(async (tx) => {
      const inserted = await tx
        .insert(alertDeliveries)
        .values(chunk.map((unitId) => ({ alertId: payload.alertId, version: payload.version, kind: payload.kind, unitId, createdAt: now })))
        .onConflictDoNothing({ target: [alertDeliveries.alertId, alertDeliveries.version, alertDeliveries.unitId] })
        .returning({ id: alertDeliveries.id, unitId: alertDeliveries.unitId });
      await enqueueMany(
        tx,
        EMAIL_JOB,
        inserted.map((d) => ({ payload: { deliveryId: d.id }, idempotencyKey: `delivery-email:${d.id}` })),
      );
      // The receiving organisations' systems hear of it too (ids and links only), in the same transaction.
      await publishEvents(
        tx,
        inserted.map((d) => ({
          type: EVENT_OF_DELIVERY_KIND[payload.kind] ?? 'alert.delivered',
          key: `delivery:${d.id}`,
          unitId: d.unitId,
          data: {
            alertId: payload.alertId,
            reference: alertRow?.reference ?? null,
            version: payload.version,
            deliveryId: d.id,
            unitId: d.unitId,
            links: { alert: `/api/alerts/${payload.alertId}`, flag: `/fhir/R4/Flag/${payload.alertId}`, inbox: '/api/alerts/inbox' },
          },
        })),
      );
      created += inserted.length;
    });
  }
  await db.transaction((tx) =>
    recordAudit(tx, systemContext('worker'), {
      action: 'alert.distribute',
      verb: 'E',
      entityType: 'Alert',
      entityId: payload.alertId,
      detail: { version: payload.version, kind: payload.kind, recipients: all.length, created },
    }),
  );
  return { recipients: all.length, created };
}

const KIND_SUBJECT: Record<DeliveryKind, string> = {
  activation: 'New high-risk alert',
  update: 'Updated high-risk alert',
  stand_down: 'High-risk alert STOOD DOWN',
  cancellation: 'High-risk alert CANCELLED',
  expiry: 'High-risk alert EXPIRED',
};

/**
 * Email a unit's shared mailbox that there is something in its Beacon inbox. The email carries no
 * personal data (mailboxes are shared and email is copied to phones): only the reference, what
 * happened and where to acknowledge.
 */
export async function emailDelivery(db: Db, mailer: Mailer, publicUrl: string, payload: { deliveryId: string }): Promise<void> {
  const [row] = await db
    .select({ d: alertDeliveries, reference: alerts.reference, unitName: units.name, mailbox: units.sharedMailbox })
    .from(alertDeliveries)
    .innerJoin(alerts, eq(alerts.id, alertDeliveries.alertId))
    .innerJoin(units, eq(units.id, alertDeliveries.unitId))
    .where(eq(alertDeliveries.id, payload.deliveryId));
  if (!row) throw new Error(`Delivery ${payload.deliveryId} not found`);
  if (row.d.emailedAt || !row.mailbox) return;
  const kind = row.d.kind as DeliveryKind;
  await mailer.send({
    to: row.mailbox,
    subject: `[Beacon] ${KIND_SUBJECT[kind]} ${row.reference} for ${row.unitName}`,
    text: [
      `${KIND_SUBJECT[kind]} ${row.reference} (version ${row.d.version}) has been sent to ${row.unitName}.`,
      '',
      `Sign in to Beacon to read it and acknowledge it: ${publicUrl}/inbox`,
      '',
      'Acknowledge once the alert is loaded into your local systems and your team has been briefed.',
      'This email contains no personal information. Do not reply to it.',
    ].join('\n'),
    messageId: `<delivery-${row.d.id}@beacon>`,
  });
  await db.update(alertDeliveries).set({ emailedAt: new Date() }).where(eq(alertDeliveries.id, row.d.id));
}

/**
 * Chase unacknowledged deliveries: a reminder to the unit after `reminderHours`, then escalation to
 * the unit's organisation's safeguarding team and to the originator after `escalateHours`.
 * Each step happens once per delivery (the timestamps are set in the same statement that selects them).
 * Only deliveries of the alert's current version are chased: an update supersedes what a unit was sent
 * before (every earlier recipient is sent the new version), so acknowledging the latest one is enough.
 */
export async function chaseAcknowledgements(
  db: Db,
  opts: { reminderHours: number; escalateHours: number },
  now = new Date(),
): Promise<{ reminded: number; escalated: number }> {
  const remindBefore = new Date(now.getTime() - opts.reminderHours * 3_600_000);
  const escalateBefore = new Date(now.getTime() - opts.escalateHours * 3_600_000);
  const chasable = sql`(${alertDeliveries.alertId}, ${alertDeliveries.version}) IN (SELECT id, version FROM alerts WHERE status = 'active')`;
  // Marked and queued together (outbox): a crash after marking can no longer lose the emails.
  return db.transaction(async (tx) => {
    const toRemind = await tx
      .update(alertDeliveries)
      .set({ remindedAt: now })
      .where(and(isNull(alertDeliveries.acknowledgedAt), isNull(alertDeliveries.remindedAt), lt(alertDeliveries.createdAt, remindBefore), chasable))
      .returning({ id: alertDeliveries.id, unitId: alertDeliveries.unitId, alertId: alertDeliveries.alertId });
    await enqueueMany(
      tx,
      ACK_CHASE_EMAIL_JOB,
      toRemind.map((d) => ({ payload: { deliveryId: d.id, step: 'reminder' }, idempotencyKey: `chase:reminder:${d.id}` })),
    );
    const toEscalate = await tx
      .update(alertDeliveries)
      .set({ escalatedAt: now })
      .where(and(isNull(alertDeliveries.acknowledgedAt), isNull(alertDeliveries.escalatedAt), lt(alertDeliveries.createdAt, escalateBefore), chasable))
      .returning({ id: alertDeliveries.id, unitId: alertDeliveries.unitId, alertId: alertDeliveries.alertId });
    await enqueueMany(
      tx,
      ACK_CHASE_EMAIL_JOB,
      toEscalate.map((d) => ({ payload: { deliveryId: d.id, step: 'escalation' }, idempotencyKey: `chase:escalation:${d.id}` })),
    );
    const unacknowledged = (step: 'reminder' | 'escalation', ds: { id: string; unitId: string; alertId: string }[]) =>
      ds.map((d) => ({
        type: 'delivery.unacknowledged' as const,
        key: `unacknowledged:${step}:${d.id}`,
        unitId: d.unitId,
        data: { deliveryId: d.id, alertId: d.alertId, unitId: d.unitId, step, links: { alert: `/api/alerts/${d.alertId}`, inbox: '/api/alerts/inbox' } },
      }));
    await publishEvents(tx, [...unacknowledged('reminder', toRemind), ...unacknowledged('escalation', toEscalate)]);
    return { reminded: toRemind.length, escalated: toEscalate.length };
  });
}

/** The job: one chase email (reminder to the unit, or escalation to its safeguarding team and the originator). */
export async function emailChase(db: Db, mailer: Mailer, publicUrl: string, payload: { deliveryId: string; step: 'reminder' | 'escalation' }): Promise<void> {
  const [d] = await db
    .select({ id: alertDeliveries.id, unitId: alertDeliveries.unitId, alertId: alertDeliveries.alertId, acknowledgedAt: alertDeliveries.acknowledgedAt })
    .from(alertDeliveries)
    .where(eq(alertDeliveries.id, payload.deliveryId));
  // Acknowledged in the meantime: nothing to chase.
  if (!d || d.acknowledgedAt) return;
  await sendChase(db, mailer, publicUrl, d, payload.step);
}

async function sendChase(db: Db, mailer: Mailer, publicUrl: string, d: { id: string; unitId: string; alertId: string }, step: 'reminder' | 'escalation') {
  const [info] = await db
    .select({
      unitName: units.name,
      mailbox: units.sharedMailbox,
      organisationId: units.organisationId,
      reference: alerts.reference,
      originatorEmail: users.email,
    })
    .from(units)
    .innerJoin(alerts, eq(alerts.id, d.alertId))
    .innerJoin(users, eq(users.id, alerts.originatorUserId))
    .where(eq(units.id, d.unitId));
  if (!info) return;
  const to = new Set<string>();
  if (step === 'reminder') {
    if (info.mailbox) to.add(info.mailbox);
  } else {
    const teams = await db
      .select({ mailbox: units.sharedMailbox })
      .from(units)
      .innerJoin(organisations, eq(organisations.id, units.organisationId))
      .where(and(eq(units.organisationId, info.organisationId), inArray(units.type, ['safeguarding_team']), eq(units.active, true)));
    for (const t of teams) if (t.mailbox) to.add(t.mailbox);
    to.add(info.originatorEmail);
  }
  for (const address of to) {
    await mailer.send({
      to: address,
      subject:
        step === 'reminder'
          ? `[Beacon] Reminder: acknowledge alert ${info.reference} for ${info.unitName}`
          : `[Beacon] Not acknowledged: alert ${info.reference} at ${info.unitName}`,
      text:
        step === 'reminder'
          ? `Alert ${info.reference} sent to ${info.unitName} has not been acknowledged yet.\nSign in to Beacon to acknowledge it: ${publicUrl}/inbox\nThis email contains no personal information.`
          : `Alert ${info.reference} sent to ${info.unitName} has still not been acknowledged.\nPlease contact the unit and make sure the alert is loaded and the team briefed.\n${publicUrl}/alerts\nThis email contains no personal information.`,
      messageId: `<${step}-${d.id}-${address.replace(/[^\w.-]/g, '_')}@beacon>`,
    });
  }
}
