/**
 * Point-of-care check over HTTP (issue 4): search latency with concurrent clients.
 * Run: npx tsx bench/check-http/run.ts [--alerts 2000] [--clients 1,4,16] [--seconds 10] [--seed 4]
 *
 * The real service (startService) on 127.0.0.1, an ephemeral port and a throwaway PGlite data directory,
 * with the demo directory and people. N active alerts about synthetic UK women (bench/match/synthetic.ts)
 * are validated with the alert content schema (parseAlertContent, as submit stores it) and written in
 * bulk (alert + version 1, active, approved by the designated nurse); the register index is then rebuilt.
 * One point-of-care person per client (same organisation and unit as the demo ED nurse), each signed in
 * through the sign-in form, so each client has its own session and its own search-limit bucket. The
 * per-person search limit is raised through BEACON_CHECK_SEARCH_LIMIT so the limit is not what is measured.
 *
 * Each concurrency level: C clients, for S seconds, each looping POST /api/check (JSON, with the session
 * cookie and X-CSRF-Token from GET /api/session) over a shuffled mix of queries: alert subjects presenting
 * with realistic corruptions (typos, nicknames, aliases, changed surnames, DOB errors, moves, no NHS
 * number…) and women with no alert (random, sisters of subjects, namesakes). The clients run in a separate
 * Node process (plain http with keep-alive), so client work does not share the server's event loop.
 * Latency is from writing the request to reading the whole response.
 *
 * Baseline, in the same run on the same register: the service's own in-process RegisterIndex.search for
 * the same queries (parsed as the endpoint parses them), i.e. the matching work alone, without HTTP,
 * sessions, validation, the sealed search record and the audit row that every check writes. Also shown,
 * to attribute the difference: the whole service call (checkForAlert) in-process, without HTTP.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { seedDemo } from '../../src/demo/seed';
import { detailsToQuery, registerIndexFor } from '../../src/identity/register-index';
import type { Query } from '../../src/identity/matching/model';
import { checkForAlert, MAX_CANDIDATES } from '../../src/identity/point-of-care/service';
import { parseCheckDetails } from '../../src/identity/point-of-care/details';
import { startService } from '../../src/server';
import { contextFor } from '../../test/support/alerts';
import { COMBINED_CORRUPTIONS, makeQuery, noAlertQuery, type NoAlertKind, Rng, SINGLE_CORRUPTIONS, type SingleCorruption } from '../match/synthetic';
import {
  BENCH_PASSWORD as PASSWORD,
  bodyOf,
  createBenchClinicians,
  fmt,
  insertSyntheticAlerts,
  pct,
  percentile,
  runJsonProcess,
  signIn,
  table,
} from '../support';

// ── Arguments ───────────────────────────────────────────────────────────────────────────────────────

const args = process.argv.slice(2);
const argOf = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const positive = (name: string, fallback: number, max: number) => {
  const raw = argOf(name);
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${name} must be a whole number from 1 to ${max}`);
  return n;
};
const ALERTS = positive('--alerts', 2000, 200_000);
const SECONDS = positive('--seconds', 10, 600);
const SEED = positive('--seed', 4, 2 ** 31);
const CLIENT_LEVELS = (argOf('--clients') ?? '1,4,16').split(',').map((s) => {
  const n = Number(s.trim());
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error('--clients must be a whole number (or comma-separated list) from 1 to 64');
  return n;
});
const WARMUP_SECONDS = 1;
const NO_ALERT_SHARE = 0.3;

// ── Queries ─────────────────────────────────────────────────────────────────────────────────────────

interface BenchQuery {
  body: Record<string, string>;
  /** The index query the endpoint builds from the body (for the in-process baseline). */
  query: Query;
  /** The alert she has, or null for a woman with no alert. */
  expected: string | null;
  kind: string;
}

// ── The client process (plain JavaScript: node:http with keep-alive) ───────────────────────────────

const CLIENT_SOURCE = `
import http from 'node:http';
let input = '';
for await (const chunk of process.stdin) input += chunk;
const { host, port, sessions, queries, seconds, maxRequests } = JSON.parse(input);
const agent = new http.Agent({ keepAlive: true, maxSockets: sessions.length });
const post = (s, payload) => new Promise((resolve) => {
  const t0 = performance.now();
  const req = http.request({ host, port, path: '/api/check', method: 'POST', agent, timeout: 30000,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), cookie: s.cookie, 'x-csrf-token': s.csrf } }, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => resolve({ ms: performance.now() - t0, status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
    res.on('error', () => resolve({ ms: performance.now() - t0, status: 0, text: '' }));
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', () => resolve({ ms: performance.now() - t0, status: 0, text: '' }));
  req.end(payload);
});
const latencies = [];
const statuses = {};
let found = 0, withAlert = 0, strongNoAlert = 0, noAlert = 0, sent = 0;
const start = performance.now();
const deadline = start + seconds * 1000;
await Promise.all(sessions.map(async (s, c) => {
  let i = (c * 7919) % queries.length;
  while (performance.now() < deadline && sent < maxRequests) {
    sent++;
    const q = queries[i];
    i = (i + 1) % queries.length;
    const r = await post(s, q.payload);
    latencies.push(r.ms);
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    if (r.status !== 200) continue;
    const candidates = JSON.parse(r.text).candidates ?? [];
    if (q.expected) { withAlert++; if (candidates.some((x) => x.alertId === q.expected)) found++; }
    else { noAlert++; if (candidates.some((x) => x.band === 'strong')) strongNoAlert++; }
  }
}));
const elapsed = performance.now() - start;
agent.destroy();
process.stdout.write(JSON.stringify({ latencies, statuses, elapsed, found, withAlert, strongNoAlert, noAlert }));
`;

interface ClientResult {
  latencies: number[];
  statuses: Record<string, number>;
  elapsed: number;
  found: number;
  withAlert: number;
  strongNoAlert: number;
  noAlert: number;
}

function runClients(url: URL, sessions: { cookie: string; csrf: string }[], queries: BenchQuery[], seconds: number): Promise<ClientResult> {
  // Bounded: the clients stop at their deadline; the kill is the backstop if something hangs.
  return runJsonProcess<ClientResult>(
    ['--input-type=module', '-e', CLIENT_SOURCE],
    {
      host: url.hostname,
      port: Number(url.port),
      sessions,
      queries: queries.map((q) => ({ payload: JSON.stringify(q.body), expected: q.expected })),
      seconds,
      maxRequests: 5_000_000,
    },
    (seconds + 60) * 1000,
    'client process',
  );
}

// ── Main ────────────────────────────────────────────────────────────────────────────────────────────

async function main() {
  const cpus = os.cpus();
  const maxClients = Math.max(...CLIENT_LEVELS);
  console.log('Beacon point-of-care check over HTTP: POST /api/check latency with concurrent clients (loopback)');
  console.log(
    `Machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}; Node ${process.version}`,
  );
  console.log(
    `Register: ${ALERTS.toLocaleString('en-GB')} active alerts (synthetic, seed ${SEED}); clients ${CLIENT_LEVELS.join(', ')}; ${SECONDS} s per level after ${WARMUP_SECONDS} s warm-up; PGlite (file-backed)\n`,
  );

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'beacon-bench-check-http-'));
  // The check's settings are read from the environment by the routes: no per-person limit in the way.
  process.env.BEACON_CHECK_SEARCH_LIMIT = '100000000';
  const config = loadConfig({
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: '0',
    BEACON_DATA_DIR: tmp,
    BEACON_DEMO_DATA: 'false',
    BEACON_WORKER: 'false',
    LOG_LEVEL: 'silent',
    SIGN_IN_RATE_LIMIT: '1000',
  });
  let service: Awaited<ReturnType<typeof startService>> | null = null;
  try {
    service = await startService(config);
    const db = service.database.db;
    const base = service.url;
    const url = new URL(base);

    // Demo directory and people, then one point-of-care person per client.
    let t = performance.now();
    await seedDemo(db, PASSWORD);
    const nurse = await contextFor(db, 'ed.nurse@beacon.example');
    const raiser = await contextFor(db, 'midwife@beacon.example');
    const approver = await contextFor(db, 'designated@beacon.example');
    const emails = await createBenchClinicians(db, nurse, maxClients, 'bench.check');
    const seedMs = performance.now() - t;

    // Synthetic alerts, validated as submit validates them, written in bulk.
    t = performance.now();
    const now = new Date();
    const rng = new Rng(SEED);
    const { people, rejected } = await insertSyntheticAlerts(db, raiser, approver, ALERTS, rng, now);

    const insertMs = performance.now() - t;
    t = performance.now();
    const index = registerIndexFor(service.database);
    const built = await index.build(db);
    const buildMs = performance.now() - t;

    // Queries: subjects presenting with every kind of error, and women with no alert.
    const kinds: (readonly SingleCorruption[])[] = [...SINGLE_CORRUPTIONS.map((c) => [c] as const), ...COMBINED_CORRUPTIONS];
    const register = people.map((x) => x.person);
    const queries: BenchQuery[] = [];
    let insufficient = 0;
    const target = Math.max(600, Math.min(5000, ALERTS * 2));
    const add = (q: Query | null, expected: string | null, kind: string) => {
      if (!q) return;
      const body = bodyOf(q);
      try {
        // As the endpoint parses it: anything it would refuse (too few details) is left out of the mix.
        const query = detailsToQuery(parseCheckDetails(body, now));
        queries.push({ body, query, expected, kind });
      } catch {
        insufficient++;
      }
    };
    for (let n = 0; queries.length < target && n < target * 4; n++) {
      if (rng.chance(NO_ALERT_SHARE)) {
        const kind: NoAlertKind = rng.chance(0.7) ? 'random' : rng.chance(0.5) ? 'sister' : 'sameName';
        add(noAlertQuery(rng, register, kind, `none${n}`), null, `no alert: ${kind}`);
      } else {
        const who = people[rng.int(people.length)]!;
        add(makeQuery(rng, who.person, rng.pick(kinds)), who.id, 'alert');
      }
    }
    const withAlert = queries.filter((q) => q.expected).length;

    console.log(
      `Set-up: demo data + ${maxClients} point-of-care people ${Math.round(seedMs)} ms; ${people.length.toLocaleString('en-GB')} alerts inserted in ${Math.round(insertMs)} ms (${rejected} synthetic people refused by the alert schema); register index rebuilt in ${Math.round(buildMs)} ms (${built.alerts.toLocaleString('en-GB')} alerts, ${built.identities.toLocaleString('en-GB')} identities)`,
    );
    console.log(
      `Queries: ${queries.length.toLocaleString('en-GB')} (${withAlert.toLocaleString('en-GB')} from alert subjects with corruptions, ${(queries.length - withAlert).toLocaleString('en-GB')} women with no alert; ${insufficient} drafts left out as too thin for the endpoint)\n`,
    );
    if (!queries.length) throw new Error('no usable queries');

    // Baseline: the in-process index search the endpoint performs, for the same queries.
    const baseline: number[] = [];
    let baselineFound = 0;
    for (const q of queries) index.search(q.query, MAX_CANDIDATES); // warm-up pass, not measured
    for (let pass = 0; pass < 3; pass++) {
      for (const q of queries) {
        const s = performance.now();
        const found = index.search(q.query, MAX_CANDIDATES);
        baseline.push(performance.now() - s);
        if (pass === 0 && q.expected && found.some((c) => c.alertId === q.expected)) baselineFound++;
      }
    }
    baseline.sort((a, b) => a - b);
    const baselineTotal = baseline.reduce((a, b) => a + b, 0);

    // For attribution: the whole service call without HTTP (validate, search, sealed record, audit row), one at a time.
    const benchCtx = await contextFor(db, emails[0]!);
    const service1: number[] = [];
    for (const q of queries.slice(0, Math.min(queries.length, 500))) {
      const s = performance.now();
      await checkForAlert(db, benchCtx, index, config.encryptionKey, q.body, new Date());
      service1.push(performance.now() - s);
    }
    service1.sort((a, b) => a - b);
    const service1Total = service1.reduce((a, b) => a + b, 0);

    // Sessions, one per client, signed in through the form.
    const sessions = [];
    for (const email of emails) sessions.push(await signIn(base, email));

    // Shuffle the mix so clients do not march through the alert queries in generation order.
    for (let i = queries.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [queries[i], queries[j]] = [queries[j]!, queries[i]!];
    }

    await runClients(url, sessions.slice(0, 1), queries, WARMUP_SECONDS);
    const results: { clients: number; r: ClientResult }[] = [];
    for (const c of CLIENT_LEVELS) {
      const r = await runClients(url, sessions.slice(0, c), queries, SECONDS);
      r.latencies.sort((a, b) => a - b);
      results.push({ clients: c, r });
    }

    const head = ['Clients', 'Requests', 'Req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'Errors', 'Alert found (top 5)', 'Strong on no-alert'];
    const rowsOut = results.map(({ clients, r }) => {
      const errors = Object.entries(r.statuses).filter(([s]) => s !== '200');
      return [
        `HTTP ×${clients}`,
        r.latencies.length.toLocaleString('en-GB'),
        (r.latencies.length / (r.elapsed / 1000)).toFixed(0),
        fmt(percentile(r.latencies, 50)),
        fmt(percentile(r.latencies, 95)),
        fmt(percentile(r.latencies, 99)),
        fmt(r.latencies[r.latencies.length - 1] ?? NaN),
        errors.length ? errors.map(([s, n]) => `${n} (${s === '0' ? 'network' : s})`).join(', ') : '0',
        pct(r.found, r.withAlert),
        `${r.strongNoAlert}/${r.noAlert}`,
      ];
    });
    rowsOut.push([
      'In-process search',
      baseline.length.toLocaleString('en-GB'),
      (baseline.length / (baselineTotal / 1000)).toFixed(0),
      fmt(percentile(baseline, 50)),
      fmt(percentile(baseline, 95)),
      fmt(percentile(baseline, 99)),
      fmt(baseline[baseline.length - 1] ?? NaN),
      '0',
      pct(baselineFound, withAlert),
      '–',
    ]);
    rowsOut.push([
      'In-process checkForAlert',
      service1.length.toLocaleString('en-GB'),
      (service1.length / (service1Total / 1000)).toFixed(0),
      fmt(percentile(service1, 50)),
      fmt(percentile(service1, 95)),
      fmt(percentile(service1, 99)),
      fmt(service1[service1.length - 1] ?? NaN),
      '0',
      '–',
      '–',
    ]);
    table(head, rowsOut);
    console.log(
      `\nHTTP: each client is signed in as its own point-of-care person and waits for each answer before sending the next (closed loop); req/s is completed requests over the level's wall time.` +
        `\nEvery HTTP check also validates the details, writes the sealed search record and an audit row (PGlite, single writer), which the in-process baseline does not.` +
        `\nIn-process: RegisterIndex.search(query, ${MAX_CANDIDATES}) on the service's own index, the same queries 3 times over, one at a time, server idle; its req/s is 1 / mean latency on one core.` +
        `\nIn-process checkForAlert: the endpoint's service call without HTTP or sessions (validation, search, sealed search record, audit row), up to 500 queries one at a time before the HTTP levels; it separates the database write from the HTTP overhead.`,
    );
  } finally {
    await service?.stop().catch((err) => console.error('stopping the service failed:', err));
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
