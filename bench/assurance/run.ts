/**
 * The SOP audit benchmark, on both engines: a year of a region's alert data — 10,000 alerts raised by the
 * Southampton trust with their submission and approval, 100 deliveries each to Southampton units (1,000,000
 * deliveries, most acknowledged, some late, some escalated, a tenth overtaken by an update) — and the six-month
 * audit with its baseline computed over it through the service (`getRun` on a draft: facts, measures, figures,
 * names, the audit record). Beside it, the baseline: the same audit over a partnership with a hundredth of the
 * data (100 alerts, 10,000 deliveries, in Portsmouth). Targets: under 2 s on PostgreSQL, under 10 s on PGlite.
 *
 *   npm run bench:assurance [-- --alerts 10000 --per-alert 100 --baseline 100]
 *
 * The data is bulk-inserted with generate_series (a year of history is not played through the services here:
 * the demo does that); the audit reads it only through the assurance service. Cases are not part of the SOP
 * audit (the protocol audit over case data is still to come), so none are made.
 */
import os from 'node:os';
import { eq, sql } from 'drizzle-orm';
import { seedDemo } from '../../src/demo/seed';
import { geographies, organisations } from '../../src/directory/schema';
import { users } from '../../src/platform/auth/schema';
import type { Database, Db } from '../../src/platform/db/engine';
import { rows } from '../../src/platform/db/sql';
import { getRun, startRun } from '../../src/assurance/audits';
import { createUser } from '../../src/people/service';
import { contextFor } from '../../test/support/alerts';
import { onBothEngines } from '../engines';
import { numberArg } from '../args';

const ALERTS = numberArg('--alerts', 10_000);
const PER_ALERT = numberArg('--per-alert', 100);
const BASELINE = numberArg('--baseline', 100);
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DAY = 86_400_000;

interface Figures {
  engine: string;
  alerts: number;
  deliveries: number;
  loadMs: number;
  auditMs: number[];
  baselineAlerts: number;
  baselineDeliveries: number;
  baselineMs: number[];
  acknowledged: { met: number; total: number };
}

/**
 * `n` alerts of `ods`, over the year before `now`, each submitted, approved 1–30 hours later and delivered
 * to `perAlert` of the organisation's units; acknowledgements from minutes to days, a few never (escalated).
 */
async function load(db: Db, ods: string, n: number, perAlert: number, tag: string, now: Date) {
  const [org] = await db.select({ id: organisations.id }).from(organisations).where(eq(organisations.odsCode, ods));
  const [raiser] = await db.select({ id: users.id }).from(users).where(eq(users.email, 'midwife@beacon.example'));
  const o = org!.id;
  const yearAgo = new Date(now.getTime() - 365 * DAY).toISOString();
  await db.execute(sql`insert into units (organisation_id, name, type)
    select ${o}::uuid, ${`${tag} unit `}::text || g::text, 'maternity' from generate_series(1, ${perAlert}) g`);
  await db.execute(sql`insert into alerts (id, reference, status, originator_user_id, originator_organisation_id, approved_at, created_at)
    select md5(${tag}::text || g::text)::uuid, ${`B-${tag}-`}::text || g::text, 'active', ${raiser!.id}::uuid, ${o}::uuid,
      ${yearAgo}::timestamptz + (g * interval '1 second' * (31536000 / ${n})) + ((1 + g % 30) * interval '1 hour'),
      ${yearAgo}::timestamptz + (g * interval '1 second' * (31536000 / ${n}))
    from generate_series(1, ${n}) g`);
  await db.execute(sql`insert into alert_versions (alert_id, version, status, content)
    select a.id, 1, 'active', jsonb_build_object(
      'subject', jsonb_build_object('nhsNumbers', case when hashtext(a.id::text) % 10 = 0 then '[]'::jsonb else '[{"value":"9434765919"}]'::jsonb end),
      'pregnancy', jsonb_build_object('edd', '2026-01-01'),
      'distribution', jsonb_build_object('scope', 'units', 'scopeReason', 'Bench'))
    from alerts a where a.reference like ${`B-${tag}-%`}`);
  await db.execute(sql`insert into alert_events (alert_id, event, from_status, to_status, version, at)
    select a.id, 'submit', 'draft', 'submitted', 1, a.created_at from alerts a where a.reference like ${`B-${tag}-%`}
    union all
    select a.id, 'approve', 'submitted', 'active', 1, a.approved_at from alerts a where a.reference like ${`B-${tag}-%`}`);
  await db.execute(sql`insert into alert_deliveries (alert_id, version, kind, unit_id, created_at, acknowledged_at, escalated_at)
    select a.id, 1, 'activation', u.id, a.approved_at + interval '2 minutes',
      case when (hashtext(a.id::text || u.id::text) & 1023) < 980 then a.approved_at + ((hashtext(a.id::text || u.id::text) & 2047) * interval '1 minute') end,
      case when (hashtext(a.id::text || u.id::text) & 1023) >= 980 then a.approved_at + interval '25 hours' end
    from alerts a cross join units u
    where a.reference like ${`B-${tag}-%`} and u.name like ${`${tag} unit %`}`);
  // A tenth of the alerts were updated a few hours later: a second delivery to every unit.
  await db.execute(sql`insert into alert_deliveries (alert_id, version, kind, unit_id, created_at, acknowledged_at)
    select d.alert_id, 2, 'update', d.unit_id, d.created_at + interval '3 hours', d.created_at + interval '4 hours'
    from alert_deliveries d join alerts a on a.id = d.alert_id
    where a.reference like ${`B-${tag}-%`} and hashtext(a.id::text) % 10 = 1`);
  const [counted] = await rows<{ n: number }>(
    db,
    sql`select count(*)::int as n from alert_deliveries d join alerts a on a.id = d.alert_id where a.reference like ${`B-${tag}-%`}`,
  );
  return Number(counted?.n ?? 0);
}

async function run(engine: string, database: Database): Promise<Figures> {
  const db = database.db;
  const password = 'correct horse battery staple 42';
  await seedDemo(db, password);
  const admin = await contextFor(db, 'admin@beacon.example');
  const [rhm] = await db.select({ id: organisations.id }).from(organisations).where(eq(organisations.odsCode, 'RHM'));
  await createUser(
    db,
    admin,
    {
      email: 'bench.manager@beacon.example',
      displayName: 'Bench Manager',
      jobTitle: 'Partnership manager',
      organisationId: rhm!.id,
      role: 'partnership_manager',
      unitId: '',
    },
    { password },
  );
  const auditor = await contextFor(db, 'auditor@beacon.example');
  const now = new Date();
  let t = performance.now();
  const deliveries = await load(db, 'RHM', ALERTS, PER_ALERT, 'big', now);
  const baselineDeliveries = await load(db, 'RHU', BASELINE, PER_ALERT, 'small', now);
  await db.execute(sql`analyze`);
  const loadMs = performance.now() - t;

  const partnership = async (code: string) => (await db.select({ id: geographies.id }).from(geographies).where(eq(geographies.code, code)))[0]!.id;
  const from = new Date(now.getTime() - 182 * DAY).toISOString().slice(0, 10);
  const big = await startRun(db, await contextFor(db, 'bench.manager@beacon.example'), { partnershipId: await partnership('E06000045'), from, months: 6 });
  const designated = await contextFor(db, 'designated@beacon.example');
  const small = await startRun(db, designated, { partnershipId: await partnership('E06000044'), from, months: 6 });
  const times = async (id: string) => {
    const out: number[] = [];
    let last: Awaited<ReturnType<typeof getRun>> | null = null;
    for (let i = 0; i < 3; i++) {
      t = performance.now();
      last = await getRun(db, auditor, id);
      out.push(performance.now() - t);
    }
    return { out, last: last! };
  };
  const audit = await times(big.id);
  const baseline = await times(small.id);
  const ack = audit.last.report.criteria.find((c) => c.key === 'acknowledged')!.figures;
  const counted = ack.period.total + (ack.baseline?.total ?? 0);
  if (counted === 0 || counted > deliveries) throw new Error(`${engine}: the audit counted ${counted} deliveries of ${deliveries}`);
  return {
    engine,
    alerts: ALERTS,
    deliveries,
    loadMs,
    auditMs: audit.out,
    baselineAlerts: BASELINE,
    baselineDeliveries,
    baselineMs: baseline.out,
    acknowledged: { met: ack.period.met + (ack.baseline?.met ?? 0), total: counted },
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const ms = (x: number) => `${Math.round(x).toLocaleString('en-GB')} ms`;
const n = (x: number) => x.toLocaleString('en-GB');

async function main() {
  const cpus = os.cpus();
  console.log(`Beacon SOP audit benchmark: ${n(ALERTS)} alerts and ${n(ALERTS * PER_ALERT)} deliveries over a year, a six-month audit with its baseline`);
  console.log(
    `Machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}; Node ${process.version}\n`,
  );
  const results = await onBothEngines('assurance', PG_URL, run);
  console.log('The audit computed from the records (getRun on a draft), median of 3 (targets: under 2 s on PostgreSQL, under 10 s on PGlite)');
  console.log(
    '| engine | alerts | deliveries | audit (median) | runs | deliveries counted (acknowledged in time) | baseline: alerts | baseline: deliveries | baseline: audit (median) | loading the data |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results)
    console.log(
      `| ${r.engine} | ${n(r.alerts)} | ${n(r.deliveries)} | ${ms(median(r.auditMs))} | ${r.auditMs.map(ms).join(', ')} | ${n(r.acknowledged.total)} (${n(r.acknowledged.met)}) | ${n(r.baselineAlerts)} | ${n(r.baselineDeliveries)} | ${ms(median(r.baselineMs))} | ${ms(r.loadMs)} |`,
    );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
