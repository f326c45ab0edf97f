import type { JobDeps } from '../platform/module';
import type { Worker } from '../platform/jobs/worker';
import { ACK_CHASE_EMAIL_JOB, ACK_CHASE_JOB, chaseAcknowledgements, distribute, DISTRIBUTE_JOB, EMAIL_JOB, emailChase, emailDelivery } from './distribution';
import { expireDue, EXPIRE_JOB } from './service';
import { archiveAndPurge, emailReviewReminder, remindReviews, RETENTION_JOB, REVIEW_REMINDER_EMAIL_JOB, REVIEW_REMINDER_JOB } from './housekeeping';

/**
 * The alert register's jobs: fan-out to recipient units and their emails, chasing unacknowledged
 * deliveries (reminder, then escalation), expiry, review reminders, and archive then purge after retention.
 */
export function registerAlertJobs(worker: Worker, { db, mailer, config }: JobDeps): void {
  worker
    .register(DISTRIBUTE_JOB, async (job) => {
      await distribute(db, job.payload as Parameters<typeof distribute>[1]);
    })
    .register(EMAIL_JOB, async (job) => emailDelivery(db, mailer, config.publicUrl, job.payload as { deliveryId: string }))
    .register(ACK_CHASE_JOB, async () => {
      await chaseAcknowledgements(db, { reminderHours: config.alerts.ackReminderHours, escalateHours: config.alerts.ackEscalateHours });
    })
    .register(ACK_CHASE_EMAIL_JOB, async (job) => emailChase(db, mailer, config.publicUrl, job.payload as Parameters<typeof emailChase>[3]))
    .every({ type: ACK_CHASE_JOB, everyMs: 15 * 60_000 })
    .register(EXPIRE_JOB, async () => {
      await expireDue(db);
    })
    .every({ type: EXPIRE_JOB, everyMs: 60 * 60_000 })
    // Review reminders to the originator (once per alert and review date), and archive then purge after retention.
    .register(REVIEW_REMINDER_JOB, async () => {
      await remindReviews(db);
    })
    .every({ type: REVIEW_REMINDER_JOB, everyMs: 60 * 60_000 })
    .register(REVIEW_REMINDER_EMAIL_JOB, async (job) =>
      emailReviewReminder(db, mailer, config.publicUrl, job.payload as { alertId: string; reviewDate: string }),
    )
    .register(RETENTION_JOB, async () => {
      await archiveAndPurge(db, config.alerts.retentionDays);
    })
    .every({ type: RETENTION_JOB, everyMs: 60 * 60_000 });
}
