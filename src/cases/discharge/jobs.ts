import { eq } from 'drizzle-orm';
import type { Worker } from '../../platform/jobs/worker';
import type { Db } from '../../platform/db/engine';
import type { Mailer } from '../../platform/notify/mailer';
import { cases, dischargeDecisions } from '../schema';
import { OVERRIDE_FLAG_EMAIL_JOB } from './service';

/**
 * The flag of a discharge override to one address (the case's safeguarding lead, or the lead
 * organisation's safeguarding team mailbox). Mailboxes are shared and copied to phones: the email
 * carries the case reference and a link, never who the baby or mother is or why.
 */
export async function emailOverrideFlag(db: Db, mailer: Mailer, publicUrl: string, payload: { decisionId: string; to: string }): Promise<void> {
  const [row] = await db
    .select({ id: dischargeDecisions.id, caseId: dischargeDecisions.caseId, reviewedAt: dischargeDecisions.reviewedAt, reference: cases.reference })
    .from(dischargeDecisions)
    .innerJoin(cases, eq(cases.id, dischargeDecisions.caseId))
    .where(eq(dischargeDecisions.id, payload.decisionId));
  if (!row) throw new Error(`Discharge decision ${payload.decisionId} not found`);
  // Reviewed before the email went (a lead on the ward at the time): nothing left to ask of anyone.
  if (row.reviewedAt) return;
  await mailer.send({
    to: payload.to,
    subject: `[Beacon] Discharge override on case ${row.reference}: please review`,
    text: [
      `A discharge decision on case ${row.reference} was recorded past the discharge gate, by override of a senior clinician.`,
      'The safeguarding lead must review every override.',
      '',
      `Sign in to Beacon to see the reason, what was outstanding and who was told, and to record your review: ${publicUrl}/cases/${row.caseId}/discharge#decision-${row.id}`,
      '',
      'This email contains no personal information. Do not reply to it.',
    ].join('\n'),
    messageId: `<discharge-override-${row.id}-${payload.to.replace(/[^\w.-]/g, '_')}@beacon>`,
  });
}

/** This area's job handlers: the override flag emails. */
export function registerJobs(worker: Worker, db: Db, mailer: Mailer, publicUrl: string): Worker {
  return worker.register(OVERRIDE_FLAG_EMAIL_JOB, async (job) => emailOverrideFlag(db, mailer, publicUrl, job.payload as { decisionId: string; to: string }));
}
