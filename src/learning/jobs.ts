import type { Worker } from '../platform/jobs/worker';
import type { Db } from '../platform/db/engine';
import type { Mailer } from '../platform/notify/mailer';
import { LEARNING_EMAIL_JOB } from './notices';
import { LEARNING_TICK_JOB, learningTick, sendLearningEmail } from './notify';

/** Learning's jobs: each message (outbox), and every 15 minutes what time brings (reminders, chasers, follow-ups). */
export function registerLearningJobs(worker: Worker, db: Db, mailer: Mailer, publicUrl: string): Worker {
  return worker
    .register(LEARNING_EMAIL_JOB, async (job) => {
      await sendLearningEmail(db, mailer, publicUrl, job.payload as never);
    })
    .register(LEARNING_TICK_JOB, async () => {
      await learningTick(db);
    })
    .every({ type: LEARNING_TICK_JOB, everyMs: 15 * 60_000 });
}
