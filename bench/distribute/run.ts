import os from 'node:os';
import { and, count, eq, sql } from 'drizzle-orm';
import { distribute, DISTRIBUTE_JOB, EMAIL_JOB } from '../../src/alerts/distribution';
import { DEFAULT_UNIT_TYPES } from '../../src/alerts/model';
import { alertDeliveries } from '../../src/alerts/schema';
import { approve, createDraft, submit } from '../../src/alerts/service';
import { unitInbox } from '../../src/alerts/lists';
import { seedDemo } from '../../src/demo/seed';
import { resolveRecipientUnits } from '../../src/directory/recipients';
import type { Database, Db } from '../../src/platform/db/engine';
import { enqueue } from '../../src/platform/jobs/queue';
import { jobs } from '../../src/platform/jobs/schema';
import { Worker } from '../../src/platform/jobs/worker';
import { addSyntheticUnits, ALERT_SETTINGS, alertContentWith, contextFor } from '../../test/support/alerts';
import { onBothEngines } from '../engines';

const args = process.argv.slice(2);
const numberArg = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  const n = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number`);
  return n;
};
const ORGANISATIONS = numberArg('--organisations', 520); // × 4 default unit types = 2,080 extra recipient units
const REPEAT = numberArg('--repeat', 3);
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface Figures {
  engine: string;
  units: number;
  chunked: number[];
  naive: number[];
  rerun: number[];
}

const silent = { info: () => undefined, warn: (o: unknown) => console.error(o), error: (o: unknown) => console.error(o) };

async function nationalAlertAwaitingApproval(db: Db, label: string) {
  const midwife = await contextFor(db, 'midwife@beacon.example');
  const content = alertContentWith((c) => void (c.distribution = { scope: 'national', scopeReason: `Benchmark: ${label}` }));
  const { id } = await createDraft(db, midwife, content);
  await submit(db, midwife, id);
  return id;
}

async function check(db: Db, alertId: string, expected: number): Promise<void> {
  const [d] = await db
    .select({ n: count() })
    .from(alertDeliveries)
    .where(and(eq(alertDeliveries.alertId, alertId), eq(alertDeliveries.version, 1)));
  const [e] = await db
    .select({ n: count() })
    .from(jobs)
    .where(
      and(
        eq(jobs.type, EMAIL_JOB),
        eq(jobs.status, 'pending'),
        sql`(${jobs.payload}->>'deliveryId')::uuid IN (SELECT id FROM alert_deliveries WHERE alert_id = ${alertId})`,
      ),
    );
  if (Number(d!.n) !== expected || Number(e!.n) !== expected)
    throw new Error(`alert ${alertId}: ${d!.n} deliveries and ${e!.n} email jobs, expected ${expected} of each`);
}

async function run(engine: string, database: Database): Promise<Figures> {
  const db = database.db;
  await seedDemo(db, 'correct horse battery staple 42');
  await addSyntheticUnits(db, ORGANISATIONS);
  const recipients = await resolveRecipientUnits(db, { scope: 'national', unitTypes: [...DEFAULT_UNIT_TYPES] });
  const units = recipients.length;
  const designated = await contextFor(db, 'designated@beacon.example');
  const coordinator = await contextFor(db, 'coordinator.qah@beacon.example');
  const worker = new Worker(db, silent, { batch: 1 }).register(DISTRIBUTE_JOB, async (job) => {
    await distribute(db, job.payload as Parameters<typeof distribute>[1]);
  });
  const figures: Figures = { engine, units, chunked: [], naive: [], rerun: [] };

  for (let round = 0; round < REPEAT; round++) {
    // The service: approve, then one worker pass over the queued fan-out job.
    const id = await nationalAlertAwaitingApproval(db, `chunked ${round}`);
    let t = performance.now();
    await approve(db, designated, id, ALERT_SETTINGS);
    const ran = await worker.runOnce();
    figures.chunked.push(performance.now() - t);
    if (ran !== 1) throw new Error(`expected the worker to run the fan-out job, it ran ${ran} jobs`);
    await check(db, id, units);
    const inbox = await unitInbox(db, coordinator);
    if (!inbox.items.some((i) => i.alertId === id)) throw new Error('the alert is not in the Queen Alexandra maternity inbox');

    // What a restarted worker pays to find the fan-out already done.
    t = performance.now();
    const again = await distribute(db, { alertId: id, version: 1, kind: 'activation' });
    figures.rerun.push(performance.now() - t);
    if (again.created !== 0) throw new Error('re-running the fan-out created deliveries');

    // Baseline: approve, then one transaction per unit (no chunking), same tables, same idempotency keys.
    const baselineId = await nationalAlertAwaitingApproval(db, `naive ${round}`);
    t = performance.now();
    await approve(db, designated, baselineId, ALERT_SETTINGS);
    const targets = await resolveRecipientUnits(db, { scope: 'national', unitTypes: [...DEFAULT_UNIT_TYPES] });
    for (const u of targets) {
      await db.transaction(async (tx) => {
        const [d] = await tx
          .insert(alertDeliveries)
          .values({ alertId: baselineId, version: 1, kind: 'activation', unitId: u.id })
          .onConflictDoNothing()
          .returning({ id: alertDeliveries.id });
        if (d) await enqueue(tx, EMAIL_JOB, { deliveryId: d.id }, { idempotencyKey: `delivery-email:${d.id}` });
      });
    }
    figures.naive.push(performance.now() - t);
    await check(db, baselineId, units);
    // Its own queued fan-out job is not needed: retire it so the next round's worker pass claims only its own.
    await db
      .update(jobs)
      .set({ status: 'done' })
      .where(and(eq(jobs.type, DISTRIBUTE_JOB), eq(jobs.status, 'pending')));
    // Keep later rounds comparable: the previous rounds' email jobs are not work for this benchmark.
    await db
      .update(jobs)
      .set({ status: 'done' })
      .where(and(eq(jobs.type, EMAIL_JOB), eq(jobs.status, 'pending')));
  }
  return figures;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const ms = (x: number) => `${Math.round(x).toLocaleString('en-GB')} ms`;
const rate = (n: number, x: number) => `${Math.round((n / x) * 1000).toLocaleString('en-GB')}/s`;

async function main() {
  const cpus = os.cpus();
  console.log('Beacon distribution benchmark: a national alert, from approval to every delivery (inbox item) recorded and every email job queued');
  console.log(
    `Machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}; Node ${process.version}`,
  );
  console.log(
    `Directory: demo + ${ORGANISATIONS.toLocaleString('en-GB')} synthetic organisations; ${REPEAT} rounds per engine (median shown, all rounds in brackets)\n`,
  );

  const results = await onBothEngines('distribute', PG_URL, run);

  const rows = results.map((r) => [
    r.engine,
    r.units.toLocaleString('en-GB'),
    `${ms(median(r.chunked))} (${r.chunked.map((x) => Math.round(x)).join(', ')})`,
    rate(r.units, median(r.chunked)),
    `${ms(median(r.naive))} (${r.naive.map((x) => Math.round(x)).join(', ')})`,
    rate(r.units, median(r.naive)),
    `${(median(r.naive) / median(r.chunked)).toFixed(1)}×`,
    ms(median(r.rerun)),
  ]);
  const head = ['Engine', 'Units', 'Service: approve → all delivered', 'Deliveries', 'Baseline: one tx per unit', 'Deliveries', 'Speed-up', 'Re-run (no-op)'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  console.log("\nDeliveries are the units' inbox items. Email jobs are queued with each chunk, in the same transaction; sending them is separate work.");
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
