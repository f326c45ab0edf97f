/**
 * The library's jobs. The email job builds each message when it runs, from the version and task as they
 * are then (a task confirmed since is not chased), with a message id made from its key, so a retried job
 * is the same message. The tick (hourly) sends reading reminders (7 and 14 days by default) and review
 * reminders to each document's owner (60 and 14 days before its review date, and when it passes), each
 * marked sent in the same statement or transaction as the message it queues.
 */
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import type { Mailer } from '../platform/notify/mailer';
import { users } from '../platform/auth/schema';
import { enqueueSelect } from '../platform/jobs/queue';
import { londonDate, formatDate } from '../platform/dates';
import { isUuid } from '../directory/service';
import { KIND_LABELS, type Kind } from './model';
import { reviewReminderDue, versionLabel } from './rules';
import { libraryDocuments, libraryReads, libraryVersions } from './schema';
import { LIBRARY_EMAIL_JOB, type LibraryMessageKind, tell } from './notices';

export const LIBRARY_TICK_JOB = 'library.tick';

interface EmailPayload {
  kind: LibraryMessageKind;
  userId: string;
  versionId: string;
  readId?: string;
  key?: string | number;
}

/** Send one library email. Returns false when there is nothing to send (the person, version or task is gone or done). */
export async function sendLibraryEmail(db: Db, mailer: Mailer, publicUrl: string, p: EmailPayload): Promise<boolean> {
  if (!isUuid(String(p.userId)) || !isUuid(String(p.versionId))) return false;
  const [to] = await db.select({ email: users.email, name: users.displayName, active: users.active }).from(users).where(eq(users.id, p.userId));
  const [row] = await db
    .select({ v: libraryVersions, title: libraryDocuments.title, kind: libraryDocuments.kind })
    .from(libraryVersions)
    .innerJoin(libraryDocuments, eq(libraryDocuments.id, libraryVersions.documentId))
    .where(eq(libraryVersions.id, p.versionId));
  if (!to?.active || !row) return false;
  const name = `${row.title} (version ${versionLabel(row.v)})`;
  const kindLabel = KIND_LABELS[row.kind as Kind] ?? 'Document';
  let subject: string;
  let lines: string[];
  let link = `${publicUrl}/library/versions/${row.v.id}`;
  switch (p.kind) {
    case 'read_request':
    case 'read_reminder': {
      if (!p.readId || !isUuid(p.readId)) return false;
      const [read] = await db.select().from(libraryReads).where(eq(libraryReads.id, p.readId));
      if (!read || read.acknowledgedAt || read.closedAt) return false;
      link = `${publicUrl}/library/reading/${read.id}`;
      subject = `${p.kind === 'read_reminder' ? 'Reminder: ' : ''}please read ${name}`;
      lines = [
        `You are asked to read the ${kindLabel.toLowerCase()} ${name} and confirm that you have read and understood it.`,
        row.v.questions.length
          ? `It ends with ${row.v.questions.length} short ${row.v.questions.length === 1 ? 'question' : 'questions'}. It should take about ten minutes.`
          : '',
        'Summary of this version:',
        row.v.changeSummary,
      ];
      break;
    }
    case 'review_request':
      if (row.v.status !== 'in_review') return false;
      subject = `Please review ${name}`;
      lines = [`You are named as a reviewer of ${name}. Please read it and add your comments in Beacon.`, 'What changed:', row.v.changeSummary];
      break;
    case 'review_comment':
      subject = `A reviewer commented on ${name}`;
      lines = [`A reviewer has commented on ${name}. Read the comments in Beacon.`];
      break;
    case 'review_due':
      if (row.v.status !== 'published' || !row.v.reviewDueOn) return false;
      subject = p.key === 0 ? `${row.title} is overdue for review` : `${row.title} is due for review by ${formatDate(row.v.reviewDueOn)}`;
      lines = [
        p.key === 0
          ? `The review date of ${name} (${formatDate(row.v.reviewDueOn)}) has passed. Review it and publish a new version, or record that it still stands by publishing a minor version.`
          : `${name} is due for review by ${formatDate(row.v.reviewDueOn)}. You own it: start its review in Beacon.`,
      ];
      break;
    default:
      return false;
  }
  await mailer.send({
    to: to.email,
    subject: `[Beacon] ${subject}`,
    text: [`Dear ${to.name},`, '', ...lines.filter(Boolean), '', link, '', 'Beacon library'].join('\n'),
    messageId: `<library-${p.kind}-${p.versionId}-${p.userId}-${p.key ?? ''}@beacon>`.replace(/[^\w<>@.-]/g, '-'),
  });
  return true;
}

/**
 * Reading reminders: each open task whose next reminder day (of its circulation's, 7 and 14 by default)
 * has come is moved on and its email queued, in one statement (however many people there are).
 */
export async function sendReadReminders(db: Db, now = new Date()): Promise<number> {
  return db.transaction((tx) =>
    enqueueSelect(
      tx,
      LIBRARY_EMAIL_JOB,
      sql`select jsonb_build_object('kind', 'read_reminder', 'userId', due.user_id, 'versionId', due.version_id, 'readId', due.id, 'key', due.reminders_sent) as payload,
                 'library:read_reminder:' || due.version_id::text || ':' || due.user_id::text || ':' || due.reminders_sent::text as idempotency_key
          from due`,
      {
        with: sql`due AS (
          UPDATE library_reads r SET reminders_sent = r.reminders_sent + 1
          FROM library_circulations c
          WHERE c.id = r.circulation_id AND r.acknowledged_at IS NULL AND r.closed_at IS NULL
            AND jsonb_array_length(c.reminder_days) > r.reminders_sent
            AND r.asked_at + ((c.reminder_days ->> r.reminders_sent)::int * interval '1 day') <= ${now.toISOString()}::timestamptz
          RETURNING r.id, r.user_id, r.version_id, r.reminders_sent)`,
      },
    ),
  );
}

/** Review reminders to each published version's document owner: 60 and 14 days before the review date, and when it passes; once each. */
export async function sendReviewReminders(db: Db, now = new Date()): Promise<number> {
  const today = londonDate(now);
  const candidates = await db
    .select({ v: libraryVersions, ownerUserId: libraryDocuments.ownerUserId })
    .from(libraryVersions)
    .innerJoin(libraryDocuments, eq(libraryDocuments.id, libraryVersions.documentId))
    .where(and(eq(libraryVersions.status, 'published'), isNotNull(libraryDocuments.ownerUserId), sql`${libraryVersions.reviewDueOn} <= (${today}::date + 60)`));
  let sent = 0;
  for (const c of candidates) {
    const stage = reviewReminderDue(c.v.reviewDueOn!, today, c.v.reviewRemindersSent);
    if (stage === null) continue;
    sent += await db.transaction(async (tx) => {
      const [locked] = await tx.select().from(libraryVersions).where(eq(libraryVersions.id, c.v.id)).for('update');
      if (!locked || locked.reviewRemindersSent.includes(stage)) return 0;
      await tx
        .update(libraryVersions)
        .set({ reviewRemindersSent: [...locked.reviewRemindersSent, stage] })
        .where(eq(libraryVersions.id, c.v.id));
      await tell(tx, { kind: 'review_due', userId: c.ownerUserId!, versionId: c.v.id, key: stage });
      return 1;
    });
  }
  return sent;
}

export async function libraryTick(db: Db, now = new Date()) {
  return { readReminders: await sendReadReminders(db, now), reviewReminders: await sendReviewReminders(db, now) };
}
