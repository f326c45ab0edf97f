import { asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../test/support/db';
import type { Db } from '../db/engine';
import { backoffMs, claimJobs, completeJob, enqueue, failJob, heartbeat, JOB_LEASE_MS, type ClaimedJob } from './queue';
import { jobs } from './schema';
import { Worker } from './worker';

let tdb: TestDatabase;
let db: Db;

/** A logger that remembers what it was told, so failures are visible to the test. */
function memoryLog() {
  const lines: { level: string; msg: string; obj: Record<string, unknown> }[] = [];
  const at = (level: string) => (obj: Record<string, unknown>, msg: string) => void lines.push({ level, msg, obj });
  return { lines, log: { info: at('info'), warn: at('warn'), error: at('error') } as never };
}

beforeAll(async () => {
  tdb = await openTestDatabase();
  db = tdb.db;
});
afterAll(async () => {
  await tdb?.close();
});
// Workers claim any due job, so each test starts from an empty table.
beforeEach(async () => {
  await tdb.query('DELETE FROM jobs');
});

const jobById = async (id: number) => (await db.select().from(jobs).where(eq(jobs.id, id)))[0]!;
const allJobs = () => db.select().from(jobs).orderBy(asc(jobs.id));
/** Make a job due now (instead of waiting out its backoff). */
const makeDue = (id: number) => tdb.query(`UPDATE jobs SET run_at = now() - interval '1 second' WHERE id = $1`, [id]);

describe('enqueue', () => {
  it('adds a pending job with its payload, due now by default', async () => {
    const id = await enqueue(db, 'email.send', { to: 'a@example.org' });
    expect(id).toEqual(expect.any(Number));
    const job = await jobById(id!);
    expect(job).toMatchObject({
      type: 'email.send',
      payload: { to: 'a@example.org' },
      status: 'pending',
      attempts: 0,
      maxAttempts: 8,
      lastError: null,
      lockedAt: null,
    });
  });

  it('a job enqueued in a transaction that rolls back does not exist', async () => {
    await expect(
      db.transaction(async (tx) => {
        const id = await enqueue(tx, 'email.send', { n: 1 });
        expect(id).not.toBeNull();
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await allJobs()).toEqual([]);
  });

  it('a job enqueued in a transaction that commits exists', async () => {
    const id = await db.transaction((tx) => enqueue(tx, 'email.send', { n: 2 }));
    expect((await allJobs()).map((j) => j.id)).toEqual([id]);
  });

  it('the same idempotency key gives one job; the second enqueue returns null', async () => {
    const first = await enqueue(db, 'report.build', { v: 1 }, { idempotencyKey: 'report:2025-01' });
    const second = await enqueue(db, 'report.build', { v: 2 }, { idempotencyKey: 'report:2025-01' });
    const other = await enqueue(db, 'report.build', { v: 3 }, { idempotencyKey: 'report:2025-02' });
    expect(first).not.toBeNull();
    expect(second).toBeNull();
    expect(other).not.toBeNull();
    const all = await allJobs();
    expect(all).toHaveLength(2);
    expect(all[0]!.payload).toEqual({ v: 1 }); // the first one wins
  });

  it('jobs without a key are never deduplicated', async () => {
    await enqueue(db, 't', {});
    await enqueue(db, 't', {});
    expect(await allJobs()).toHaveLength(2);
  });

  it('a job due later is not claimed yet', async () => {
    await enqueue(db, 't', {}, { runAt: new Date(Date.now() + 3_600_000) });
    expect(await claimJobs(db, 'w', 10)).toEqual([]);
  });
});

describe('backoff', () => {
  it('doubles from 5 seconds and stops at one hour', () => {
    expect([1, 2, 3, 4].map(backoffMs)).toEqual([5_000, 10_000, 20_000, 40_000]);
    expect(backoffMs(0)).toBe(5_000);
    expect(backoffMs(11)).toBe(3_600_000);
    expect(backoffMs(50)).toBe(3_600_000);
  });
});

describe('worker', () => {
  it('runs the handler with the payload and marks the job done', async () => {
    const id = (await enqueue(db, 'greet', { name: 'Ada' }))!;
    const seen: ClaimedJob[] = [];
    const worker = new Worker(db, memoryLog().log).register('greet', async (job) => void seen.push(job));
    expect(await worker.runOnce()).toBe(1);
    expect(seen).toEqual([{ id, type: 'greet', payload: { name: 'Ada' }, attempts: 1, maxAttempts: 8 }]);
    const job = await jobById(id);
    expect(job.status).toBe('done');
    expect(job.completedAt).toBeInstanceOf(Date);
    expect(job.lockedAt).toBeNull();
    expect(job.lockedBy).toBe(worker.id);
    expect(job.attempts).toBe(1);
    // Done jobs are not run again.
    expect(await worker.runOnce()).toBe(0);
    expect(seen).toHaveLength(1);
  });

  it('a failure is retried later with backoff: attempts counted, error kept, run_at in the future', async () => {
    const id = (await enqueue(db, 'flaky', {}, { maxAttempts: 3 }))!;
    const { log, lines } = memoryLog();
    const worker = new Worker(db, log).register('flaky', async () => {
      throw new Error('mail server said no');
    });
    const before = Date.now();
    expect(await worker.runOnce()).toBe(1);
    const job = await jobById(id);
    expect(job.status).toBe('pending');
    expect(job.attempts).toBe(1);
    expect(job.lastError).toBe('Error: mail server said no');
    expect(job.lockedAt).toBeNull();
    expect(job.runAt.getTime()).toBeGreaterThanOrEqual(before + backoffMs(1) - 1000);
    expect(lines.filter((l) => l.msg === 'job retry')).toHaveLength(1);
    // Not due yet, so the next round does nothing.
    expect(await worker.runOnce()).toBe(0);

    await makeDue(id);
    const second = Date.now();
    expect(await worker.runOnce()).toBe(1);
    const again = await jobById(id);
    expect(again).toMatchObject({ status: 'pending', attempts: 2 });
    expect(again.runAt.getTime()).toBeGreaterThanOrEqual(second + backoffMs(2) - 1000);
  });

  it('a job that keeps failing becomes dead after maxAttempts and is not run again', async () => {
    const id = (await enqueue(db, 'doomed', {}, { maxAttempts: 3 }))!;
    let calls = 0;
    const { log, lines } = memoryLog();
    const worker = new Worker(db, log).register('doomed', async () => {
      calls++;
      throw new Error(`failure ${calls}`);
    });
    for (let i = 0; i < 3; i++) {
      await makeDue(id);
      expect(await worker.runOnce()).toBe(1);
    }
    const job = await jobById(id);
    expect(job).toMatchObject({ status: 'dead', attempts: 3, lastError: 'Error: failure 3', lockedAt: null });
    expect(calls).toBe(3);
    expect(lines.filter((l) => l.level === 'error' && l.msg === 'job dead')).toHaveLength(1);
    await makeDue(id);
    expect(await worker.runOnce()).toBe(0);
    expect(calls).toBe(3);
  });

  it('a job of a type nobody handles fails (and is parked dead when out of attempts)', async () => {
    const retry = (await enqueue(db, 'mystery', {}))!;
    const once = (await enqueue(db, 'mystery', {}, { maxAttempts: 1 }))!;
    const worker = new Worker(db, memoryLog().log);
    expect(await worker.runOnce()).toBe(2);
    expect(await jobById(retry)).toMatchObject({ status: 'pending', attempts: 1, lastError: 'Error: No handler registered for job type mystery' });
    expect(await jobById(once)).toMatchObject({ status: 'dead', attempts: 1, lastError: 'Error: No handler registered for job type mystery' });
  });

  it('failJob keeps a non-Error reason and truncates very long messages', async () => {
    const id = (await enqueue(db, 't', {}))!;
    const [job] = await claimJobs(db, 'w', 1);
    expect(await failJob(db, job!, 'x'.repeat(5000))).toBe('retry');
    expect((await jobById(id)).lastError).toHaveLength(2000);
  });

  it('drain runs until nothing is due, including jobs enqueued by handlers', async () => {
    await enqueue(db, 'chain', { n: 3 });
    const seen: number[] = [];
    const worker = new Worker(db, memoryLog().log).register('chain', async (job) => {
      const n = job.payload.n as number;
      seen.push(n);
      if (n > 1) await enqueue(db, 'chain', { n: n - 1 });
    });
    expect(await worker.drain()).toBe(3);
    expect(seen).toEqual([3, 2, 1]);
    expect((await allJobs()).every((j) => j.status === 'done')).toBe(true);
  });

  it('reclaims a job whose worker died while running it, but not one still being worked on', async () => {
    const stale = (await enqueue(db, 'long', {}))!;
    const fresh = (await enqueue(db, 'long', {}))!;
    await tdb.query(`UPDATE jobs SET status = 'running', attempts = 1, locked_by = 'dead-worker', locked_at = now() - interval '10 minutes' WHERE id = $1`, [
      stale,
    ]);
    await tdb.query(`UPDATE jobs SET status = 'running', attempts = 1, locked_by = 'busy-worker', locked_at = now() WHERE id = $1`, [fresh]);
    const claimed = await claimJobs(db, 'rescuer', 10, 300_000);
    expect(claimed.map((j) => j.id)).toEqual([stale]);
    expect(claimed[0]!.attempts).toBe(2);
    expect(await jobById(stale)).toMatchObject({ status: 'running', lockedBy: 'rescuer', attempts: 2 });
    expect(await jobById(fresh)).toMatchObject({ status: 'running', lockedBy: 'busy-worker', attempts: 1 });
    await completeJob(db, stale);
    expect((await jobById(stale)).status).toBe('done');
  });

  it('a dead worker’s job is reclaimed once its short lease is out, while a live worker’s heartbeat keeps its own', async () => {
    const dead = (await enqueue(db, 'long', {}))!;
    const live = (await enqueue(db, 'long', {}))!;
    await tdb.query(
      `UPDATE jobs SET status = 'running', attempts = 1, locked_by = 'dead-worker', locked_at = now() - interval '${JOB_LEASE_MS / 1000 + 1} seconds' WHERE id = $1`,
      [dead],
    );
    await tdb.query(
      `UPDATE jobs SET status = 'running', attempts = 1, locked_by = 'live-worker', locked_at = now() - interval '${JOB_LEASE_MS / 1000 + 1} seconds' WHERE id = $1`,
      [live],
    );
    await heartbeat(db, 'live-worker');
    const claimed = await claimJobs(db, 'rescuer', 10);
    expect(claimed.map((j) => j.id)).toEqual([dead]);
    expect(JOB_LEASE_MS).toBeLessThanOrEqual(60_000);
  });

  it('at the start of the embedded engine’s only process, every job left running is due again at once', async () => {
    const left = (await enqueue(db, 'distribute', {}))!;
    await tdb.query(`UPDATE jobs SET status = 'running', attempts = 1, locked_by = 'killed', locked_at = now() WHERE id = $1`, [left]);
    const ran: number[] = [];
    const worker = new Worker(db, memoryLog().log, { pollMs: 20, reclaimAtStart: true }).register('distribute', async (j) => void ran.push(j.id));
    worker.start();
    for (let i = 0; i < 100 && !ran.length; i++) await new Promise((r) => setTimeout(r, 20));
    await worker.stop();
    expect(ran).toEqual([left]);
    expect((await jobById(left)).status).toBe('done');
  });

  it('stores a failure without the SQL parameters a database error carries', async () => {
    const id = (await enqueue(db, 'x', {}))!;
    const [job] = await claimJobs(db, 'w', 1);
    await failJob(db, job!, new Error('Failed query: insert into case_facts values ($1)\nparams: Marisol,Quennell'));
    expect((await jobById(id)).lastError).not.toMatch(/Marisol/);
  });

  it('workers claiming at the same time never get the same job', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 40; i++) ids.push((await enqueue(db, 'shared', { i }))!);
    const claimedBy = new Map<number, string[]>();
    for (let round = 0; round < 10; round++) {
      const results = await Promise.all(['w1', 'w2', 'w3', 'w4'].map(async (w) => ({ w, jobs: await claimJobs(db, w, 3) })));
      let any = 0;
      for (const r of results) {
        for (const j of r.jobs) claimedBy.set(j.id, [...(claimedBy.get(j.id) ?? []), r.w]);
        any += r.jobs.length;
      }
      if (any === 0) break;
    }
    expect([...claimedBy.keys()].sort((a, b) => a - b)).toEqual(ids);
    for (const [id, by] of claimedBy) expect(by, `job ${id}`).toHaveLength(1);
    // The row records the same worker that got it.
    for (const j of await allJobs()) expect(j.lockedBy).toBe(claimedBy.get(j.id)![0]);
  });

  it('two workers running at once handle each job exactly once', async () => {
    for (let i = 0; i < 25; i++) await enqueue(db, 'count', { i });
    const handled: number[] = [];
    const handler = async (job: ClaimedJob) => {
      handled.push(job.payload.i as number);
    };
    const a = new Worker(db, memoryLog().log, { batch: 4 }).register('count', handler);
    const b = new Worker(db, memoryLog().log, { batch: 4 }).register('count', handler);
    const [na, nb] = await Promise.all([a.drain(), b.drain()]);
    expect(na + nb).toBe(25);
    expect(handled.sort((x, y) => x - y)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect((await allJobs()).every((j) => j.status === 'done' && j.attempts === 1)).toBe(true);
  });
});

describe('scheduler', () => {
  it('schedule() twice in one period creates one job; the next period creates another', async () => {
    const worker = new Worker(db, memoryLog().log).every({ type: 'sessions.purge', everyMs: 60_000, payload: { why: 'tidy' } });
    const period = 29_000_000; // an arbitrary minute
    const start = period * 60_000;
    await worker.schedule(start + 1_000);
    await worker.schedule(start + 59_000);
    let all = await allJobs();
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ type: 'sessions.purge', payload: { why: 'tidy' }, idempotencyKey: `periodic:sessions.purge:${period}` });

    await worker.schedule(start + 60_000);
    all = await allJobs();
    expect(all.map((j) => j.idempotencyKey)).toEqual([`periodic:sessions.purge:${period}`, `periodic:sessions.purge:${period + 1}`]);
  });

  it('two processes scheduling the same period at once still create one job', async () => {
    const mk = () => new Worker(db, memoryLog().log).every({ type: 'report', everyMs: 3_600_000 });
    const now = Date.now();
    await Promise.all([mk().schedule(now), mk().schedule(now), mk().schedule(now)]);
    const rows = await db.select().from(jobs).where(sql`${jobs.type} = 'report'`);
    expect(rows).toHaveLength(1);
  });

  it('start() schedules and runs due work until stopped', async () => {
    const seen: string[] = [];
    const worker = new Worker(db, memoryLog().log, { pollMs: 10 })
      .every({ type: 'tick', everyMs: 3_600_000 })
      .register('tick', async (job) => void seen.push(job.type));
    worker.start();
    try {
      await expect.poll(() => seen.length, { timeout: 20_000 }).toBe(1);
    } finally {
      await worker.stop();
    }
    const rows = await allJobs();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.status).toBe('done');
  });
});
