import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { and, count, eq, sql } from 'drizzle-orm';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { DISTRIBUTE_JOB, EMAIL_JOB } from '../../src/alerts/distribution';
import { DEFAULT_UNIT_TYPES } from '../../src/alerts/model';
import { alertDeliveries } from '../../src/alerts/schema';
import { seedDemo } from '../../src/demo/seed';
import { resolveRecipientUnits } from '../../src/directory/recipients';
import { openDatabase, type Database } from '../../src/platform/db/engine';
import { jobs } from '../../src/platform/jobs/schema';
import { addSyntheticUnits, alertContentWith, contextFor, raiseActiveAlert } from '../support/alerts';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../support/pg-throwaway';

/**
 * Issue 3, Reliability: "kill the worker process part-way through a national fan-out and restart it: every
 * recipient unit ends with exactly one delivery of that version."
 *
 * For real: a file-backed PGlite data directory (or a throwaway PostgreSQL database when TEST_DATABASE_URL
 * is set) with the demo directory and 2,080 more recipient units; a national alert approved here; then a
 * separate worker process (test/reliability/fanout-worker.ts, the service's createWorker) killed with
 * SIGKILL once some but not all deliveries are committed; then a second worker process run to completion.
 *
 * A job whose worker died stays `running` until its lock is stale (5 minutes, claimJobs' staleAfterMs);
 * the test moves the lock time back instead of waiting, as the next worker would find it 5 minutes later.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WORKER = path.join(ROOT, 'test/reliability/fanout-worker.ts');
const SYNTHETIC_ORGANISATIONS = 520; // × 4 default recipient unit types = 2,080 extra units

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startWorker(env: NodeJS.ProcessEnv): { child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, exited };
}

describe('a national fan-out survives its worker being killed', () => {
  it('every recipient unit ends with exactly one delivery of the version, and every delivery with exactly one email job', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'beacon-crash-'));
    const dataDir = path.join(tmp, 'data');
    const progressFile = path.join(tmp, 'progress');
    const base = process.env.TEST_DATABASE_URL;
    let throwaway: ThrowawayDatabase | undefined;
    let database: Database | undefined;
    try {
      if (base) throwaway = await createThrowawayDatabase(base, 'beacon_crash');
      const open = () => openDatabase(throwaway ? { databaseUrl: throwaway.url } : { dataDir });

      // 1. The directory, and a national alert approved in this process; its fan-out is queued, not run.
      database = await open();
      const db = database.db;
      await seedDemo(db, 'correct horse battery staple 42');
      await addSyntheticUnits(db, SYNTHETIC_ORGANISATIONS);
      const [midwife, designated] = await Promise.all([contextFor(db, 'midwife@beacon.example'), contextFor(db, 'designated@beacon.example')]);
      const content = alertContentWith((c) => void (c.distribution = { scope: 'national', scopeReason: 'Known to travel between cities across England' }));
      const { id } = await raiseActiveAlert(db, midwife, designated, content);
      const expected = new Set((await resolveRecipientUnits(db, { scope: 'national', unitTypes: [...DEFAULT_UNIT_TYPES] })).map((u) => u.id));
      const total = expected.size;
      expect(total).toBeGreaterThanOrEqual(2_000);
      await database.close();
      database = undefined;

      const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'error', BEACON_DATA_DIR: dataDir, BEACON_DEMO_DATA: 'false' };
      delete env.DATABASE_URL;
      if (throwaway) env.DATABASE_URL = throwaway.url;
      else env.BEACON_PROGRESS_FILE = progressFile;

      // 2. Run the worker in its own process, and kill it (SIGKILL: no clean-up of any kind) mid-fan-out.
      const watcher = throwaway ? new pg.Client({ connectionString: throwaway.url }) : null;
      await watcher?.connect();
      const progress = async (): Promise<number> => {
        if (watcher) return Number((await watcher.query('SELECT count(*)::int AS n FROM alert_deliveries')).rows[0].n);
        try {
          return Number(fs.readFileSync(progressFile, 'utf8')) || 0;
        } catch {
          return 0;
        }
      };
      const first = startWorker(env);
      let finished = false;
      void first.exited.then(() => {
        finished = true;
      });
      let seenAtKill = 0;
      while (!finished) {
        const n = await progress();
        if (n > 0 && n < total) {
          first.child.kill('SIGKILL');
          seenAtKill = n;
          break;
        }
        await sleep(2);
      }
      const killed = await first.exited;
      await watcher?.end();
      expect(killed.signal, `the worker was not killed mid-fan-out (exit code ${killed.code}): ${killed.stderr}`).toBe('SIGKILL');
      expect(seenAtKill).toBeGreaterThan(0);

      // 3. What the crash left: some deliveries, each with its email job (they commit together), and a job still "running".
      database = await open(); // PGlite recovers its data directory after the kill here
      const partial = await database.db.select({ n: count() }).from(alertDeliveries).where(eq(alertDeliveries.alertId, id));
      const emailJobsAfterCrash = await database.db.select({ n: count() }).from(jobs).where(eq(jobs.type, EMAIL_JOB));
      const [distributeJob] = await database.db
        .select()
        .from(jobs)
        .where(and(eq(jobs.type, DISTRIBUTE_JOB), sql`${jobs.payload}->>'alertId' = ${id}`));
      const partialCount = Number(partial[0]!.n);
      console.log(
        `[fanout-crash] ${database.engine}: killed the worker at ${seenAtKill} deliveries seen; ${partialCount} of ${total} committed after recovery`,
      );
      expect(partialCount).toBeGreaterThanOrEqual(seenAtKill);
      expect(partialCount).toBeLessThan(total);
      expect(Number(emailJobsAfterCrash[0]!.n)).toBe(partialCount);
      expect(distributeJob).toMatchObject({ status: 'running', attempts: 1 });
      // Five minutes later the lock is stale and the next worker takes the job over.
      await database.db.execute(sql`UPDATE jobs SET locked_at = now() - interval '10 minutes' WHERE status = 'running'`);
      await database.close();
      database = undefined;

      // 4. Restart the worker and let it finish.
      const second = startWorker(env);
      const finishedRun = await second.exited;
      expect(finishedRun.code, finishedRun.stderr).toBe(0);

      // 5. Exactly one delivery of version 1 per recipient unit, one email job per delivery, each emailed once.
      database = await open();
      const perUnit = await database.db
        .select({ unitId: alertDeliveries.unitId, n: count() })
        .from(alertDeliveries)
        .where(and(eq(alertDeliveries.alertId, id), eq(alertDeliveries.version, 1)))
        .groupBy(alertDeliveries.unitId);
      expect(perUnit).toHaveLength(total);
      expect(new Set(perUnit.map((r) => r.unitId))).toEqual(expected);
      expect(perUnit.filter((r) => Number(r.n) !== 1)).toEqual([]);
      const [{ n: allDeliveries }] = (await database.db.select({ n: count() }).from(alertDeliveries)) as [{ n: number }];
      expect(Number(allDeliveries)).toBe(total);

      const emailJobs = await database.db
        .select({ deliveryId: sql<string>`${jobs.payload}->>'deliveryId'`, n: count(), done: sql<number>`count(*) FILTER (WHERE ${jobs.status} = 'done')` })
        .from(jobs)
        .where(eq(jobs.type, EMAIL_JOB))
        .groupBy(sql`${jobs.payload}->>'deliveryId'`);
      expect(emailJobs).toHaveLength(total);
      expect(emailJobs.filter((j) => Number(j.n) !== 1 || Number(j.done) !== 1)).toEqual([]);
      const delivered = await database.db
        .select({ id: alertDeliveries.id, emailedAt: alertDeliveries.emailedAt })
        .from(alertDeliveries)
        .where(eq(alertDeliveries.alertId, id));
      expect(new Set(emailJobs.map((j) => j.deliveryId))).toEqual(new Set(delivered.map((d) => d.id)));
      expect(delivered.filter((d) => !d.emailedAt)).toEqual([]);
      const [job] = await database.db
        .select()
        .from(jobs)
        .where(and(eq(jobs.type, DISTRIBUTE_JOB), sql`${jobs.payload}->>'alertId' = ${id}`));
      expect(job).toMatchObject({ status: 'done', attempts: 2 });
      // Every delivery's email was written (the file mailer names each message after its delivery).
      expect(fs.readdirSync(path.join(dataDir, 'mail')).filter((f) => f.endsWith('.eml'))).toHaveLength(total);
    } finally {
      await database?.close().catch(() => undefined);
      await throwaway?.drop();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 600_000);
});
