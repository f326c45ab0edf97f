import { safeguardingContactMailboxes } from '../directory/mailboxes';
import { and, eq, inArray, isNull, lt } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import { systemContext } from '../platform/context';
import { recordAudit } from '../platform/audit/service';
import { enqueue } from '../platform/jobs/queue';
import type { Mailer } from '../platform/notify/mailer';
import { users } from '../platform/auth/schema';
import { formatDateTime } from '../platform/http/views';
import { organisations } from '../directory/schema';
import { isUuid } from '../directory/service';
import { escalationStages, escalations } from './schema';
import { stageLabel, stageTableOf } from './stage-tables';

import { ESCALATION_STATUS_LABELS, type EscalationStatus } from './stages';

export const OVERDUE_REMINDER_JOB = 'escalations.overdue-reminders';
export const OVERDUE_EMAIL_JOB = 'escalations.overdue-email';
/** Tells the other agency that an escalation has been raised with it, or has reached a new stage. */
export const STAGE_EMAIL_JOB = 'escalations.stage-email';

const _DAY_MS = 86_400_000;

/**
 * The scheduled job: every open escalation whose current stage is past its due time, and has not been
 * chased, is marked reminded and one email job is queued for it, in the same transaction (so a stage
 * is chased once, however many workers run this at once).
 */
export async function remindOverdueStages(db: Db, now = new Date()): Promise<number> {
  return db.transaction(async (tx) => {
    const due = await tx
      .update(escalationStages)
      .set({ remindedAt: now })
      .where(
        and(
          eq(escalationStages.kind, 'reached'),
          isNull(escalationStages.endedAt),
          isNull(escalationStages.remindedAt),
          lt(escalationStages.dueAt, now),
          inArray(escalationStages.escalationId, tx.select({ id: escalations.id }).from(escalations).where(eq(escalations.status, 'open'))),
        ),
      )
      .returning({ id: escalationStages.id, escalationId: escalationStages.escalationId, stage: escalationStages.stage });
    for (const s of due) await enqueue(tx, OVERDUE_EMAIL_JOB, { stageId: s.id }, { idempotencyKey: `escalation-overdue:${s.id}` });
    if (due.length) {
      await recordAudit(tx, systemContext(OVERDUE_REMINDER_JOB), {
        action: 'escalation.overdue_reminder',
        verb: 'E',
        entityType: 'Escalation',
        detail: { stages: due.length },
      });
    }
    return due.length;
  });
}

/**
 * Email the safeguarding team of the organisation holding an overdue stage, and the person who raised
 * the escalation. The email carries the reference and a link only: shared mailboxes are read on phones.
 * Nothing is sent when the stage has moved on or the escalation has closed since the job was queued.
 */
/**
 * Email the agencies on the other side of an escalation that it has been raised with them or has reached
 * a new stage: the safeguarding mailboxes of the organisation raised with and of the one now holding it
 * (when another), and the person it was raised with when the raiser gave their email; never the raiser's own. A reference, the stage and a link: no personal information
 * (not even the professionals' names: the mailbox is shared and copied to phones).
 */
export async function emailStage(db: Db, mailer: Mailer, publicUrl: string, payload: { stageId: string; closedBy?: string | null }): Promise<number> {
  if (!isUuid(String(payload.stageId))) return 0;
  const [row] = await db
    .select({ stage: escalationStages, esc: escalations, raisedBy: organisations.name, raiserEmail: users.email })
    .from(escalationStages)
    .innerJoin(escalations, eq(escalations.id, escalationStages.escalationId))
    .innerJoin(organisations, eq(organisations.id, escalations.raisedByOrganisationId))
    .leftJoin(users, eq(users.id, escalations.raisedByUserId))
    .where(eq(escalationStages.id, payload.stageId));
  if (!row) return 0;
  const table = await stageTableOf(db, row.esc.stageTableVersionId);
  const to = new Set<string>();
  if (payload.closedBy !== undefined) {
    // Closed: every party but the one that closed it (the raiser too, when it was not them).
    for (const orgId of new Set([row.esc.raisedByOrganisationId, row.esc.raisedWithOrganisationId])) {
      if (orgId === payload.closedBy) continue;
      for (const m of await safeguardingContactMailboxes(db, orgId)) to.add(m);
    }
    if (payload.closedBy !== row.esc.raisedByOrganisationId && row.raiserEmail) to.add(row.raiserEmail);
    if (payload.closedBy !== row.esc.raisedWithOrganisationId && row.esc.raisedWithEmail) to.add(row.esc.raisedWithEmail);
  } else {
    for (const orgId of new Set([row.esc.raisedWithOrganisationId, row.stage.ownerOrganisationId].filter((o): o is string => !!o))) {
      if (orgId === row.esc.raisedByOrganisationId) continue;
      for (const m of await safeguardingContactMailboxes(db, orgId)) to.add(m);
    }
    // The person it was raised with, by name, when the raiser gave their email.
    if (row.esc.raisedWithEmail) to.add(row.esc.raisedWithEmail);
  }
  const closed = payload.closedBy !== undefined || (!!row.stage.outcome && row.esc.status !== 'open');
  const first = !closed && row.stage.enteredAt.getTime() === row.esc.createdAt.getTime();
  const what = first
    ? `${row.raisedBy} has raised escalation ${row.esc.reference} with your organisation`
    : closed
      ? `Escalation ${row.esc.reference}, raised by ${row.raisedBy}, has been closed (${(ESCALATION_STATUS_LABELS[row.esc.status as EscalationStatus] ?? row.esc.status).toLowerCase()}${payload.closedBy && payload.closedBy === row.esc.raisedWithOrganisationId ? ' by the agency it was raised with, without the raising agency recording that it agrees' : ''})`
      : `Escalation ${row.esc.reference}, raised by ${row.raisedBy}, has moved to stage ${row.stage.stage}`;
  const due = row.stage.dueAt && !closed ? ` It is due to be resolved or moved on by ${formatDateTime(row.stage.dueAt)}.` : '';
  return sendEscalationEmails(mailer, to, {
    subject: `[Beacon] Escalation ${row.esc.reference}: ${first ? 'raised with you' : closed ? 'closed' : `stage ${row.stage.stage}`} (${stageLabel(table, row.stage.stage)})`,
    lines: [
      `${what}${closed ? ' at' : ':'} stage ${row.stage.stage}, ${stageLabel(table, row.stage.stage)}.${due}`,
      'Please make sure the right person sees it and records your response in Beacon.',
    ],
    link: `${publicUrl}/escalations/${row.esc.id}`,
    messageKey: `${closed ? 'closed' : 'stage'}-${row.stage.id}`,
  });
}

export async function emailOverdueStage(db: Db, mailer: Mailer, publicUrl: string, payload: { stageId: string }): Promise<number> {
  if (!isUuid(String(payload.stageId))) return 0;
  const [row] = await db
    .select({ stage: escalationStages, reference: escalations.reference, status: escalations.status, escalationId: escalations.id, raiserEmail: users.email })
    .from(escalationStages)
    .innerJoin(escalations, eq(escalations.id, escalationStages.escalationId))
    .leftJoin(users, eq(users.id, escalations.raisedByUserId))
    .where(eq(escalationStages.id, payload.stageId));
  if (!row || row.status !== 'open' || row.stage.endedAt) return 0;
  const to = new Set<string>();
  if (row.stage.ownerOrganisationId) for (const m of await safeguardingContactMailboxes(db, row.stage.ownerOrganisationId)) to.add(m);
  if (row.raiserEmail) to.add(row.raiserEmail);
  const due = row.stage.dueAt ? ` It was due by ${formatDateTime(row.stage.dueAt)}.` : '';
  return sendEscalationEmails(mailer, to, {
    subject: `[Beacon] Escalation ${row.reference}: stage ${row.stage.stage} is overdue`,
    lines: [
      `Escalation ${row.reference} is at stage ${row.stage.stage} and has not been resolved or moved on in time.${due}`,
      'Please make sure whoever holds it knows, and record what has happened: agreed actions, the outcome, or escalate it.',
    ],
    link: `${publicUrl}/escalations/${row.escalationId}`,
    messageKey: `overdue-${row.stage.id}`,
  });
}

/**
 * An escalation email to each address: what happened, a link, no personal information. The Message-ID is
 * stable per message and address, so a job run twice sends a copy a mail server can drop.
 */
async function sendEscalationEmails(
  mailer: Mailer,
  to: ReadonlySet<string>,
  m: { subject: string; lines: string[]; link: string; messageKey: string },
): Promise<number> {
  for (const address of to) {
    await mailer.send({
      to: address,
      subject: m.subject,
      text: [...m.lines, '', `Sign in to Beacon to see it: ${m.link}`, '', 'This email contains no personal information. Do not reply to it.'].join('\n'),
      messageId: `<escalation-${m.messageKey}-${address.replace(/[^\w.-]/g, '_')}@beacon>`,
    });
  }
  return to.size;
}
