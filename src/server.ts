import { ROLE_LABELS, type Role } from './platform/context';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config';
import { buildApp } from './app';
import { openDatabase, type Database } from './platform/db/engine';
import { Worker } from './platform/jobs/worker';
import { purgeSessions } from './platform/auth/sessions';
import { seedDemo } from './demo/seed';
import { seedDemoCases } from './demo/cases';
import { type DemoAlertsSummary, describeSearch, SHOWCASE, seedDemoAlerts } from './demo/alerts';
import { organisations } from './directory/schema';
import { createMailer } from './platform/notify/mailer';
import {
  ACK_CHASE_EMAIL_JOB,
  ACK_CHASE_JOB,
  chaseAcknowledgements,
  distribute,
  DISTRIBUTE_JOB,
  EMAIL_JOB,
  emailChase,
  emailDelivery,
} from './alerts/distribution';
import {
  archiveAndPurge,
  emailReviewReminder,
  expireDue,
  EXPIRE_JOB,
  remindReviews,
  RETENTION_JOB,
  REVIEW_REMINDER_EMAIL_JOB,
  REVIEW_REMINDER_JOB,
} from './alerts/service';
import { emailPresentation, PRESENTATION_EMAIL_JOB, PURGE_SEARCHES_JOB, purgeOldSearches } from './identity/point-of-care/service';
import { pointOfCareSettings } from './identity/point-of-care/settings';
import { failScreening, purgeScreenings, runScreening, SCREENING_JOB, SCREENING_PURGE_JOB } from './identity/bulk-screening/service';
import { RegisterIndex, registerIndexFor } from './identity/register-index';
import { registerCaseJobs } from './cases/jobs';
import { emailSecurityNotice, SECURITY_EMAIL_JOB } from './platform/notify/security';
import { AUDIT_CHECKPOINT_JOB, writeCheckpoint } from './platform/audit/checkpoint';

export interface RunningService {
  app: FastifyInstance;
  database: Database;
  worker: Worker | null;
  url: string;
  stop(): Promise<void>;
}

/** Register the job handlers every process knows. Later capabilities add theirs here. */
export function createWorker(database: Database, config: Config, log: pino.Logger): Worker {
  const db = database.db;
  const mailer = createMailer({ smtpUrl: config.mail.smtpUrl, from: config.mail.from, mailDir: config.mail.dir });
  // On the embedded engine this is the only process: what a previous one left running is reclaimed at once.
  const worker = new Worker(db, log, { reclaimAtStart: database.engine === 'pglite' })
    .register('sessions.purge', async () => purgeSessions(db))
    .every({ type: 'sessions.purge', everyMs: 3_600_000 })
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
    .every({ type: RETENTION_JOB, everyMs: 60 * 60_000 })
    // Point-of-care check: urgent presentation emails, and forgetting what was searched after a day.
    // (The register index itself is built when the app is ready and kept fresh by LISTEN/NOTIFY and
    // reconciliation: see src/identity/register-index.ts and src/identity/point-of-care/routes.ts.)
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
    .every({ type: SCREENING_PURGE_JOB, everyMs: 60 * 60_000 })
    // The audit chain's head, written outside the database so removing the newest rows shows (see checkpoint.ts).
    .register(AUDIT_CHECKPOINT_JOB, async () => {
      await writeCheckpoint(db, config.dataDir);
    })
    .every({ type: AUDIT_CHECKPOINT_JOB, everyMs: 15 * 60_000 })
    .register(SECURITY_EMAIL_JOB, async (job) =>
      emailSecurityNotice(mailer, config.security.contact, config.publicUrl, job.payload as Parameters<typeof emailSecurityNotice>[3]),
    );
  return registerCaseJobs(worker, db, mailer, config.publicUrl);
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

/**
 * Start Beacon: database (migrated), demo data on a fresh embedded database, HTTP, the job worker.
 * Shuts down cleanly on SIGINT/SIGTERM so the embedded database is never left half-written.
 */
export async function startService(config: Config, opts: { handleSignals?: boolean } = {}): Promise<RunningService> {
  const log = pino({ level: config.logLevel === 'silent' ? 'silent' : config.logLevel });
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, appRole: config.dbAppRole });
  let app: FastifyInstance | undefined;
  let worker: Worker | null = null;
  try {
    if (config.demoData) {
      const [anyOrg] = await database.db.select({ id: organisations.id }).from(organisations).limit(1);
      if (!anyOrg) {
        const seeded = await seedDemo(database.db);
        console.log('\nCreating the demo register (first start only: a few seconds)…');
        const register = await seedDemoAlerts(database.db, { password: seeded.password, key: config.encryptionKey });
        await seedDemoCases(database.db);
        printDemoSignIns(config, seeded.password, seeded.created, register);
      }
    }
    app = await buildApp({ config, database });
    await app.listen({ port: config.port, host: config.host });
    if (config.worker) {
      worker = createWorker(database, config, log);
      worker.start();
    }
  } catch (err) {
    await app?.close().catch(() => undefined);
    await database.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      await worker?.stop();
      await app!.close();
      await database.close();
    })());
  if (opts.handleSignals) {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.once(sig, () => {
        log.info(`${sig} received: stopping Beacon`);
        stop().then(
          () => process.exit(0),
          (err) => {
            log.error({ err }, 'error while stopping');
            process.exit(1);
          },
        );
      });
    }
  }
  log.info(`Beacon is running at ${url} (${database.describe()})`);
  return { app, database, worker, url, stop };
}

function printDemoSignIns(config: Config, password: string, created: { email: string; role: string; organisation: string }[], register: DemoAlertsSummary) {
  if (!created.length) return;
  const lines = [
    '',
    'Demo data created. Sign in with any of these (password for all of them below):',
    ...created.map((c) => `  ${c.email.padEnd(32)} ${(ROLE_LABELS[c.role as Role] ?? c.role).padEnd(45)} ${c.organisation}`),
    `  password: ${password}`,
    '',
    'Two-factor authentication is off for these demo accounts, so you can try every role quickly. Turn it on',
    'for one under Your account → Set up two-factor authentication, with any authenticator app.',
    '',
    `The demo register: ${register.active} active alerts (${register.deliveries} deliveries to units, ${register.acknowledged} acknowledged), ` +
      `${register.awaitingApproval} waiting for approval, ${register.drafts} drafts, ${register.stoodDown} stood down, ${register.presentations} presentations.`,
    'Try a point-of-care check as ed.nurse@beacon.example: each of these finds a strong match.',
    ...SHOWCASE.map((s) => `  ${describeSearch(s.search)}: ${s.says}`),
    '',
  ];
  console.log(lines.join('\n'));
  if (!config.databaseUrl) {
    const file = path.join(config.dataDir, 'demo-sign-ins.txt');
    fs.writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
    console.log(`(Also saved to ${file})\n`);
  }
}
