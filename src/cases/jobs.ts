import type { Worker } from '../platform/jobs/worker';
import type { Db } from '../platform/db/engine';
import type { Mailer } from '../platform/notify/mailer';
import { registerJobs as registerMilestoneJobs } from './milestones/jobs';
import { registerJobs as registerDischargeJobs } from './discharge/jobs';
import { registerEscalationJobs } from '../escalations/jobs';

/**
 * The jobs of cases and escalations: reminders of overdue milestones, birth plan distributions and
 * escalation stages; the flag of a discharge override to the safeguarding lead. src/server.ts calls this.
 */
export function registerCaseJobs(worker: Worker, db: Db, mailer: Mailer, publicUrl: string): Worker {
  registerMilestoneJobs(worker, db, mailer, publicUrl);
  registerDischargeJobs(worker, db, mailer, publicUrl);
  registerEscalationJobs(worker, db, mailer, publicUrl);
  return worker;
}
