import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db } from '../db/engine';
import { loggableError } from '../http/log-safety';
import { claimJobs, completeJob, enqueue, failJob, heartbeat, JOB_LEASE_MS, reclaimOrphanedJobs, type ClaimedJob } from './queue';

export type JobHandler = (job: ClaimedJob) => Promise<void>;

export interface PeriodicJob {
  type: string;
  everyMs: number;
  payload?: Record<string, unknown>;
}

/**
 * The worker: polls for due jobs, runs their handlers, retries failures with backoff and parks jobs
 * that keep failing as `dead`. The scheduler enqueues periodic jobs once per period, keyed by the
 * period, so several processes scheduling at once still create one job.
 */
export class Worker {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly periodic: PeriodicJob[] = [];
  private readonly observers: ((job: { id: number | string; type: string }) => void)[] = [];
  private timer: NodeJS.Timeout | null = null;
  private beat: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  readonly id = `worker-${process.pid}-${randomUUID().slice(0, 8)}`;

  constructor(
    private readonly db: Db,
    private readonly log: Pick<Logger, 'info' | 'warn' | 'error'>,
    private readonly opts: {
      pollMs?: number;
      batch?: number;
      /** Lease of a running job without a heartbeat (default JOB_LEASE_MS). */
      leaseMs?: number;
      /** Make every job marked running due again at start (the embedded engine: one process only). */
      reclaimAtStart?: boolean;
    } = {},
  ) {}

  register(type: string, handler: JobHandler): this {
    this.handlers.set(type, handler);
    return this;
  }

  /** Be told as each job starts (its type and id): for logs and the fault benchmark's kill points. */
  observe(fn: (job: { id: number | string; type: string }) => void): this {
    this.observers.push(fn);
    return this;
  }

  every(job: PeriodicJob): this {
    this.periodic.push(job);
    return this;
  }

  /** Enqueue the periodic jobs due in the current period (idempotent). */
  async schedule(now = Date.now()): Promise<void> {
    for (const p of this.periodic) {
      const slot = Math.floor(now / p.everyMs);
      await enqueue(this.db, p.type, p.payload ?? {}, { idempotencyKey: `periodic:${p.type}:${slot}` });
    }
  }

  /** Run every due job once; returns how many ran. Tests and the command line call this directly. */
  async runOnce(): Promise<number> {
    const claimed = await claimJobs(this.db, this.id, this.opts.batch ?? 10, this.opts.leaseMs ?? JOB_LEASE_MS);
    for (const job of claimed) {
      const handler = this.handlers.get(job.type);
      try {
        if (!handler) throw new Error(`No handler registered for job type ${job.type}`);
        for (const o of this.observers) o(job);
        await handler(job);
        await completeJob(this.db, job.id);
      } catch (err) {
        const outcome = await failJob(this.db, job, err);
        this.log[outcome === 'dead' ? 'error' : 'warn']({ jobId: job.id, type: job.type, attempts: job.attempts, err: loggableError(err) }, `job ${outcome}`);
      }
    }
    return claimed.length;
  }

  /** With reclaimAtStart, the first run of this worker (start or drain) takes back what a dead process held. */
  private reclaimed = false;
  private async reclaimOnce(): Promise<void> {
    if (this.reclaimed || !this.opts.reclaimAtStart) return;
    this.reclaimed = true;
    const n = await reclaimOrphanedJobs(this.db);
    if (n) this.log.info({ jobs: n }, 'reclaimed jobs a stopped process was running');
  }

  /** Run until no job is due (for tests and batch commands). */
  async drain(maxRounds = 1000): Promise<number> {
    await this.reclaimOnce();
    let total = 0;
    for (let i = 0; i < maxRounds; i++) {
      const n = await this.runOnce();
      total += n;
      if (n === 0) break;
    }
    return total;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const leaseMs = this.opts.leaseMs ?? JOB_LEASE_MS;
    // The heartbeat keeps this worker's leases fresh while a handler runs (or waits in the batch).
    this.beat = setInterval(
      () => {
        heartbeat(this.db, this.id).catch((err) => this.log.warn({ err: loggableError(err) }, 'job heartbeat failed'));
      },
      Math.max(100, Math.floor(leaseMs / 3)),
    );
    this.beat.unref?.();
    const tick = async () => {
      if (this.stopped) return;
      this.running = (async () => {
        try {
          await this.reclaimOnce();
          await this.schedule();
          while (!this.stopped && (await this.runOnce()) > 0) {
            /* keep going while there is work */
          }
        } catch (err) {
          this.log.error({ err: loggableError(err) }, 'worker tick failed');
        }
      })();
      await this.running;
      this.running = null;
      if (!this.stopped) this.timer = setTimeout(tick, this.opts.pollMs ?? 1000);
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.beat) clearInterval(this.beat);
    this.beat = null;
    this.timer = null;
    if (this.running) await this.running;
  }
}
