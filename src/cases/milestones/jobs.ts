import type { Worker } from '../../platform/jobs/worker';
import type { Db } from '../../platform/db/engine';
import type { Mailer } from '../../platform/notify/mailer';
import {
  DISTRIBUTION_OVERDUE_EMAIL_JOB,
  emailOverdueDistribution,
  emailOverdueMilestone,
  MILESTONE_OVERDUE_EMAIL_JOB,
  MILESTONE_REMINDER_JOB,
  remindOverdueMilestones,
} from './reminders';

/**
 * Overdue milestones and birth plan distributions: looked for every hour, each reminded once per due
 * time (the idempotency key), by email with the reference and a link only.
 */
export function registerJobs(worker: Worker, db: Db, mailer: Mailer, publicUrl: string): Worker {
  return worker
    .register(MILESTONE_REMINDER_JOB, async () => {
      await remindOverdueMilestones(db, new Date());
    })
    .every({ type: MILESTONE_REMINDER_JOB, everyMs: 60 * 60_000 })
    .register(MILESTONE_OVERDUE_EMAIL_JOB, async (job) => {
      await emailOverdueMilestone(db, mailer, publicUrl, job.payload as { caseId: string; key: string; dueAt: string });
    })
    .register(DISTRIBUTION_OVERDUE_EMAIL_JOB, async (job) => {
      await emailOverdueDistribution(db, mailer, publicUrl, job.payload as { distributionId: string });
    });
}
