/**
 * Faults (issue 10): `npm run bench:faults [-- --engine pglite|postgres] [--rounds 20] [--kinds a,b]`
 * and `npm run bench:faults -- --pg-restart [--seconds 30]`.
 *
 * Kill -9 during every kind of job. One database is prepared with work queued for every kind of job
 * (bench/faults/scenario.ts) and kept as a template. A reference run copies it and lets the service's
 * worker (bench/faults/worker.ts, createWorker, in its own process) finish; its snapshot (rows per table,
 * jobs per type, emails by Message-ID) is what every other run must end with. Then, for each kind of job
 * the reference ran and each round: a fresh copy, the worker started, killed with SIGKILL just after the
 * n-th job of that kind starts (n and a 0–5 ms delay drawn at random, seeded), restarted until nothing is
 * left to do, and compared with the reference: lost (fewer of anything), duplicated (more), and emails
 * resent with the same Message-ID (at-least-once delivery: a mail server that de-duplicates on Message-ID
 * drops them). Recovery is the time from the restart to the last job done.
 *
 * PostgreSQL restarted under load (--pg-restart, needs root and pg_ctlcluster, as on the CI machine): the
 * service on a throwaway database, 4 clients sending point-of-care checks back to back, PostgreSQL
 * restarted a third of the way through; printed: errors while it was down, when answers came back, and
 * whether the service recovered without being restarted itself.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { loadConfig } from '../../src/config';
import { openDatabase } from '../../src/platform/db/engine';
import { rows } from '../../src/platform/db/sql';
import { startService } from '../../src/server';
import { contextFor, SUBJECT } from '../../test/support/alerts';
import { createThrowawayDatabase } from '../../test/support/pg-throwaway';
import { Rng } from '../match/synthetic';
import { BENCH_PASSWORD, createBenchClinicians, fmt, percentile, signIn, table } from '../support';
import { compare, queueEverything, type Snapshot, snapshot } from './scenario';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WORKER = path.join(ROOT, 'bench/faults/worker.ts');
const args = process.argv.slice(2);
const argOf = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const ROUNDS = Number(argOf('--rounds') ?? 20);
const ENGINE = (argOf('--engine') ?? 'pglite') as 'pglite' | 'postgres';
const SEED = Number(argOf('--seed') ?? 7);
const PG_BASE = process.env.BEACON_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Where one run keeps its database and mail: a copy of the template (PGlite directory or PostgreSQL database). */
interface Place {
  env: NodeJS.ProcessEnv;
  mailDir: string;
  open(): ReturnType<typeof openDatabase>;
  dispose(): Promise<void>;
}

async function templatePlace(tmp: string): Promise<{ make(name: string): Promise<Place>; dispose(): Promise<void> }> {
  const config = loadConfig({ NODE_ENV: 'test', BEACON_DATA_DIR: path.join(tmp, 'template') });
  if (ENGINE === 'pglite') {
    const dir = path.join(tmp, 'template');
    const database = await openDatabase({ dataDir: dir });
    await queueEverything(database.db, config.encryptionKey);
    await database.close();
    return {
      async make(name) {
        const dataDir = path.join(tmp, name);
        fs.cpSync(dir, dataDir, { recursive: true });
        return {
          env: { BEACON_DATA_DIR: dataDir },
          mailDir: path.join(dataDir, 'mail'),
          open: () => openDatabase({ dataDir }),
          dispose: async () => fs.rmSync(dataDir, { recursive: true, force: true }),
        };
      },
      dispose: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  const template = await createThrowawayDatabase(PG_BASE, 'beacon_faults_template');
  const database = await openDatabase({ databaseUrl: template.url });
  await queueEverything(database.db, config.encryptionKey);
  await database.close();
  return {
    async make(name) {
      const db = `beacon_faults_${name.replace(/\W/g, '_')}_${process.pid}`;
      const admin = new pg.Client({ connectionString: PG_BASE });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${db} TEMPLATE ${template.name}`);
      await admin.end();
      const url = new URL(PG_BASE);
      url.pathname = `/${db}`;
      const dataDir = path.join(tmp, name);
      fs.mkdirSync(dataDir, { recursive: true });
      return {
        env: { DATABASE_URL: url.toString(), BEACON_DATA_DIR: dataDir },
        mailDir: path.join(dataDir, 'mail'),
        open: () => openDatabase({ databaseUrl: url.toString() }),
        async dispose() {
          const c = new pg.Client({ connectionString: PG_BASE });
          await c.connect();
          await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
          await c.end();
          fs.rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
    dispose: () => template.drop(),
  };
}

function startWorker(
  place: Place,
  progress: string,
): { child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> } {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    BEACON_DEMO_DATA: 'false',
    BEACON_PROGRESS_FILE: progress,
    ...place.env,
  };
  if (!place.env.DATABASE_URL) delete env.DATABASE_URL;
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  return { child, exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr }))) };
}

const startedTypes = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

/** Run workers until no job is left to do (on PostgreSQL a dead worker's jobs wait for their lease). */
async function finish(place: Place, progress: string): Promise<number> {
  const t0 = performance.now();
  for (let attempt = 0; attempt < 10; attempt++) {
    const run = startWorker(place, progress);
    const done = await run.exited;
    if (done.code !== 0) throw new Error(`worker exited ${done.code}: ${done.stderr.slice(0, 500)}`);
    const database = await place.open();
    const left = await rows<{ type: string; status: string; attempts: number; last_error: string | null; run_at: string }>(
      database.db,
      sql`SELECT type, status, attempts, last_error, run_at::text FROM jobs WHERE status IN ('pending', 'running')`,
    );
    await database.close();
    if (!left.length) return performance.now() - t0;
    if (attempt === 9) throw new Error(`jobs still left after 10 worker runs: ${JSON.stringify(left.slice(0, 5))}`);
    await sleep(ENGINE === 'postgres' ? 5_000 : 100);
  }
  throw new Error('unreachable');
}

async function faults() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'beacon-faults-'));
  const rng = new Rng(SEED);
  console.log(`Beacon faults: kill -9 of the worker during every kind of job, then restart (${ENGINE}, ${ROUNDS} rounds per kind, seed ${SEED})`);
  const t0 = performance.now();
  const template = await templatePlace(tmp);
  try {
    const ref = await template.make('reference');
    const refProgress = path.join(tmp, 'reference.progress');
    const refMs = await finish(ref, refProgress);
    const refDb = await ref.open();
    const reference: Snapshot = await snapshot(refDb.db, ref.mailDir);
    await refDb.close();
    const order = startedTypes(refProgress);
    await ref.dispose();
    const counts = new Map<string, number>();
    for (const t of order) counts.set(t, (counts.get(t) ?? 0) + 1);
    const wanted = argOf('--kinds')?.split(',');
    const kinds = [...counts.keys()].filter((k) => !wanted || wanted.includes(k));
    console.log(
      `Prepared in ${Math.round((performance.now() - t0) / 1000)} s; the reference run did ${order.length} jobs of ${counts.size} kinds in ${Math.round(refMs)} ms and sent ${reference.emailsSent} emails\n`,
    );

    const out: string[][] = [];
    let totalLost = 0;
    let totalDuplicated = 0;
    for (const kind of kinds) {
      let killed = 0;
      let missed = 0;
      let resent = 0;
      const lost: string[] = [];
      const duplicated: string[] = [];
      const recovery: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const place = await template.make(`${kind}-${r}`);
        const progress = path.join(tmp, `${kind}-${r}.progress`);
        try {
          const target = 1 + rng.int(counts.get(kind)!);
          const delay = rng.int(6);
          const run = startWorker(place, progress);
          let exited = false;
          void run.exited.then(() => (exited = true));
          while (!exited) {
            if (startedTypes(progress).filter((t) => t === kind).length >= target) {
              if (delay) await sleep(delay);
              run.child.kill('SIGKILL');
              break;
            }
            await sleep(1);
          }
          const first = await run.exited;
          if (first.signal === 'SIGKILL') killed++;
          else missed++;
          recovery.push(await finish(place, progress));
          const database = await place.open();
          const got = await snapshot(database.db, place.mailDir);
          await database.close();
          const c = compare(reference, got);
          lost.push(...c.lost);
          duplicated.push(...c.duplicated);
          resent += c.resent;
        } finally {
          await place.dispose();
        }
      }
      recovery.sort((a, b) => a - b);
      totalLost += lost.length;
      totalDuplicated += duplicated.length;
      out.push([
        kind,
        `${killed}/${ROUNDS}`,
        String(lost.length),
        String(duplicated.length),
        String(resent),
        fmt(percentile(recovery, 50) / 1000),
        fmt((recovery[recovery.length - 1] ?? 0) / 1000),
      ]);
      if (lost.length || duplicated.length) console.log(`  ${kind}: lost ${lost.slice(0, 5).join('; ')} duplicated ${duplicated.slice(0, 5).join('; ')}`);
      if (missed) console.log(`  ${kind}: ${missed} round(s) finished before the kill point`);
    }
    table(['Job kind', 'Killed', 'Lost', 'Duplicated', 'Emails resent (same Message-ID)', 'Recovery p50 s', 'max s'], out);
    console.log(
      `\nTarget: 0 lost, 0 duplicated — ${totalLost === 0 && totalDuplicated === 0 ? 'MET' : 'MISSED'} (${totalLost} lost, ${totalDuplicated} duplicated over ${kinds.length} kinds × ${ROUNDS} rounds).`,
    );
    console.log(
      "Baseline: the reference run, never killed, in the same run. Recovery includes starting the worker process (about a second for Node and tsx); on PostgreSQL a dead worker's jobs are taken over when their 30 s lease lapses.",
    );
  } finally {
    await template.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function pgRestart() {
  const seconds = Number(argOf('--seconds') ?? 30);
  const cluster = fs.readdirSync('/etc/postgresql')[0];
  if (!cluster) throw new Error('no PostgreSQL cluster in /etc/postgresql');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'beacon-pg-restart-'));
  const throwaway = await createThrowawayDatabase(PG_BASE, 'beacon_pg_restart');
  process.env.BEACON_CHECK_SEARCH_LIMIT = '100000000';
  // Errors are logged (redacted), so an answer that should have been a 503 shows what it was.
  const config = loadConfig({
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: '0',
    BEACON_DATA_DIR: tmp,
    BEACON_DEMO_DATA: 'false',
    LOG_LEVEL: 'error',
    SIGN_IN_RATE_LIMIT: '1000',
    DATABASE_URL: throwaway.url,
  });
  const service = await startService(config);
  try {
    const { seedDemo } = await import('../../src/demo/seed');
    await seedDemo(service.database.db, BENCH_PASSWORD);
    const nurse = await contextFor(service.database.db, 'ed.nurse@beacon.example');
    const emails = await createBenchClinicians(service.database.db, nurse, 4, 'bench.restart');
    const sessions = await Promise.all(emails.map((e) => signIn(service.url, e)));
    console.log(`Beacon under load while PostgreSQL ${cluster}/main restarts: 4 clients, ${seconds} s, restart at ${Math.round(seconds / 3)} s`);
    const samples: { t: number; ok: boolean; ms: number; status: number }[] = [];
    const start = performance.now();
    const end = start + seconds * 1000;
    let restartedAt = 0;
    let backAt = 0;
    const restarter = (async () => {
      await sleep((seconds * 1000) / 3);
      restartedAt = performance.now() - start;
      execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', cluster, 'main', 'restart'], { stdio: 'ignore' });
      backAt = performance.now() - start;
    })();
    await Promise.all(
      sessions.map(async (s) => {
        while (performance.now() < end) {
          const t = performance.now();
          let ok = false;
          let status = 0;
          try {
            const res = await fetch(`${service.url}/api/check`, {
              method: 'POST',
              headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json' },
              body: JSON.stringify({ nhsNumber: SUBJECT.nhsNumber }),
              signal: AbortSignal.timeout(10_000),
            });
            status = res.status;
            ok = res.status === 200;
            await res.arrayBuffer();
          } catch {
            ok = false;
          }
          samples.push({ t: t - start, ok, ms: performance.now() - t, status });
          if (!ok) await sleep(50);
        }
      }),
    );
    await restarter;
    const failures = samples.filter((s) => !s.ok);
    const lastFailure = failures.length ? Math.max(...failures.map((f) => f.t + f.ms)) : 0;
    const afterwards = samples.filter((s) => s.t > Math.max(lastFailure, backAt));
    const lat = samples
      .filter((s) => s.ok)
      .map((s) => s.ms)
      .sort((a, b) => a - b);
    const byStatus: Record<string, number> = {};
    for (const f of failures) byStatus[f.status || 'network'] = (byStatus[f.status || 'network'] ?? 0) + 1;
    console.log(
      `Requests ${samples.length}; errors ${failures.length} (${JSON.stringify(byStatus)}), all between ${fmt(restartedAt / 1000)} s (restart began) and ${fmt(lastFailure / 1000)} s; PostgreSQL accepting again at ${fmt(backAt / 1000)} s`,
    );
    console.log(
      `After the restart: ${afterwards.length} requests, ${afterwards.filter((s) => s.ok).length} answered 200 — the service ${afterwards.length && afterwards.every((s) => s.ok) ? 'recovered without a restart of its own (MET)' : 'did NOT recover (MISSED)'}`,
    );
    console.log(
      `Latency of the successful checks: p50 ${fmt(percentile(lat, 50))} ms, p99 ${fmt(percentile(lat, 99))} ms. Baseline: the same checks in the first third, before the restart: p50 ${fmt(
        percentile(
          samples
            .filter((s) => s.ok && s.t < restartedAt)
            .map((s) => s.ms)
            .sort((a, b) => a - b),
          50,
        ),
      )} ms.`,
    );
  } finally {
    await service.stop().catch(() => undefined);
    await throwaway.drop().catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

(args.includes('--pg-restart') ? pgRestart() : faults()).then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
