/**
 * Telling the security contact about something that looks like fishing: a burst of point-of-care
 * searches, a screening list over its budget. Recorded in the audit log and emailed (no personal data:
 * who, what kind, how many, and a link to the audit log) through the job table, in the caller's
 * transaction where there is one. At most one email per person and kind an hour.
 */
import type { Db } from '../db/engine';
import type { RequestContext } from '../context';
import { recordAudit } from '../audit/service';
import { enqueue } from '../jobs/queue';
import type { Mailer } from './mailer';

export const SECURITY_EMAIL_JOB = 'security.notice.email';

export interface SecurityNotice {
  kind: 'search_burst' | 'screening_over_budget';
  /** One plain sentence, without personal data about patients. */
  summary: string;
  detail?: Record<string, unknown>;
}

export async function notifySecurity(tx: Db, ctx: RequestContext, notice: SecurityNotice, now = new Date()): Promise<void> {
  await recordAudit(tx, ctx, { action: `security.${notice.kind}`, verb: 'E', outcome: 'denied', reason: notice.summary, detail: notice.detail ?? {} });
  const who = ctx.actor?.userId ?? 'anonymous';
  const hour = now.toISOString().slice(0, 13);
  await enqueue(
    tx,
    SECURITY_EMAIL_JOB,
    { kind: notice.kind, summary: notice.summary, who: ctx.actor?.displayName ?? null, userId: ctx.actor?.userId ?? null, at: now.toISOString() },
    { idempotencyKey: `security:${notice.kind}:${who}:${hour}` },
  );
}

export async function emailSecurityNotice(
  mailer: Mailer,
  contact: string | undefined,
  publicUrl: string,
  payload: { kind: string; summary: string; who: string | null; userId: string | null; at: string },
): Promise<void> {
  if (!contact) return; // no contact configured: the audit log still has it
  await mailer.send({
    to: contact,
    subject: `[Beacon] Security notice: ${payload.kind.replace(/_/g, ' ')}`,
    text: [
      payload.summary,
      '',
      `Who: ${payload.who ?? 'unknown'}${payload.userId ? ` (user ${payload.userId})` : ''}. When: ${payload.at}.`,
      `See the audit log: ${publicUrl}/audit`,
      '',
      'This email contains no personal information about patients. Do not reply to it.',
    ].join('\n'),
    messageId: `<security-${payload.kind}-${payload.userId ?? 'anon'}-${payload.at.slice(0, 13)}@beacon>`,
  });
}
