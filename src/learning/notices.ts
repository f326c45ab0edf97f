/**
 * How learning tells people things: one in-app notice (their training page) and one email job, written in
 * the caller's transaction (outbox), keyed so a retried change never sends twice. The email itself is
 * built when the job runs (learning/notify.ts), from the booking as it is then.
 */
import { desc, eq } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import { enqueue } from '../platform/jobs/queue';
import { learningNotices } from './schema';

export const LEARNING_EMAIL_JOB = 'learning.email';

export const MESSAGE_KINDS = [
  'booked',
  'waiting',
  'promoted',
  'approval_requested',
  'approval_chase',
  'approved',
  'declined',
  'cancelled',
  'session_changed',
  'session_cancelled',
  'reminder',
  'did_not_attend',
  'survey',
  'survey_reminder',
] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

export interface Message {
  kind: MessageKind;
  bookingId: string;
  /** Who is told (the delegate, or their manager). */
  userId: string;
  /** In-app text; null for email only (reminders). */
  notice: string | null;
  href?: string | null;
  /** Makes the message unique beyond kind and booking (a session's sequence, a reminder's day, a survey kind). */
  key?: string | number;
  extra?: Record<string, unknown>;
}

export async function tell(tx: Db, m: Message): Promise<void> {
  if (m.notice) await tx.insert(learningNotices).values({ userId: m.userId, text: m.notice, href: m.href ?? null });
  await enqueue(
    tx,
    LEARNING_EMAIL_JOB,
    { kind: m.kind, bookingId: m.bookingId, userId: m.userId, ...(m.key !== undefined ? { key: m.key } : {}), ...(m.extra ?? {}) },
    { idempotencyKey: `learning:${m.kind}:${m.bookingId}:${m.userId}:${m.key ?? ''}` },
  );
}

export async function noticesFor(db: Db, userId: string, limit = 10) {
  return db.select().from(learningNotices).where(eq(learningNotices.userId, userId)).orderBy(desc(learningNotices.createdAt)).limit(limit);
}
