import { ROLE_LABELS, type Role } from './platform/context';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config';
import { buildApp } from './app';
import { openDatabase, type Database } from './platform/db/engine';
import { Worker } from './platform/jobs/worker';
import { seedDemo } from './demo/seed';
import { seedDemoCases } from './demo/cases';
import { seedDemoLearning } from './demo/learning';
import { seedDemoLibrary } from './demo/library';
import { seedDemoClients } from './demo/clients';
import { seedDemoAssurance } from './demo/assurance';
import { seedDemoTracker } from './demo/tracker';
import { seedDemoCaseFileAudit } from './demo/casefile';
import { type DemoAlertsSummary, describeSearch, SHOWCASE, seedDemoAlerts } from './demo/alerts';
import { organisations } from './directory/schema';
import { createMailer } from './platform/notify/mailer';
import { MODULES } from './modules';

export interface RunningService {
  app: FastifyInstance;
  database: Database;
  worker: Worker | null;
  url: string;
  stop(): Promise<void>;
}

/** The job worker, with every module's job handlers and periodic jobs (src/modules.ts lists the modules). */
export function createWorker(database: Database, config: Config, log: pino.Logger): Worker {
  const mailer = createMailer({ smtpUrl: config.mail.smtpUrl, from: config.mail.from, mailDir: config.mail.dir });
  // On the embedded engine this is the only process: what a previous one left running is reclaimed at once.
  const worker = new Worker(database.db, log, { reclaimAtStart: database.engine === 'pglite' });
  const deps = { config, database, db: database.db, mailer };
  for (const module of MODULES) module.jobs?.(worker, deps);
  return worker;
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
        await seedDemoLearning(database.db, { password: seeded.password });
        await seedDemoLibrary(database.db);
        await seedDemoClients(database.db);
        await seedDemoAssurance(database.db, { password: seeded.password });
        await seedDemoTracker(database.db);
        await seedDemoCaseFileAudit(database.db, { password: seeded.password });
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
