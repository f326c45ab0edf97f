/**
 * The fault benchmark's world: one database with work queued for every kind of job the service runs,
 * and a snapshot of what that work leaves behind, so that a run killed with SIGKILL and restarted can be
 * compared, key by key, with a run left alone (bench/faults/run.ts; test/reliability/faults.test.ts).
 *
 * Queued by `queueEverything`: a national alert's fan-out (and each delivery's email); acknowledgement
 * chasing of deliveries sent two days ago; a review reminder and its email; the expiry of an alert past
 * its review date (stand-down sent to its recipients); presentation emails from a point-of-care check
 * confirmed as the same person; the demo cases' agency-added emails, milestone reminders and escalation
 * reminders; a bulk screening run; a security notice email; and the periodic jobs (purges, the audit
 * checkpoint) that the worker schedules itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { startScreening } from '../../src/identity/bulk-screening/service';
import { checkForAlert, reveal } from '../../src/identity/point-of-care/service';
import { recordOutcome } from '../../src/identity/point-of-care/outcome';
import { RegisterIndex } from '../../src/identity/register-index';
import { DISTRIBUTE_JOB, distribute } from '../../src/alerts/distribution';
import { addDays, londonDate } from '../../src/alerts/pregnancy';
import { seedDemoCases } from '../../src/demo/cases';
import { seedDemo } from '../../src/demo/seed';
import type { Db } from '../../src/platform/db/engine';
import { rows } from '../../src/platform/db/sql';
import { notifySecurity } from '../../src/platform/notify/security';
import { tableRowCounter } from '../../test/support/db';
import { addSyntheticUnits, alertContentWith, contextFor, raiseActiveAlert, SUBJECT } from '../../test/support/alerts';

/** Job types the worker enqueues on a timer: how many run depends on the clock, not on the work. */
export const PERIODIC_TYPES = new Set([
  'sessions.purge',
  'alerts.acknowledgement-chase',
  'alerts.expire',
  'alerts.review-reminder',
  'alerts.retention',
  'pointOfCare.purge-searches',
  'screening.purge',
  'audit.checkpoint',
  'cases.milestones.remind',
  'escalations.overdue-reminders',
  // Every quarter of an hour: a killed run that crosses a quarter runs one more than the reference did.
  'learning.tick',
  'library.tick',
]);

export async function queueEverything(db: Db, key: Buffer, syntheticOrganisations = 40): Promise<void> {
  await seedDemo(db, 'correct horse battery staple 42');
  await seedDemoCases(db);
  await addSyntheticUnits(db, syntheticOrganisations);
  const [midwife, designated, nurse, coordinator] = await Promise.all(
    ['midwife@beacon.example', 'designated@beacon.example', 'ed.nurse@beacon.example', 'coordinator.qah@beacon.example'].map((e) => contextFor(db, e)),
  );
  const today = londonDate(new Date());

  // An alert distributed two days ago and never acknowledged: the chase reminds and escalates.
  const old = await raiseActiveAlert(
    db,
    midwife!,
    designated!,
    alertContentWith((c) => void (c.subject.name = { given: 'Tamsin', family: 'Oldroyd' })),
  );
  // One due for review tomorrow (a reminder), one past it (expiry, and stand-down to its recipients).
  const review = await raiseActiveAlert(
    db,
    midwife!,
    designated!,
    alertContentWith((c) => void (c.subject.name = { given: 'Rhiannon', family: 'Vale' })),
  );
  const expiring = await raiseActiveAlert(
    db,
    midwife!,
    designated!,
    alertContentWith((c) => void (c.subject.name = { given: 'Bryony', family: 'Castell' })),
  );
  // The one she presents with at the point of care.
  const marisol = await raiseActiveAlert(
    db,
    midwife!,
    designated!,
    alertContentWith(() => undefined),
  );
  // Distribute those four now, in this process (their delivery emails stay queued for the worker), so
  // that there are deliveries to chase and to stand down.
  for (const job of await rows<{ id: number; payload: Parameters<typeof distribute>[1] }>(
    db,
    sql`SELECT id, payload FROM jobs WHERE type = ${DISTRIBUTE_JOB} AND status = 'pending'`,
  )) {
    await distribute(db, job.payload);
    await db.execute(sql`UPDATE jobs SET status = 'done', completed_at = now() WHERE id = ${job.id}`);
  }
  // And a national one whose fan-out is the longest job, left to the worker.
  await raiseActiveAlert(
    db,
    midwife!,
    designated!,
    alertContentWith((c) => void (c.distribution = { scope: 'national', scopeReason: 'Known to travel between cities across England' })),
  );
  await db.execute(sql`UPDATE alert_deliveries SET created_at = now() - interval '2 days' WHERE alert_id = ${old.id}`);
  await db.execute(sql`UPDATE alerts SET review_date = ${addDays(today, 1)} WHERE id = ${review.id}`);
  await db.execute(sql`UPDATE alerts SET review_date = ${addDays(today, -1)} WHERE id = ${expiring.id}`);

  // A point-of-care check confirmed as the same person: emails to the alert's owners.
  const index = new RegisterIndex({ listen: false, reconcileMs: 0 });
  await index.build(db);
  const search = await checkForAlert(db, nurse!, index, key, { nhsNumber: SUBJECT.nhsNumber });
  const { revealId } = await reveal(db, nurse!, search.searchId, { alertId: marisol.id, reason: 'presenting' });
  await recordOutcome(db, nurse!, index, key, revealId, { outcome: 'same_person', location: 'Majors bay 2' });

  // A screening run, and a security notice.
  await startScreening(db, coordinator!, key, {
    fileName: 'list.csv',
    data: Buffer.from(`id,family_name,given_name,date_of_birth\nr1,${SUBJECT.family},${SUBJECT.given},${SUBJECT.dateOfBirth}\nr2,Nobody,Alice,1985-03-03\n`),
  });
  await notifySecurity(db, nurse!, { kind: 'search_burst', summary: 'Fault benchmark: a burst of searches', detail: { searches: 31 } });
}

export interface Snapshot {
  /** Rows per table (not audit, jobs or sessions). */
  tables: Record<string, number>;
  /** Jobs per type that are not periodic, by status. */
  jobs: Record<string, number>;
  /** Jobs not done (pending, running, dead), any type. */
  unfinished: number;
  /** Emails sent (sent.log lines, resends included), distinct Message-IDs among them, and files. */
  emailsSent: number;
  emailIds: number;
  emailFiles: number;
}

export async function snapshot(db: Db, mailDir: string): Promise<Snapshot> {
  const tables = await (await tableRowCounter(db, ['audit_events', 'sessions', 'jobs', '__drizzle_migrations']))();
  const jobRows = await rows<{ type: string; status: string; n: number }>(db, sql`SELECT type, status, count(*)::int AS n FROM jobs GROUP BY type, status`);
  const log = fs.existsSync(path.join(mailDir, 'sent.log')) ? fs.readFileSync(path.join(mailDir, 'sent.log'), 'utf8').split('\n').filter(Boolean) : [];
  return {
    tables,
    jobs: Object.fromEntries(jobRows.filter((j) => !PERIODIC_TYPES.has(j.type)).map((j) => [`${j.type}:${j.status}`, Number(j.n)])),
    unfinished: jobRows.filter((j) => j.status !== 'done').reduce((a, j) => a + Number(j.n), 0),
    emailsSent: log.length,
    emailIds: new Set(log.map((l) => l.split(' ')[1])).size,
    emailFiles: fs.existsSync(mailDir) ? fs.readdirSync(mailDir).filter((f) => f.endsWith('.eml')).length : 0,
  };
}

/** What a killed-and-restarted run lost or duplicated against the run left alone. */
export function compare(reference: Snapshot, crashed: Snapshot): { lost: string[]; duplicated: string[]; resent: number } {
  const lost: string[] = [];
  const duplicated: string[] = [];
  for (const part of ['tables', 'jobs'] as const) {
    for (const k of new Set([...Object.keys(reference[part]), ...Object.keys(crashed[part])])) {
      const a = reference[part][k] ?? 0;
      const b = crashed[part][k] ?? 0;
      if (b < a) lost.push(`${k}: ${a - b}`);
      if (b > a) duplicated.push(`${k}: ${b - a}`);
    }
  }
  if (crashed.unfinished) lost.push(`jobs not done: ${crashed.unfinished}`);
  if (crashed.emailIds < reference.emailIds) lost.push(`emails: ${reference.emailIds - crashed.emailIds}`);
  if (crashed.emailIds > reference.emailIds) duplicated.push(`emails (distinct Message-IDs): ${crashed.emailIds - reference.emailIds}`);
  return { lost, duplicated, resent: crashed.emailsSent - crashed.emailIds };
}
