import { eq } from 'drizzle-orm';
import type { JobDeps } from '../platform/module';
import type { Worker } from '../platform/jobs/worker';
import { SEND_JOB } from './publish';
import { attemptDelivery, DISABLED_EMAIL_JOB } from './send';
import { webhookSubscriptions } from './schema';

/** The owner of a subscription that was disabled after a day of failures is told, with what to do. */
async function emailDisabled(deps: JobDeps, payload: { subscriptionId: string }): Promise<void> {
  const [s] = await deps.db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.id, payload.subscriptionId));
  if (!s) return;
  await deps.mailer.send({
    to: s.contactEmail,
    subject: '[Beacon] A webhook was disabled after a day of failed deliveries',
    text: [
      `Beacon could not deliver events to ${s.url} for a day, so it has stopped sending to it.`,
      '',
      `Last problem: ${s.statusReason ?? 'unknown'}`,
      '',
      `Fix the endpoint, then enable the subscription again and redeliver what was missed: ${deps.config.publicUrl}/webhooks/${s.id}`,
      'This email contains no personal information. Do not reply to it.',
    ].join('\n'),
    messageId: `<webhook-disabled-${s.id}-${Date.now()}@beacon>`,
  });
}

export function registerWebhookJobs(worker: Worker, deps: JobDeps): void {
  worker.register(SEND_JOB, async (job) => {
    await attemptDelivery(
      { db: deps.db, key: deps.config.encryptionKey, publicUrl: deps.config.publicUrl, production: deps.config.production },
      job.payload as { deliveryId: string },
    );
  });
  worker.register(DISABLED_EMAIL_JOB, (job) => emailDisabled(deps, job.payload as { subscriptionId: string }));
}
