import { randomInt } from 'node:crypto';
import { and, asc, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { authorize, can } from '../platform/auth/policy';
import { recordAudit, recordAuditNow } from '../platform/audit/service';
import { auditEvents } from '../platform/audit/schema';
import { ForbiddenError, NotFoundError, PreconditionFailedError, ValidationError } from '../platform/errors';
import { systemContext } from '../platform/context';
import { isUuid } from '../directory/service';
import { organisations, units } from '../directory/schema';
import { users } from '../platform/auth/schema';
import { alertBirths, alertDeliveries, alertEvents, alertPhotos, alerts, alertVersions } from './schema';
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
import { isIsoDate, londonDate } from './pregnancy';
import { enqueueDistribution, type DeliveryKind } from './distribution';
import { type AlertRow, currentContent, loadAlert, requireAlert } from './access';

export interface AlertSettings {
  reviewWeeksAfterEdd: number;
}

/** Drafts are stored as typed, complete or not; everything is checked on submission. */
const MAX_DRAFT_BYTES = 200_000;

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

export async function applyEvent(
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
export async function newVersion(
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

/** A change made against a known state: refused (412) when the alert has changed since (its change count differs). */
export interface ChangePrecondition {
  ifChanges?: number;
}

async function checkPrecondition(tx: Db, alertId: string, p: ChangePrecondition): Promise<void> {
  if (p.ifChanges === undefined) return;
  const now = (await changeCounts(tx, [alertId])).get(alertId) ?? 0;
  if (now !== p.ifChanges) throw new PreconditionFailedError('This alert has changed since you read it. Read it again, then make your change.');
}

/**
 * How many times each alert has changed: its lifecycle events (submitted, approved, updated, renewed,
 * stood down…). Every change anyone can see is one, so this is the version a FHIR Flag carries and
 * what an If-Match is compared with.
 */
export async function changeCounts(db: Db, ids: readonly string[]): Promise<Map<string, number>> {
  const valid = [...new Set(ids)].filter(isUuid);
  if (!valid.length) return new Map();
  const rows = await db
    .select({ alertId: alertEvents.alertId, n: sql<number>`count(*)::int` })
    .from(alertEvents)
    .where(inArray(alertEvents.alertId, valid))
    .groupBy(alertEvents.alertId);
  return new Map(rows.map((r) => [r.alertId, Number(r.n)]));
}

/** What a search of the register by its fields may ask (the FHIR Flag search): never drafts. */
export interface AlertFilter {
  statuses: readonly AlertStatus[];
  nhsNumber?: string | null;
  updatedFrom?: Date | null;
  updatedBefore?: Date | null;
  limit: number;
}

/**
 * Ids of alerts that fit a filter, newest change first, before any access rule: the caller narrows them
 * with {@link viewableAlertIds} (the same rule as a single read) and reads each through getAlert.
 */
export async function findAlertIds(db: Db, f: AlertFilter): Promise<string[]> {
  if (!f.statuses.length) return [];
  const conditions = [inArray(alerts.status, [...f.statuses])];
  if (f.updatedFrom) conditions.push(sql`${alerts.updatedAt} >= ${f.updatedFrom.toISOString()}::timestamptz`);
  if (f.updatedBefore) conditions.push(sql`${alerts.updatedAt} < ${f.updatedBefore.toISOString()}::timestamptz`);
  if (f.nhsNumber)
    conditions.push(
      sql`exists (select 1 from alert_versions v where v.alert_id = ${alerts.id} and v.version = ${alerts.version}
            and v.content -> 'subject' -> 'nhsNumbers' @> ${JSON.stringify([{ value: f.nhsNumber }])}::jsonb)`,
    );
  const rows = await db
    .select({ id: alerts.id })
    .from(alerts)
    .where(and(...conditions))
    .orderBy(desc(alerts.updatedAt))
    .limit(f.limit);
  return rows.map((r) => r.id);
}

export async function standDown(
  db: Db,
  ctx: RequestContext,
  id: string,
  outcome: string,
  details: string | null,
  now = new Date(),
  precondition: ChangePrecondition = {},
): Promise<void> {
  await db.transaction(async (tx) => {
    const { alert: a } = await requireAlert(tx, ctx, id, 'alert.change', { lock: true });
    await checkPrecondition(tx, a.id, precondition);
    await close(tx, ctx, a, { type: 'stand_down', outcome: outcome as never, details }, 'stand_down', now, 'outcome');
  });
}

export async function cancel(db: Db, ctx: RequestContext, id: string, reason: string, now = new Date(), precondition: ChangePrecondition = {}): Promise<void> {
  await db.transaction(async (tx) => {
    const { alert: a } = await requireAlert(tx, ctx, id, 'alert.change', { lock: true });
    await checkPrecondition(tx, a.id, precondition);
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
      .select({
        d: alertDeliveries,
        unitName: units.name,
        unitType: units.type,
        organisationId: organisations.id,
        organisationName: organisations.name,
        organisationOdsCode: organisations.odsCode,
        ackBy: users.displayName,
      })
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
      .select({ name: users.displayName, organisation: organisations.name, organisationId: organisations.id, organisationOdsCode: organisations.odsCode })
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
