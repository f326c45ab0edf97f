import { randomInt } from 'node:crypto';
import { and, asc, desc, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import type { Actor, RequestContext } from '../platform/context';
import { type Action, authorize, authorizeContext, can, mayAtAll, type Resource, usesCondition } from '../platform/auth/policy';
import { recordAudit, recordAuditNow } from '../platform/audit/service';
import { auditEvents } from '../platform/audit/schema';
import { ForbiddenError, NotFoundError, ValidationError } from '../platform/errors';
import { systemContext } from '../platform/context';
import { icbCodesOf, isUuid } from '../directory/service';
import { organisations, units } from '../directory/schema';
import { users } from '../platform/auth/schema';
import { openPhotograph, processPhotograph, sealPhotograph } from '../platform/files/photographs';
import { alertBirths, alertDeliveries, alertEvents, alertPhotos, alerts, alertVersions } from './schema';
import { presentations } from '../identity/point-of-care/schema';
import { isValidNhsNumber, normaliseNhsNumber } from '../identity/matching/nhs-number';
import { enqueue } from '../platform/jobs/queue';
import type { Mailer } from '../platform/notify/mailer';
import {
  allowedEvents,
  DEFAULT_LIFECYCLE_CONFIG,
  transition,
  type LifecycleConfig,
  type AlertEvent,
  type AlertState,
  type AlertStatus,
  type LifecycleActor,
  type TransitionRecord,
} from './lifecycle';
import { effectiveReviewDate, parseAlertContent, type AlertContent } from './model';
import { addDays, formatDate, isIsoDate, londonDate } from './pregnancy';
import { enqueueDistribution, type DeliveryKind } from './distribution';

export interface AlertSettings {
  reviewWeeksAfterEdd: number;
}

type AlertRow = typeof alerts.$inferSelect;

/** Drafts are stored as typed, complete or not; everything is checked on submission. */
const MAX_DRAFT_BYTES = 200_000;
const MAX_PHOTOS = 6;

// Crockford base32 without I, L, O, U: easy to read out over the phone.
const REF_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const newReference = () => `BCN-${Array.from({ length: 6 }, () => REF_ALPHABET[randomInt(REF_ALPHABET.length)]).join('')}`;

function lifecycleActor(ctx: RequestContext): LifecycleActor {
  if (ctx.actor) return { userId: ctx.actor.userId, role: ctx.actor.role, organisationId: ctx.actor.organisationId };
  if (ctx.system) return { system: true };
  throw new ForbiddenError('alert');
}

const stateOf = (a: AlertRow): AlertState => ({
  status: a.status as AlertStatus,
  originatorUserId: a.originatorUserId,
  originatorOrganisationId: a.originatorOrganisationId,
  version: a.version,
  reviewDate: a.reviewDate,
});

async function loadAlert(db: Db, id: string, lock = false): Promise<AlertRow> {
  if (!isUuid(id)) throw new NotFoundError('Alert');
  const q = db.select().from(alerts).where(eq(alerts.id, id));
  const [a] = lock ? await q.for('update') : await q;
  if (!a) throw new NotFoundError('Alert');
  return a;
}

async function currentContent(db: Db, a: AlertRow): Promise<unknown> {
  const [v] = await db
    .select({ content: alertVersions.content })
    .from(alertVersions)
    .where(and(eq(alertVersions.alertId, a.id), eq(alertVersions.version, a.version)));
  return v?.content ?? {};
}

/** What the policy needs to decide on one alert for this actor. */
async function resourceFor(db: Db, ctx: RequestContext, a: AlertRow): Promise<Resource> {
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
async function applyEvent(
  tx: Db,
  ctx: RequestContext,
  a: AlertRow,
  event: AlertEvent,
  now: Date,
  field = 'form',
  extraState: Partial<AlertState> = {},
  config: LifecycleConfig = DEFAULT_LIFECYCLE_CONFIG,
): Promise<{ next: AlertState; record: TransitionRecord }> {
  const result = transition({ ...stateOf(a), ...extraState }, event, lifecycleActor(ctx), now, config);
  if (!result.ok) throw new ValidationError({ [field]: result.reason });
  await tx.insert(alertEvents).values({
    alertId: a.id,
    event: result.record.event,
    fromStatus: result.record.from,
    toStatus: result.record.to,
    version: result.next.version,
    byUserId: ctx.actor?.userId ?? null,
    byName: ctx.actor?.displayName ?? (ctx.system ? `system:${ctx.system}` : null),
    byOrganisationId: ctx.actor?.organisationId ?? null,
    reason: result.record.reason,
    at: now,
  });
  await recordAudit(tx, ctx, {
    action: `alert.${result.record.event.replace('_', '-')}`,
    verb: 'U',
    entityType: 'Alert',
    entityId: a.id,
    reason: result.record.reason ?? undefined,
    detail: {
      reference: a.reference,
      from: result.record.from,
      to: result.record.to,
      version: result.next.version,
      ...(result.record.outcome ? { outcome: result.record.outcome } : {}),
    },
  });
  return { next: result.next, record: result.record };
}

function draftJson(raw: unknown): Record<string, unknown> {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new ValidationError({ form: 'The alert details were not sent in a form Beacon understands' });
  if (JSON.stringify(raw).length > MAX_DRAFT_BYTES)
    throw new ValidationError({ form: 'The alert is too long to save. Shorten the longest descriptions and try again' });
  return raw as Record<string, unknown>;
}

const eddOf = (raw: Record<string, unknown>): string | null => {
  const edd = (raw.pregnancy as { edd?: unknown } | undefined)?.edd;
  return isIsoDate(edd) ? edd : null;
};

// ── Raising ──────────────────────────────────────────────────────────────────────────────────────────

/** Start an alert as a draft. A draft may be incomplete; submission checks everything. */
export async function createDraft(db: Db, ctx: RequestContext, raw: unknown): Promise<{ id: string; reference: string }> {
  authorize(ctx.actor, 'alert.raise');
  const content = draftJson(raw);
  const actor = ctx.actor;
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction(async (tx) => {
        const [a] = await tx
          .insert(alerts)
          .values({
            reference: newReference(),
            status: 'draft',
            version: 1,
            originatorUserId: actor.userId,
            originatorOrganisationId: actor.organisationId,
            edd: eddOf(content),
          })
          .returning();
        await tx.insert(alertVersions).values({ alertId: a!.id, version: 1, status: 'draft', content, createdByUserId: actor.userId });
        await tx.insert(alertEvents).values({
          alertId: a!.id,
          event: 'create',
          fromStatus: null,
          toStatus: 'draft',
          version: 1,
          byUserId: actor.userId,
          byName: actor.displayName,
          byOrganisationId: actor.organisationId,
        });
        await recordAudit(tx, ctx, { action: 'alert.create', verb: 'C', entityType: 'Alert', entityId: a!.id, detail: { reference: a!.reference } });
        return { id: a!.id, reference: a!.reference };
      });
    } catch (err) {
      // A reference clash (1 in 10^9 per pair) is retried with a new one.
      if (attempt < 3 && /alerts_reference_unique/.test(String((err as Error).message) + String((err as { cause?: Error }).cause?.message))) continue;
      throw err;
    }
  }
}

/** Save a draft (or a returned alert) as it stands. */
export async function saveDraft(db: Db, ctx: RequestContext, id: string, raw: unknown): Promise<void> {
  const content = draftJson(raw);
  await db.transaction(async (tx) => {
    const { alert: a } = await requireAlert(tx, ctx, id, 'alert.change', { lock: true });
    if (a.status !== 'draft' && a.status !== 'returned')
      throw new ValidationError({ form: 'Only a draft or an alert returned for changes can be edited this way. Use “Update alert” for an active alert.' });
    await tx
      .update(alertVersions)
      .set({ content, createdAt: new Date() })
      .where(and(eq(alertVersions.alertId, a.id), eq(alertVersions.version, a.version)));
    await tx
      .update(alerts)
      .set({ edd: eddOf(content), updatedAt: new Date() })
      .where(eq(alerts.id, a.id));
    await recordAudit(tx, ctx, { action: 'alert.draft.save', verb: 'U', entityType: 'Alert', entityId: a.id });
  });
}

/** Submit for approval: the content must now be complete and valid. */
export async function submit(db: Db, ctx: RequestContext, id: string, now = new Date()): Promise<void> {
  await db.transaction(async (tx) => {
    const { alert: a } = await requireAlert(tx, ctx, id, 'alert.change', { lock: true });
    const content = parseAlertContent(await currentContent(tx, a), now);
    const { next } = await applyEvent(tx, ctx, a, { type: 'submit' }, now);
    await tx
      .update(alertVersions)
      .set({ content, status: next.status })
      .where(and(eq(alertVersions.alertId, a.id), eq(alertVersions.version, a.version)));
    await tx.update(alerts).set({ status: next.status, edd: content.pregnancy.edd, updatedAt: now }).where(eq(alerts.id, a.id));
  });
}

// ── Approval ─────────────────────────────────────────────────────────────────────────────────────────

export async function returnForChanges(db: Db, ctx: RequestContext, id: string, comments: string, now = new Date()): Promise<void> {
  await db.transaction(async (tx) => {
    const { alert: a } = await requireAlert(tx, ctx, id, 'alert.approve', { lock: true });
    const { next } = await applyEvent(tx, ctx, a, { type: 'return', comments }, now, 'comments');
    await tx.update(alerts).set({ status: next.status, updatedAt: now }).where(eq(alerts.id, a.id));
  });
}

/**
 * Approve: the alert becomes active with its review date, and its distribution is queued in the same
 * transaction. Nobody approves an alert they raised (the lifecycle refuses it).
 */
export async function approve(
  db: Db,
  ctx: RequestContext,
  id: string,
  settings: AlertSettings,
  comments: string | null = null,
  now = new Date(),
): Promise<void> {
  await db.transaction(async (tx) => {
    const { alert: a } = await requireAlert(tx, ctx, id, 'alert.approve', { lock: true });
    const content = parseAlertContent(await currentContent(tx, a), now);
    const { next } = await applyEvent(tx, ctx, a, { type: 'approve', reviewDate: effectiveReviewDate(content, settings.reviewWeeksAfterEdd), comments }, now);
    await tx
      .update(alertVersions)
      .set({ status: next.status })
      .where(and(eq(alertVersions.alertId, a.id), eq(alertVersions.version, a.version)));
    await tx
      .update(alerts)
      .set({ status: next.status, reviewDate: next.reviewDate, approverUserId: ctx.actor!.userId, approvedAt: now, updatedAt: now })
      .where(eq(alerts.id, a.id));
    await enqueueDistribution(tx, a.id, a.version, 'activation');
  });
}

// ── Changes to an active alert ───────────────────────────────────────────────────────────────────────

/**
 * Write a new version and queue its distribution. Every change recipients must hear about (update,
 * stand-down, cancellation, expiry) is a new version, so each unit receives and acknowledges each one.
 */
async function newVersion(
  tx: Db,
  ctx: RequestContext,
  a: AlertRow,
  version: number,
  status: string,
  content: unknown,
  reason: string | null,
  kind: DeliveryKind,
  extra: Partial<AlertRow> = {},
): Promise<void> {
  await tx.insert(alertVersions).values({ alertId: a.id, version, status, content, changeReason: reason, createdByUserId: ctx.actor?.userId ?? null });
  await tx
    .update(alerts)
    .set({ status, version, updatedAt: new Date(), ...extra })
    .where(eq(alerts.id, a.id));
  await enqueueDistribution(tx, a.id, version, kind);
}

export async function updateAlert(db: Db, ctx: RequestContext, id: string, raw: unknown, reason: string, now = new Date()): Promise<number> {
  return db.transaction(async (tx) => {
    const { alert: a } = await requireAlert(tx, ctx, id, 'alert.change', { lock: true });
    // Only an active alert's content is read as the previous version: a draft's is incomplete, and the
    // lifecycle refuses the update of anything but an active alert just below.
    const previous = a.status === 'active' ? ((await currentContent(tx, a)) as AlertContent) : null;
    // Dates already accepted stay acceptable (a woman's date of birth does not become invalid by time passing).
    const parsed = previous ? parseAlertContent(raw, now, { previous }) : null;
    const { next } = await applyEvent(tx, ctx, a, { type: 'update', reason }, now, 'reason');
    if (!previous || !parsed) throw new ValidationError({ form: 'Only an active alert can be updated' });
    // A recorded birth stays on the alert through later updates (it is changed only by recordBirth).
    const birth = (previous as { birth?: unknown }).birth;
    const content = birth ? { ...parsed, birth } : parsed;
    await newVersion(tx, ctx, a, next.version, 'active', content, reason, 'update', { edd: parsed.pregnancy.edd });
    return next.version;
  });
}

export async function renew(db: Db, ctx: RequestContext, id: string, reviewDate: string, reason: string, now = new Date()): Promise<void> {
  await db.transaction(async (tx) => {
    const { alert: a } = await requireAlert(tx, ctx, id, 'alert.change', { lock: true });
    const { next } = await applyEvent(tx, ctx, a, { type: 'renew', reviewDate, reason }, now, 'reviewDate');
    await tx.update(alerts).set({ reviewDate: next.reviewDate, updatedAt: now }).where(eq(alerts.id, a.id));
  });
}

/** Close an active alert (stand down, cancel, expire): recipients are told in a new version. */
async function close(tx: Db, ctx: RequestContext, a: AlertRow, event: AlertEvent, kind: DeliveryKind, now: Date, field: string): Promise<void> {
  const wasActive = a.status === 'active';
  const { next, record } = await applyEvent(tx, ctx, a, event, now, field);
  if (wasActive) {
    await newVersion(tx, ctx, a, next.version, next.status, await currentContent(tx, a), record.reason, kind);
  } else {
    await tx.update(alerts).set({ status: next.status, updatedAt: now }).where(eq(alerts.id, a.id));
  }
}

export async function standDown(db: Db, ctx: RequestContext, id: string, outcome: string, details: string | null, now = new Date()): Promise<void> {
  await db.transaction(async (tx) => {
    const { alert: a } = await requireAlert(tx, ctx, id, 'alert.change', { lock: true });
    await close(tx, ctx, a, { type: 'stand_down', outcome: outcome as never, details }, 'stand_down', now, 'outcome');
  });
}

export async function cancel(db: Db, ctx: RequestContext, id: string, reason: string, now = new Date()): Promise<void> {
  await db.transaction(async (tx) => {
    const { alert: a } = await requireAlert(tx, ctx, id, 'alert.change', { lock: true });
    await close(tx, ctx, a, { type: 'cancel', reason }, 'cancellation', now, 'reason');
  });
}

export const EXPIRE_JOB = 'alerts.expire';

/** The scheduled job: every active alert past its review date expires, and its recipients are told. */
export async function expireDue(db: Db, now = new Date()): Promise<number> {
  const ctx = systemContext('alerts.expire');
  const due = await db
    .select({ id: alerts.id })
    .from(alerts)
    .where(and(eq(alerts.status, 'active'), lt(alerts.reviewDate, londonDate(now))));
  for (const { id } of due) {
    await db.transaction(async (tx) => {
      const a = await loadAlert(tx, id, true);
      if (a.status !== 'active') return; // changed since we looked
      await close(tx, ctx, a, { type: 'expire' }, 'expiry', now, 'form');
    });
  }
  return due.length;
}

// ── Acknowledgement ──────────────────────────────────────────────────────────────────────────────────

/** A unit's coordinator confirms the alert is loaded locally and the team briefed. Idempotent. */
/**
 * The newest version of each alert this person has opened (read through getAlert, whose audit event
 * records the version), from the audit trail: one query, on the audit log's entity index.
 */
export async function versionsOpenedBy(db: Db, userId: string, alertIds: readonly string[]): Promise<Map<string, number>> {
  if (!alertIds.length) return new Map();
  const opened = await db
    .select({ alertId: auditEvents.entityId, version: sql<number>`max((${auditEvents.detail}->>'version')::int)` })
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.entityType, 'Alert'),
        inArray(auditEvents.entityId, [...alertIds]),
        eq(auditEvents.action, 'alert.view'),
        eq(auditEvents.actorUserId, userId),
        eq(auditEvents.outcome, 'success'),
      ),
    )
    .groupBy(auditEvents.entityId);
  return new Map(opened.map((o) => [o.alertId!, Number(o.version)]));
}

export async function acknowledge(db: Db, ctx: RequestContext, deliveryId: string, note: string | null, now = new Date()): Promise<void> {
  if (!isUuid(deliveryId)) throw new NotFoundError('Delivery');
  if (note && note.length > 1000) throw new ValidationError({ note: 'The note must be 1,000 characters or fewer' });
  await db.transaction(async (tx) => {
    const [d] = await tx.select().from(alertDeliveries).where(eq(alertDeliveries.id, deliveryId)).for('update');
    if (!d) throw new NotFoundError('Delivery');
    authorize(ctx.actor, 'alert.acknowledge', { unitId: d.unitId });
    if (d.acknowledgedAt) return;
    // An acknowledgement says the unit knows what the alert asks: the person must have opened this version.
    if (((await versionsOpenedBy(tx, ctx.actor!.userId, [d.alertId])).get(d.alertId) ?? 0) < d.version) {
      throw new ValidationError({
        form: `Open alert version ${d.version} and read it before you acknowledge it: an acknowledgement tells the originator your unit knows what it asks`,
      });
    }
    await tx
      .update(alertDeliveries)
      .set({ acknowledgedAt: now, acknowledgedByUserId: ctx.actor!.userId, acknowledgementNote: note?.trim() || null })
      .where(eq(alertDeliveries.id, d.id));
    await recordAudit(tx, ctx, {
      action: 'alert.acknowledge',
      verb: 'U',
      entityType: 'Alert',
      entityId: d.alertId,
      detail: { deliveryId: d.id, version: d.version, unitId: d.unitId },
    });
  });
}

// ── Reading ──────────────────────────────────────────────────────────────────────────────────────────

/**
 * One alert, for someone allowed to see it. Every view is audited with its purpose; the owner's side
 * (originating organisation and approvers) also sees who else has viewed it.
 */
export async function getAlert(db: Db, ctx: RequestContext, id: string, purpose = 'view alert', now = new Date()) {
  const { alert: a, resource } = await requireAlert(db, ctx, id, 'alert.view');
  const actor = ctx.actor;
  const [versions, events, deliveries, photos, originator, births] = await Promise.all([
    db.select().from(alertVersions).where(eq(alertVersions.alertId, a.id)).orderBy(desc(alertVersions.version)),
    db.select().from(alertEvents).where(eq(alertEvents.alertId, a.id)).orderBy(asc(alertEvents.at)),
    db
      .select({ d: alertDeliveries, unitName: units.name, unitType: units.type, organisationName: organisations.name, ackBy: users.displayName })
      .from(alertDeliveries)
      .innerJoin(units, eq(units.id, alertDeliveries.unitId))
      .innerJoin(organisations, eq(organisations.id, units.organisationId))
      .leftJoin(users, eq(users.id, alertDeliveries.acknowledgedByUserId))
      .where(eq(alertDeliveries.alertId, a.id))
      .orderBy(desc(alertDeliveries.version), asc(organisations.name), asc(units.name)),
    db
      .select({ id: alertPhotos.id, caption: alertPhotos.caption, width: alertPhotos.width, height: alertPhotos.height, createdAt: alertPhotos.createdAt })
      .from(alertPhotos)
      .where(and(eq(alertPhotos.alertId, a.id), sql`${alertPhotos.removedAt} IS NULL`)),
    db
      .select({ name: users.displayName, organisation: organisations.name })
      .from(users)
      .innerJoin(organisations, eq(organisations.id, a.originatorOrganisationId))
      .where(eq(users.id, a.originatorUserId)),
    db
      .select({ b: alertBirths, placeOfBirth: units.name })
      .from(alertBirths)
      .leftJoin(units, eq(units.id, alertBirths.placeOfBirthUnitId))
      .where(eq(alertBirths.alertId, a.id)),
  ]);
  const owner = can(actor, 'alert.change', resource) || can(actor, 'alert.approve', resource);
  await recordAuditNow(db, ctx, {
    action: 'alert.view',
    verb: 'R',
    entityType: 'Alert',
    entityId: a.id,
    reason: purpose.slice(0, 200),
    detail: { reference: a.reference, version: a.version },
  });
  const accessHistory = owner
    ? await db
        .select()
        .from(auditEvents)
        .where(
          and(
            eq(auditEvents.entityType, 'Alert'),
            eq(auditEvents.entityId, a.id),
            inArray(auditEvents.action, ['alert.view', 'alert.photo.view', 'alert.link', 'alert.link.refused', 'alert.screen.match']),
          ),
        )
        .orderBy(desc(auditEvents.seq))
        .limit(200)
    : [];
  const current = versions.find((v) => v.version === a.version);
  return {
    alert: a,
    content: (current?.content ?? {}) as AlertContent,
    versions,
    events,
    /** The acknowledgement grid: each recipient unit once, with the latest version it was sent. */
    deliveries: latestPerUnit(deliveries),
    allDeliveries: deliveries,
    photos,
    originator: originator[0] ?? null,
    /** The baby's birth, once recorded (null before, and after the personal data is purged). */
    birth: births[0] ? { ...births[0].b, placeOfBirth: births[0].placeOfBirth } : null,
    owner,
    accessHistory,
    allowed: actor ? allowedEvents(stateOf(a), { userId: actor.userId, role: actor.role, organisationId: actor.organisationId }, now) : [],
    canChange: can(actor, 'alert.change', resource),
    canApprove: can(actor, 'alert.approve', resource),
  };
}

/** Rows are ordered newest version first, so the first row seen for a unit is its latest. */
function latestPerUnit<T extends { d: { unitId: string } }>(rows: T[]): T[] {
  const seen = new Set<string>();
  return rows.filter((r) => !seen.has(r.d.unitId) && seen.add(r.d.unitId));
}

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
    })
    .from(alertDeliveries)
    .innerJoin(alerts, eq(alerts.id, alertDeliveries.alertId))
    .where(eq(alertDeliveries.unitId, unitId))
    .orderBy(sql`${alertDeliveries.acknowledgedAt} IS NOT NULL`, desc(alertDeliveries.createdAt))
    .limit(500);
  const opened = await versionsOpenedBy(db, ctx.actor.userId, [...new Set(items.map((i) => i.alertId))]);
  return { unit: unit ?? null, items: items.map((i) => ({ ...i, opened: (opened.get(i.alertId) ?? 0) >= i.version })) };
}

// ── Photographs ──────────────────────────────────────────────────────────────────────────────────────

/** Add a photograph to a draft or returned alert: checked, cleaned, resized and encrypted before it is stored. */
export async function addPhotograph(db: Db, ctx: RequestContext, key: Buffer, alertId: string, upload: Buffer, caption: string | null): Promise<string> {
  const { alert: a } = await requireAlert(db, ctx, alertId, 'alert.change');
  if (a.status !== 'draft' && a.status !== 'returned')
    throw new ValidationError({ photo: 'Photographs can be added while the alert is a draft or returned for changes' });
  if (caption && caption.length > 200) throw new ValidationError({ caption: 'The description must be 200 characters or fewer' });
  const image = await processPhotograph(upload);
  return db.transaction(async (tx) => {
    const [{ n }] = (await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(alertPhotos)
      .where(and(eq(alertPhotos.alertId, a.id), sql`${alertPhotos.removedAt} IS NULL`))) as [{ n: number }];
    if (n >= MAX_PHOTOS) throw new ValidationError({ photo: `An alert can have up to ${MAX_PHOTOS} photographs` });
    const [row] = await tx
      .insert(alertPhotos)
      .values({
        alertId: a.id,
        caption: caption?.trim() || null,
        contentType: image.contentType,
        width: image.width,
        height: image.height,
        addedByUserId: ctx.actor!.userId,
      })
      .returning({ id: alertPhotos.id });
    await tx
      .update(alertPhotos)
      .set({ dataEnc: sealPhotograph(key, row!.id, image.data) })
      .where(eq(alertPhotos.id, row!.id));
    await recordAudit(tx, ctx, { action: 'alert.photo.add', verb: 'C', entityType: 'Alert', entityId: a.id, detail: { photoId: row!.id } });
    return row!.id;
  });
}

/** A photograph's bytes, for someone allowed to see the alert; every view is audited. */
export async function getPhotograph(
  db: Db,
  ctx: RequestContext,
  key: Buffer,
  alertId: string,
  photoId: string,
): Promise<{ data: Buffer; contentType: string }> {
  const { alert: a } = await requireAlert(db, ctx, alertId, 'alert.view');
  if (!isUuid(photoId)) throw new NotFoundError('Photograph');
  const [p] = await db
    .select()
    .from(alertPhotos)
    .where(and(eq(alertPhotos.id, photoId), eq(alertPhotos.alertId, a.id)));
  if (!p || !p.dataEnc || p.removedAt) throw new NotFoundError('Photograph');
  await recordAuditNow(db, ctx, { action: 'alert.photo.view', verb: 'R', entityType: 'Alert', entityId: a.id, detail: { photoId } });
  return { data: openPhotograph(key, p.id, p.dataEnc), contentType: p.contentType };
}

// ── Birth ────────────────────────────────────────────────────────────────────────────────────────────

export const BABY_SEXES = ['female', 'male', 'indeterminate', 'not_known'] as const;
export type BabySex = (typeof BABY_SEXES)[number];
export const BABY_SEX_LABELS: Record<BabySex, string> = { female: 'Female', male: 'Male', indeterminate: 'Indeterminate', not_known: 'Not known' };
/** A baby is not born more than 24 weeks before the due date (earlier than viability is refused as a typing error). */
const EARLIEST_BIRTH_WEEKS_BEFORE_EDD = 24;
const MAX_BABY_NAME = 100;

export interface BirthInput {
  babyGivenName?: string | null;
  babyFamilyName?: string | null;
  dateOfBirth: string;
  nhsNumber?: string | null;
  sex: string;
  placeOfBirthUnitId?: string | null;
}

/** The birth as it is kept in the alert's version content (and shown on the alert page). */
export interface AlertBirth {
  babyGivenName: string | null;
  babyFamilyName: string | null;
  dateOfBirth: string;
  nhsNumber: string | null;
  sex: BabySex;
  placeOfBirthUnitId: string | null;
  placeOfBirth: string | null;
}

const optionalText = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

/**
 * Record the baby's birth on an active alert (or correct it): the owners only. It is a change recipients
 * must know about, so it makes a new version (same content plus the birth) distributed as an update; from
 * then on the alert covers the baby too (the register index adds the baby's identity).
 */
export async function recordBirth(db: Db, ctx: RequestContext, alertId: string, input: BirthInput, now = new Date()): Promise<number> {
  const raw = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  return db.transaction(async (tx) => {
    const { alert: a } = await requireAlert(tx, ctx, alertId, 'alert.change', { lock: true });
    if (a.status !== 'active') throw new ValidationError({ form: 'A birth can only be recorded on an active alert.' });
    const errors: Record<string, string> = {};
    const babyGivenName = optionalText(raw.babyGivenName);
    const babyFamilyName = optionalText(raw.babyFamilyName);
    if (babyGivenName && babyGivenName.length > MAX_BABY_NAME) errors.babyGivenName = `The baby’s given name must be ${MAX_BABY_NAME} characters or fewer`;
    if (babyFamilyName && babyFamilyName.length > MAX_BABY_NAME) errors.babyFamilyName = `The baby’s family name must be ${MAX_BABY_NAME} characters or fewer`;
    const dateOfBirth = optionalText(raw.dateOfBirth);
    const today = londonDate(now);
    if (!dateOfBirth) errors.dateOfBirth = 'Enter the baby’s date of birth';
    else if (!isIsoDate(dateOfBirth)) errors.dateOfBirth = 'The baby’s date of birth must be a real date';
    else if (dateOfBirth > today) errors.dateOfBirth = 'The baby’s date of birth must be today or in the past';
    else if (a.edd && dateOfBirth < addDays(a.edd, -EARLIEST_BIRTH_WEEKS_BEFORE_EDD * 7)) {
      errors.dateOfBirth = `The baby’s date of birth must be on or after ${formatDate(addDays(a.edd, -EARLIEST_BIRTH_WEEKS_BEFORE_EDD * 7))}, ${EARLIEST_BIRTH_WEEKS_BEFORE_EDD} weeks before the due date`;
    }
    const nhsRaw = optionalText(raw.nhsNumber);
    const nhsNumber = nhsRaw ? normaliseNhsNumber(nhsRaw) : null;
    if (nhsRaw && !isValidNhsNumber(nhsRaw)) errors.nhsNumber = 'Enter a valid NHS number for the baby (10 digits, check the number is correct)';
    const sex = optionalText(raw.sex);
    if (!sex || !(BABY_SEXES as readonly string[]).includes(sex)) errors.sex = 'Select the baby’s sex, or “Not known”';
    const unitId = optionalText(raw.placeOfBirthUnitId);
    let placeOfBirth: string | null = null;
    if (unitId) {
      const [u] = isUuid(unitId) ? await tx.select({ name: units.name }).from(units).where(eq(units.id, unitId)) : [];
      if (!u) errors.placeOfBirthUnitId = 'Select a place of birth from the list';
      else placeOfBirth = u.name;
    }
    if (Object.keys(errors).length) throw new ValidationError(errors);

    const birth: AlertBirth = {
      babyGivenName,
      babyFamilyName,
      dateOfBirth: dateOfBirth!,
      nhsNumber,
      sex: sex as BabySex,
      placeOfBirthUnitId: unitId,
      placeOfBirth,
    };
    const [existing] = await tx.select({ id: alertBirths.id }).from(alertBirths).where(eq(alertBirths.alertId, a.id));
    const reason = existing ? 'Birth details corrected' : `Baby born ${formatDate(birth.dateOfBirth)}`;
    const { next } = await applyEvent(tx, ctx, a, { type: 'update', reason }, now, 'form');
    const values = {
      babyGivenName,
      babyFamilyName,
      dateOfBirth: birth.dateOfBirth,
      nhsNumber,
      sex: birth.sex,
      placeOfBirthUnitId: unitId,
      recordedByUserId: ctx.actor!.userId,
      recordedAt: now,
    };
    if (existing) await tx.update(alertBirths).set(values).where(eq(alertBirths.id, existing.id));
    else await tx.insert(alertBirths).values({ alertId: a.id, ...values });
    await recordAudit(tx, ctx, {
      action: existing ? 'alert.birth.correct' : 'alert.birth.record',
      verb: existing ? 'U' : 'C',
      entityType: 'Alert',
      entityId: a.id,
      detail: { reference: a.reference, version: next.version },
    });
    const content = { ...((await currentContent(tx, a)) as Record<string, unknown>), birth };
    await newVersion(tx, ctx, a, next.version, 'active', content, reason, 'update');
    return next.version;
  });
}

// ── Review reminders ─────────────────────────────────────────────────────────────────────────────────

export const REVIEW_REMINDER_JOB = 'alerts.review-reminder';
export const REVIEW_REMINDER_EMAIL_JOB = 'alerts.review-reminder.email';
/** The originator is reminded once when an active alert's review date is this many days away or fewer. */
export const REVIEW_REMINDER_DAYS = 7;

/** The scheduled job: queue one reminder email per alert and review date (a renewal makes a new one due). */
export async function remindReviews(db: Db, now = new Date(), days = REVIEW_REMINDER_DAYS): Promise<number> {
  const today = londonDate(now);
  const due = await db
    .select({ id: alerts.id, reviewDate: alerts.reviewDate })
    .from(alerts)
    .where(and(eq(alerts.status, 'active'), sql`${alerts.reviewDate} >= ${today}::date`, sql`${alerts.reviewDate} <= ${addDays(today, days)}::date`));
  let queued = 0;
  for (const d of due) {
    const id = await enqueue(
      db,
      REVIEW_REMINDER_EMAIL_JOB,
      { alertId: d.id, reviewDate: d.reviewDate },
      { idempotencyKey: `review-reminder:${d.id}:${d.reviewDate}` },
    );
    if (id !== null) queued++;
  }
  return queued;
}

/** Email the originator that the review date is near. No personal data: the reference, the date and a link. */
export async function emailReviewReminder(db: Db, mailer: Mailer, publicUrl: string, payload: { alertId: string; reviewDate: string }): Promise<void> {
  const [row] = await db
    .select({ reference: alerts.reference, status: alerts.status, reviewDate: alerts.reviewDate, email: users.email })
    .from(alerts)
    .innerJoin(users, eq(users.id, alerts.originatorUserId))
    .where(eq(alerts.id, payload.alertId));
  // Renewed, closed or gone since it was queued: nothing to remind about.
  if (!row || row.status !== 'active' || row.reviewDate !== payload.reviewDate) return;
  await mailer.send({
    to: row.email,
    subject: `[Beacon] Alert ${row.reference} is due for review by ${formatDate(payload.reviewDate)}`,
    text: [
      `Alert ${row.reference}, which you raised, is due for review by ${formatDate(payload.reviewDate)}.`,
      'If it is still needed, renew it with a reason before then; otherwise stand it down.',
      'An alert that is not renewed expires on its own after its review date, and its recipients are told.',
      '',
      `Sign in to Beacon to review it: ${publicUrl}/alerts/${payload.alertId}`,
      '',
      'This email contains no personal information. Do not reply to it.',
    ].join('\n'),
    messageId: `<review-reminder-${payload.alertId}-${payload.reviewDate}@beacon>`,
  });
}

// ── Archive and purge ────────────────────────────────────────────────────────────────────────────────

export const RETENTION_JOB = 'alerts.retention';
const CLOSED_STATUSES = ['stood_down', 'cancelled', 'expired'] as const;

/**
 * The scheduled job: closed alerts are archived `archiveAfterDays` after they closed (kept read-only until
 * `retainUntil`), then archived alerts past their retention date have their personal data purged. The
 * reference, statuses, history and audit trail are kept.
 */
export async function archiveAndPurge(
  db: Db,
  retentionDays: number,
  now = new Date(),
  config: LifecycleConfig = DEFAULT_LIFECYCLE_CONFIG,
): Promise<{ archived: number; purged: number }> {
  const ctx = systemContext('alerts.retention');
  const cutoff = new Date(now.getTime() - config.archiveAfterDays * 86_400_000);
  const closed = await db
    .select({ id: alerts.id, closedAt: sql<string>`max(${alertEvents.at})` })
    .from(alerts)
    .innerJoin(alertEvents, and(eq(alertEvents.alertId, alerts.id), eq(alertEvents.toStatus, alerts.status)))
    .where(inArray(alerts.status, [...CLOSED_STATUSES]))
    .groupBy(alerts.id);
  let archived = 0;
  for (const c of closed) {
    const closedAt = new Date(c.closedAt);
    if (closedAt > cutoff) continue;
    await db.transaction(async (tx) => {
      const a = await loadAlert(tx, c.id, true);
      if (!(CLOSED_STATUSES as readonly string[]).includes(a.status)) return; // changed since we looked
      const { next } = await applyEvent(tx, ctx, a, { type: 'archive' }, now, 'form', { closedAt }, config);
      await tx
        .update(alerts)
        .set({ status: next.status, retainUntil: addDays(londonDate(now), retentionDays), updatedAt: now })
        .where(eq(alerts.id, a.id));
      archived++;
    });
  }

  const expired = await db
    .select({ id: alerts.id })
    .from(alerts)
    .where(and(eq(alerts.status, 'archived'), isNull(alerts.purgedAt), lt(alerts.retainUntil, londonDate(now))));
  let purged = 0;
  for (const { id } of expired) {
    await db.transaction(async (tx) => {
      const a = await loadAlert(tx, id, true);
      if (a.status !== 'archived' || a.purgedAt) return;
      await tx
        .update(alertVersions)
        .set({ content: { purged: true } })
        .where(eq(alertVersions.alertId, a.id));
      const photos = await tx.update(alertPhotos).set({ dataEnc: null }).where(eq(alertPhotos.alertId, a.id)).returning({ id: alertPhotos.id });
      const births = await tx.delete(alertBirths).where(eq(alertBirths.alertId, a.id)).returning({ id: alertBirths.id });
      const seen = await tx
        .update(presentations)
        .set({ details: {}, inconsistencies: [], location: null, note: null })
        .where(eq(presentations.alertId, a.id))
        .returning({ id: presentations.id });
      await tx.update(alerts).set({ edd: null, purgedAt: now, updatedAt: now }).where(eq(alerts.id, a.id));
      await recordAudit(tx, ctx, {
        action: 'alert.purge',
        verb: 'D',
        entityType: 'Alert',
        entityId: a.id,
        detail: {
          reference: a.reference,
          versions: a.version,
          photos: photos.length,
          births: births.length,
          presentations: seen.length,
          retainUntil: a.retainUntil,
        },
      });
      purged++;
    });
  }
  return { archived, purged };
}
