import { and, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import { recordAudit } from '../platform/audit/service';
import { systemContext } from '../platform/context';
import { users } from '../platform/auth/schema';
import { alertBirths, alertEvents, alertPhotos, alerts, alertVersions } from './schema';
import { presentations } from '../identity/point-of-care/schema';
import { enqueue } from '../platform/jobs/queue';
import type { Mailer } from '../platform/notify/mailer';
import { DEFAULT_LIFECYCLE_CONFIG, type LifecycleConfig } from './lifecycle';
import { addDays, formatDate, londonDate } from './pregnancy';
import { loadAlert } from './access';
import { applyEvent } from './service';

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
