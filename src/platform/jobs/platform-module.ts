import { AUDIT_CHECKPOINT_JOB, writeCheckpoint } from '../audit/checkpoint';
import { purgeSessions } from '../auth/sessions';
import { defineModule } from '../module';
import { emailSecurityNotice, SECURITY_EMAIL_JOB } from '../notify/security';

/** The foundation's own jobs: expired sessions purged, the audit chain's head checkpointed, security notices emailed. */
export const platformModule = defineModule({
  name: 'platform',
  jobs: (worker, { db, config, mailer }) => {
    worker
      .register('sessions.purge', async () => purgeSessions(db))
      .every({ type: 'sessions.purge', everyMs: 3_600_000 })
      // The audit chain's head, written outside the database so removing the newest rows shows (see checkpoint.ts).
      .register(AUDIT_CHECKPOINT_JOB, async () => {
        await writeCheckpoint(db, config.dataDir);
      })
      .every({ type: AUDIT_CHECKPOINT_JOB, everyMs: 15 * 60_000 })
      .register(SECURITY_EMAIL_JOB, async (job) =>
        emailSecurityNotice(mailer, config.security.contact, config.publicUrl, job.payload as Parameters<typeof emailSecurityNotice>[3]),
      );
  },
});
