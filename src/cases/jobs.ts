import type { Worker } from '../platform/jobs/worker';
import type { Db } from '../platform/db/engine';
import type { Mailer } from '../platform/notify/mailer';
import { registerJobs as registerMilestoneJobs } from './milestones/jobs';
import { registerJobs as registerDischargeJobs } from './discharge/jobs';
import { AGENCY_ADDED_EMAIL_JOB, emailAgencyAdded } from './service';

/**
 * The jobs of cases: reminders of overdue milestones and birth plan distributions, the flag of a
 * discharge override to the safeguarding lead, and the email to an agency added to a case. The cases
 * module (module.ts) registers them.
 */
export function registerCaseJobs(worker: Worker, db: Db, mailer: Mailer, publicUrl: string): Worker {
  registerMilestoneJobs(worker, db, mailer, publicUrl);
  registerDischargeJobs(worker, db, mailer, publicUrl);
  worker.register(AGENCY_ADDED_EMAIL_JOB, async (job) =>
    emailAgencyAdded(db, mailer, publicUrl, job.payload as { caseId: string; organisationId: string; to: string }),
  );
  return worker;
}
