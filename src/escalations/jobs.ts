import type { Worker } from '../platform/jobs/worker';
import type { Db } from '../platform/db/engine';
import type { Mailer } from '../platform/notify/mailer';
import { emailOverdueStage, OVERDUE_EMAIL_JOB, OVERDUE_REMINDER_JOB, remindOverdueStages } from './service';

/**
 * Escalation jobs: every 15 minutes, find stages past their due time and queue one reminder each; the
 * reminder emails the holding agency's safeguarding team and the raiser (a reference and a link only).
 */
export function registerEscalationJobs(worker: Worker, db: Db, mailer: Mailer, publicUrl: string): Worker {
  return worker
    .register(OVERDUE_REMINDER_JOB, async () => {
      await remindOverdueStages(db);
    })
    .every({ type: OVERDUE_REMINDER_JOB, everyMs: 15 * 60_000 })
    .register(OVERDUE_EMAIL_JOB, async (job) => {
      await emailOverdueStage(db, mailer, publicUrl, job.payload as { stageId: string });
    });
}
