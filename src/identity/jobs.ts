import type { Database } from '../platform/db/engine';
import type { Worker } from '../platform/jobs/worker';
import type { JobDeps } from '../platform/module';
import { PRESENTATION_EMAIL_JOB, PURGE_SEARCHES_JOB } from './point-of-care/service';
import { emailPresentation, purgeOldSearches } from './point-of-care/outcome';
import { pointOfCareSettings } from './point-of-care/settings';
import { failScreening, purgeScreenings, runScreening, SCREENING_JOB, SCREENING_PURGE_JOB } from './bulk-screening/service';
import { RegisterIndex, registerIndexFor } from './register-index';

/**
 * The point-of-care check's jobs: urgent presentation emails, forgetting what was searched after a day,
 * screening a list, and forgetting screening results. (The register index itself is built when the app is
 * ready and kept fresh by LISTEN/NOTIFY and reconciliation: see register-index.ts and point-of-care/routes.ts.)
 */
export function registerIdentityJobs(worker: Worker, { db, database, mailer, config }: JobDeps): void {
  worker
    .register(PRESENTATION_EMAIL_JOB, async (job) => emailPresentation(db, mailer, config.publicUrl, job.payload as { presentationId: string; to: string }))
    .register(PURGE_SEARCHES_JOB, async () => {
      await purgeOldSearches(db, pointOfCareSettings().searchRetentionHours);
    })
    .every({ type: PURGE_SEARCHES_JOB, everyMs: 60 * 60_000 })
    .register(SCREENING_JOB, async (job) => {
      const runId = String(job.payload.runId);
      try {
        await runScreening(db, config.encryptionKey, await freshRegisterIndex(database), runId);
      } catch (err) {
        // Out of attempts: the person sees that it failed rather than waiting for ever.
        if (job.attempts >= job.maxAttempts) await failScreening(db, runId, (err as Error).message);
        throw err;
      }
    })
    .register(SCREENING_PURGE_JOB, async () => {
      await purgeScreenings(db);
    })
    .every({ type: SCREENING_PURGE_JOB, everyMs: 60 * 60_000 });
}

/**
 * The register index for a job: this process's live one, brought up to date first; or, in a process
 * that serves no pages (so has not built one), a one-off index of the register as it is now.
 */
async function freshRegisterIndex(database: Database): Promise<RegisterIndex> {
  const live = registerIndexFor(database);
  if (live.ready) {
    await live.reconcile(database.db);
    return live;
  }
  const once = new RegisterIndex({ listen: false, reconcileMs: 0 });
  await once.build(database.db);
  return once;
}
