/**
 * Mixed load on the real service (issue 10): `npm run bench:load [-- --engine pglite|postgres|both]
 * [--seconds 60] [--alerts 2000] [--seed 10]`.
 *
 * For each engine: the service (startService, worker on) on 127.0.0.1 and an ephemeral port, with the
 * demo directory and people, a register of synthetic active alerts written in bulk plus a few raised
 * through the services (so that they are distributed to the units and can be acknowledged), and these
 * at once, for --seconds, from a separate load process (autocannon, bench/load/client.ts):
 *  - point-of-care checks: 16 connections, each signed in as its own ED clinician, POST /api/check over a
 *    mix of alert subjects presenting with errors in their details and women with no alert;
 *  - the unit inbox page: 2 connections, maternity unit coordinators, GET /inbox;
 *  - alert pages: 2 connections, the safeguarding midwife who raised them, GET /alerts/:id;
 *  - acknowledgements: 1 connection, the unit coordinator (who has read each alert in the set-up), POST /api/alerts/deliveries/:id/acknowledge
 *    over the unit's deliveries (acknowledging twice is a no-op, as for a person who clicks twice).
 * Baseline in the same run, before the mix: GET /ping (no session, no database) from 16 connections for a
 * fifth of the time: what HTTP alone costs on this machine.
 *
 * Printed: per scenario, requests, req/s, p50/p90/p99/max latency and errors (any status that is not 2xx
 * or 3xx, socket errors, timeouts); then the targets (0 errors; point-of-care p99 ≤ 50 ms on PostgreSQL).
 * PostgreSQL: a throwaway database on BEACON_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres),
 * dropped at the end. Loopback only; everything it creates is removed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { fileURLToPath } from 'node:url';
import { DISTRIBUTE_JOB } from '../../src/alerts/distribution';
import { alertDeliveries } from '../../src/alerts/schema';
import { getAlert } from '../../src/alerts/service';
import { addDays, londonDate } from '../../src/alerts/pregnancy';
import { loadConfig } from '../../src/config';
import { seedDemo } from '../../src/demo/seed';
import { units } from '../../src/directory/schema';
import { detailsToQuery, registerIndexFor } from '../../src/identity/register-index';
import { parseCheckDetails } from '../../src/identity/point-of-care/details';
import { createUser } from '../../src/people/service';
import { systemContext } from '../../src/platform/context';
import { rows } from '../../src/platform/db/sql';
import { startService } from '../../src/server';
import { contextFor, raiseActiveAlert } from '../../test/support/alerts';
import { createThrowawayDatabase } from '../../test/support/pg-throwaway';
import { COMBINED_CORRUPTIONS, generatePerson, makeQuery, noAlertQuery, Rng, SINGLE_CORRUPTIONS, type SingleCorruption } from '../match/synthetic';
import { alertInput, BENCH_PASSWORD, bodyOf, createBenchClinicians, fmt, insertSyntheticAlerts, runJsonProcess, signIn, table } from '../support';
import type { Plan, PlannedRequest, ScenarioResult } from './client';

const args = process.argv.slice(2);
const argOf = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const whole = (name: string, fallback: number, max: number) => {
  const n = Number(argOf(name) ?? fallback);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${name} must be a whole number from 1 to ${max}`);
  return n;
};
const SECONDS = whole('--seconds', 60, 600);
const ALERTS = whole('--alerts', 2000, 100_000);
const SEED = whole('--seed', 10, 2 ** 31);
const ENGINE = argOf('--engine') ?? 'both';
if (!['pglite', 'postgres', 'both'].includes(ENGINE)) throw new Error('--engine must be pglite, postgres or both');
const PG_BASE = process.env.BEACON_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CHECK_CLIENTS = 16;
const RAISED = 30;
const POC_P99_TARGET_MS = 50;

const CLIENT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'client.ts');

function runLoad(plan: Plan): Promise<ScenarioResult[]> {
  return runJsonProcess<ScenarioResult[]>(['--import', 'tsx', CLIENT], plan, (plan.seconds + 120) * 1000, 'load process');
}

interface EngineResult {
  engine: string;
  baseline: ScenarioResult;
  mix: ScenarioResult[];
  setup: string;
}

async function runEngine(engine: 'pglite' | 'postgres'): Promise<EngineResult> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `beacon-bench-load-${engine}-`));
  const throwaway = engine === 'postgres' ? await createThrowawayDatabase(PG_BASE, 'beacon_bench_load') : null;
  // Read from the environment by the point-of-care routes: the per-person limit is not what is measured.
  process.env.BEACON_CHECK_SEARCH_LIMIT = '100000000';
  const config = loadConfig({
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: '0',
    BEACON_DATA_DIR: tmp,
    BEACON_DEMO_DATA: 'false',
    LOG_LEVEL: 'silent',
    SIGN_IN_RATE_LIMIT: '1000',
    ...(throwaway ? { DATABASE_URL: throwaway.url } : {}),
  });
  let service: Awaited<ReturnType<typeof startService>> | null = null;
  try {
    const t0 = performance.now();
    service = await startService(config);
    const db = service.database.db;
    await seedDemo(db, BENCH_PASSWORD);
    const nurse = await contextFor(db, 'ed.nurse@beacon.example');
    const midwife = await contextFor(db, 'midwife@beacon.example');
    const designated = await contextFor(db, 'designated@beacon.example');
    const coordinator = await contextFor(db, 'coordinator.pah@beacon.example');
    const clinicians = await createBenchClinicians(db, nurse, CHECK_CLIENTS, 'bench.load');
    const secondCoordinator = 'bench.coordinator@beacon.example';
    await createUser(
      db,
      systemContext('bench-load'),
      {
        email: secondCoordinator,
        displayName: 'Bench coordinator',
        jobTitle: 'Ward manager',
        organisationId: coordinator.actor.organisationId,
        role: 'unit_coordinator',
        unitId: coordinator.actor.unitId ?? '',
      },
      { password: BENCH_PASSWORD },
    );

    // The register: bulk synthetic alerts, and some raised through the services and distributed.
    const now = new Date();
    const rng = new Rng(SEED);
    const { people } = await insertSyntheticAlerts(db, midwife, designated, ALERTS, rng, now);
    const raised: string[] = [];
    for (let i = 0; i < RAISED; i++) {
      const p = generatePerson(rng, `raised${i}`);
      p.edd = addDays(londonDate(now), 30 + i);
      raised.push((await raiseActiveAlert(db, midwife, designated, alertInput(p, londonDate(now)), now)).id);
    }
    await registerIndexFor(service.database).build(db);
    const deadline = Date.now() + 120_000;
    let deliveries: { id: string }[] = [];
    for (;;) {
      deliveries = await db
        .select({ id: alertDeliveries.id })
        .from(alertDeliveries)
        .where(and(inArray(alertDeliveries.alertId, raised), eq(alertDeliveries.unitId, coordinator.actor.unitId!)));
      const [pending] = await rows<{ n: number }>(
        db,
        sql`SELECT count(*)::int AS n FROM jobs WHERE status IN ('pending', 'running') AND type = ${DISTRIBUTE_JOB}`,
      );
      if ((deliveries.length >= RAISED && !Number(pending?.n)) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    if (!deliveries.length) throw new Error('no deliveries reached the unit: is the worker running?');
    // A coordinator acknowledges only what they have read: the one who acknowledges opens each alert first.
    for (const id of raised) await getAlert(db, coordinator, id, 'bench: read before acknowledging');
    const [unit] = await db.select({ name: units.name }).from(units).where(eq(units.id, coordinator.actor.unitId!));

    // Check bodies: subjects presenting with every kind of error, and women with no alert.
    const kinds: (readonly SingleCorruption[])[] = [...SINGLE_CORRUPTIONS.map((c) => [c] as const), ...COMBINED_CORRUPTIONS];
    const register = people.map((x) => x.person);
    const checks: PlannedRequest[] = [];
    for (let n = 0; checks.length < 3000 && n < 12_000; n++) {
      const q = rng.chance(0.3) ? noAlertQuery(rng, register, 'random', `none${n}`) : makeQuery(rng, people[rng.int(people.length)]!.person, rng.pick(kinds));
      if (!q) continue;
      const body = bodyOf(q);
      try {
        detailsToQuery(parseCheckDetails(body, now));
        checks.push({ method: 'POST', path: '/api/check', body: JSON.stringify(body) });
      } catch {
        // too thin for the endpoint: left out
      }
    }

    const base = service.url;
    const sessions = async (emails: string[]) => Promise.all(emails.map((e) => signIn(base, e)));
    const [checkSessions, coordinatorSessions, midwifeSessions] = await Promise.all([
      sessions(clinicians),
      sessions(['coordinator.pah@beacon.example', secondCoordinator]),
      sessions(['midwife@beacon.example']),
    ]);
    const alertIds = [...raised, ...people.slice(0, 200).map((p) => p.id)];
    const setup = `set-up ${Math.round((performance.now() - t0) / 1000)} s: ${ALERTS.toLocaleString('en-GB')} bulk + ${RAISED} distributed alerts; ${deliveries.length} deliveries to ${unit?.name ?? 'the unit'}; ${checks.length.toLocaleString('en-GB')} check bodies`;

    const baseline = (
      await runLoad({
        url: base,
        seconds: Math.max(2, Math.round(SECONDS / 5)),
        scenarios: [{ name: 'GET /ping (baseline)', connections: 16, sessions: [{ cookie: '', csrf: '' }], requests: [{ method: 'GET', path: '/ping' }] }],
      })
    )[0]!;
    const mix = await runLoad({
      url: base,
      seconds: SECONDS,
      scenarios: [
        { name: 'POST /api/check', connections: CHECK_CLIENTS, sessions: checkSessions, requests: checks },
        { name: 'GET /inbox', connections: 2, sessions: coordinatorSessions, requests: [{ method: 'GET', path: '/inbox' }] },
        { name: 'GET /alerts/:id', connections: 2, sessions: midwifeSessions, requests: alertIds.map((id) => ({ method: 'GET', path: `/alerts/${id}` })) },
        {
          name: 'POST acknowledge',
          connections: 1,
          sessions: coordinatorSessions.slice(0, 1),
          requests: deliveries.map((d) => ({ method: 'POST', path: `/api/alerts/deliveries/${d.id}/acknowledge`, body: '{}' })),
        },
      ],
    });
    return { engine, baseline, mix, setup };
  } finally {
    await service?.stop().catch((err) => console.error('stopping the service failed:', err));
    await throwaway?.drop().catch((err) => console.error('dropping the database failed:', err));
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const errorsOf = (r: ScenarioResult) =>
  Object.entries(r.statuses)
    .filter(([s]) => !/^[23]/.test(s))
    .reduce((a, [, n]) => a + n, 0) +
  r.errors +
  r.timeouts;

async function main() {
  const cpus = os.cpus();
  console.log('Beacon mixed load: point-of-care checks, inbox and alert pages, acknowledgements at once (loopback, autocannon)');
  console.log(
    `Machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; Node ${process.version}; ${SECONDS} s per engine; seed ${SEED}\n`,
  );
  const engines: ('pglite' | 'postgres')[] = ENGINE === 'both' ? ['pglite', 'postgres'] : [ENGINE as 'pglite' | 'postgres'];
  const results: EngineResult[] = [];
  for (const e of engines) {
    const r = await runEngine(e);
    results.push(r);
    console.log(`${e}: ${r.setup}`);
  }
  console.log('');
  const head = ['Engine', 'Traffic', 'Conns', 'Requests', 'Req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'Errors'];
  const out: string[][] = [];
  for (const r of results) {
    for (const s of [r.baseline, ...r.mix]) {
      const errors = errorsOf(s);
      const detail = Object.entries(s.statuses)
        .filter(([st]) => !/^[23]/.test(st))
        .map(([st, n]) => `${n}×${st}`)
        .join(' ');
      out.push([
        r.engine,
        s.name,
        String(s.connections),
        s.requests.toLocaleString('en-GB'),
        fmt(s.perSecond),
        fmt(s.p50),
        fmt(s.p90),
        fmt(s.p99),
        fmt(s.max),
        errors ? `${errors} (${[detail, s.errors ? `${s.errors} socket` : '', s.timeouts ? `${s.timeouts} timeouts` : ''].filter(Boolean).join(', ')})` : '0',
      ]);
    }
  }
  table(head, out);
  console.log('\nTargets');
  for (const r of results) {
    const errors = r.mix.reduce((a, s) => a + errorsOf(s), 0);
    console.log(`  ${r.engine}: errors under mixed load ${errors} (target 0) — ${errors === 0 ? 'MET' : 'MISSED'}`);
    const poc = r.mix.find((s) => s.name === 'POST /api/check')!;
    if (r.engine === 'postgres')
      console.log(`  postgres: point-of-care p99 ${fmt(poc.p99)} ms (target ≤ ${POC_P99_TARGET_MS} ms) — ${poc.p99 <= POC_P99_TARGET_MS ? 'MET' : 'MISSED'}`);
    else console.log(`  pglite: point-of-care p99 ${fmt(poc.p99)} ms (no target: one embedded writer; shown for comparison)`);
  }
  console.log(
    "\nLatency is autocannon's (request written → response read), in whole milliseconds; every connection waits for each answer before sending the next. The baseline is GET /ping with no session and no database, run first on the same service.",
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
