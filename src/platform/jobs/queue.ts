import { redactSqlValues } from '../http/log-safety';
import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/engine';
import { rows } from '../db/sql';
import { jobs } from './schema';

export interface EnqueueOptions {
  /** Same key, same job: a second enqueue with this key does nothing. */
  idempotencyKey?: string;
  runAt?: Date;
  maxAttempts?: number;
}

/**
 * Add a job inside the caller's transaction (the outbox pattern): it exists only if the change that
 * caused it commits. Returns the job id, or null when the idempotency key was already used.
 */
export async function enqueue(tx: Db, type: string, payload: Record<string, unknown>, opts: EnqueueOptions = {}): Promise<number | null> {
  const rows = await tx
    .insert(jobs)
    .values({
      type,
      payload,
      idempotencyKey: opts.idempotencyKey ?? null,
      runAt: opts.runAt ?? new Date(),
      maxAttempts: opts.maxAttempts ?? 8,
    })
    .onConflictDoNothing({ target: jobs.idempotencyKey })
    .returning({ id: jobs.id });
  return rows[0]?.id ?? null;
}

/** Many jobs of one type in one statement (a fan-out's emails); keys already used are skipped. */
export async function enqueueMany(tx: Db, type: string, items: { payload: Record<string, unknown>; idempotencyKey: string }[]): Promise<number> {
  if (items.length === 0) return 0;
  const rows = await tx
    .insert(jobs)
    .values(items.map((i) => ({ type, payload: i.payload, idempotencyKey: i.idempotencyKey })))
    .onConflictDoNothing({ target: jobs.idempotencyKey })
    .returning({ id: jobs.id });
  return rows.length;
}

/**
 * Many jobs of one type made by the database from a query (a circulation to twenty thousand people), in
 * the caller's transaction: `select` yields the columns `payload` (jsonb) and `idempotency_key` (text),
 * optionally reading a data-modifying `with` clause (`name AS (INSERT … RETURNING …)`), so the change and
 * its messages are one statement and no row travels to the process. Keys already used are skipped.
 * Returns how many jobs were added.
 */
export async function enqueueSelect(tx: Db, type: string, select: SQL, opts: { with?: SQL } = {}): Promise<number> {
  const found = await rows<{ n: number }>(
    tx,
    sql`WITH ${opts.with ? sql`${opts.with}, ` : sql``}added AS (
          INSERT INTO jobs (type, payload, idempotency_key)
          SELECT ${type}, q.payload, q.idempotency_key FROM (${select}) q
          ON CONFLICT (idempotency_key) DO NOTHING RETURNING 1)
        SELECT count(*)::int AS n FROM added`,
  );
  return Number(found[0]?.n ?? 0);
}

/** Exponential backoff with a ceiling: 5 s, 10 s, 20 s … up to one hour. */
export function backoffMs(attempt: number): number {
  return Math.min(5_000 * 2 ** Math.max(0, attempt - 1), 3_600_000);
}

export interface ClaimedJob {
  id: number;
  type: string;
  payload: Record<string, unknown>;
  attempts: number;
  maxAttempts: number;
}

/**
 * How long a running job's lease lasts without a heartbeat. A live worker renews the lease of every
 * job it holds every third of this ({@link heartbeat}), so only a dead worker's jobs go stale: an urgent
 * alert waits at most this long (plus a poll) after a crash on PostgreSQL, not minutes.
 */
export const JOB_LEASE_MS = 30_000;

/**
 * Claim up to `limit` due jobs. FOR UPDATE SKIP LOCKED lets several workers share the table without
 * taking the same job; a job whose worker died while running is reclaimed once its lease has run out.
 */
export async function claimJobs(db: Db, workerId: string, limit: number, staleAfterMs = JOB_LEASE_MS): Promise<ClaimedJob[]> {
  const staleBefore = new Date(Date.now() - staleAfterMs);
  const claimed = await rows(
    db,
    sql`
    UPDATE jobs SET status = 'running', locked_at = now(), locked_by = ${workerId}, attempts = attempts + 1
     WHERE id IN (
       SELECT id FROM jobs
        WHERE (status = 'pending' AND run_at <= now())
           OR (status = 'running' AND locked_at < ${staleBefore.toISOString()}::timestamptz)
        ORDER BY run_at, id
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
     RETURNING id, type, payload, attempts, max_attempts`,
  );
  return claimed.map((r) => ({
    id: Number(r.id),
    type: String(r.type),
    payload: (r.payload ?? {}) as Record<string, unknown>,
    attempts: Number(r.attempts),
    maxAttempts: Number(r.max_attempts),
  }));
}

/** Renew the lease of every job this worker holds. */
export async function heartbeat(db: Db, workerId: string): Promise<void> {
  await db.execute(sql`UPDATE jobs SET locked_at = now() WHERE status = 'running' AND locked_by = ${workerId}`);
}

/**
 * At the start of the embedded engine's only process (PGlite's data folder is locked to one process),
 * every job still marked running belonged to a process that died: make them due again at once.
 * Returns how many.
 */
export async function reclaimOrphanedJobs(db: Db): Promise<number> {
  return (await rows(db, sql`UPDATE jobs SET status = 'pending', locked_at = NULL, locked_by = NULL, run_at = now() WHERE status = 'running' RETURNING id`))
    .length;
}

export async function completeJob(db: Db, id: number): Promise<void> {
  await db.execute(sql`UPDATE jobs SET status = 'done', completed_at = now(), locked_at = NULL, last_error = NULL WHERE id = ${id}`);
}

/** A failed job goes back to pending with backoff, or to `dead` when it is out of attempts. */
export async function failJob(db: Db, job: ClaimedJob, error: unknown): Promise<'retry' | 'dead'> {
  // The job table is read by operators: no SQL parameters (women's details) in the stored error.
  const message = redactSqlValues(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  if (job.attempts >= job.maxAttempts) {
    await db.execute(sql`UPDATE jobs SET status = 'dead', locked_at = NULL, last_error = ${message.slice(0, 2000)} WHERE id = ${job.id}`);
    return 'dead';
  }
  const runAt = new Date(Date.now() + backoffMs(job.attempts));
  await db.execute(
    sql`UPDATE jobs SET status = 'pending', locked_at = NULL, run_at = ${runAt.toISOString()}::timestamptz, last_error = ${message.slice(0, 2000)} WHERE id = ${job.id}`,
  );
  return 'retry';
}
