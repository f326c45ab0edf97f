import type { Worker } from '../platform/jobs/worker';
import type { Db } from '../platform/db/engine';
import type { Mailer } from '../platform/notify/mailer';
import { emailOverdueStage, emailStage, OVERDUE_EMAIL_JOB, OVERDUE_REMINDER_JOB, remindOverdueStages, STAGE_EMAIL_JOB } from './notify';

/**
 * Escalation jobs: every 15 minutes, find stages past their due time and queue one reminder each; the
 * reminder emails the holding agency's safeguarding team and the raiser (a reference and a link only).
 * Raising one, and each stage it reaches, emails the other agency's safeguarding team (STAGE_EMAIL_JOB).
 */
export function registerEscalationJobs(worker: Worker, db: Db, mailer: Mailer, publicUrl: string): Worker {
  return worker
    .register(OVERDUE_REMINDER_JOB, async () => {
      await remindOverdueStages(db);
    })
    .every({ type: OVERDUE_REMINDER_JOB, everyMs: 15 * 60_000 })
    .register(OVERDUE_EMAIL_JOB, async (job) => {
      await emailOverdueStage(db, mailer, publicUrl, job.payload as { stageId: string });
    })
    .register(STAGE_EMAIL_JOB, async (job) => {
      await emailStage(db, mailer, publicUrl, job.payload as { stageId: string });
    });
}
