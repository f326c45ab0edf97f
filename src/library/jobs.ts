import type { Worker } from '../platform/jobs/worker';
import type { Db } from '../platform/db/engine';
import type { Mailer } from '../platform/notify/mailer';
import { LIBRARY_EMAIL_JOB } from './notices';
import { LIBRARY_TICK_JOB, libraryTick, sendLibraryEmail } from './notify';

/** The library's jobs: each message (outbox), and every hour what time brings (reading and review reminders). */
export function registerLibraryJobs(worker: Worker, db: Db, mailer: Mailer, publicUrl: string): Worker {
  return worker
    .register(LIBRARY_EMAIL_JOB, async (job) => {
      await sendLibraryEmail(db, mailer, publicUrl, job.payload as never);
    })
    .register(LIBRARY_TICK_JOB, async () => {
      await libraryTick(db);
    })
    .every({ type: LIBRARY_TICK_JOB, everyMs: 60 * 60_000 });
}
