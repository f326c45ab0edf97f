/**
 * Matching benchmark. Run: npx tsx bench/match/run.ts [--quick] [--seed N]
 *
 * 1. FEBRL4 (4a register, 4b queries) and FEBRL3 (each duplicate against the rest).
 * 2. Synthetic UK register: recall by corruption type, strong-band precision, false alarms for
 *    people with no alert; the matcher and baselines side by side.
 * 3. Latency and memory at 10k, 100k and 1M identities (--quick skips 1M).
 */
import { cpus, totalmem } from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import { estimateParameters } from '../../src/identity/matching/estimate';
import { MatchIndex } from '../../src/identity/matching/index';
import type { Identity, Query } from '../../src/identity/matching/model';
import { engineSystem, exactNameDobBaseline, exactNhsBaseline, type SearchSystem } from './baselines';
import { febrlAvailable, febrlDir, febrlIdentity, febrlQuery, loadFebrl } from './febrl';
import { fmt, metTag, percentile, table } from './report';
import { trigramFebrl } from './trigram';
import {
  COMBINED_CORRUPTIONS,
  corruptionLabel,
  generatePerson,
  makeQuery,
  type NoAlertKind,
  noAlertQuery,
  type Person,
  personIdentities,
  Rng,
  SINGLE_CORRUPTIONS,
  type SingleCorruption,
} from './synthetic';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const seedArg = args.indexOf('--seed');
const SEED = seedArg >= 0 ? Number(args[seedArg + 1]) : 20261127;

v8.setFlagsFromString('--expose_gc');
const gc = vm.runInNewContext('gc') as () => void;

const started = performance.now();
const out: string[] = [];
function print(s = ''): void {
  out.push(s);
  console.log(s);
}

interface Targets {
  febrl4Recall1?: number;
  synthRecall5?: number;
  synthMinTypeRecall5?: { value: number; type: string };
  strongPrecision?: number;
  falseAlarmsPer1000?: number;
  p99At1M?: number;
  trigramSpeedup?: number;
}
const measured: Targets = {};

// ---------------------------------------------------------------------------------------------
print('# Beacon identity matching benchmark');
print();
print(`date: ${new Date().toISOString()}  seed: ${SEED}${QUICK ? '  (--quick: 1M skipped)' : ''}`);
print(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, node ${process.version}, ${process.platform}/${process.arch}; single-threaded`,
);
print();

// ---------------------------------------------------------------------------------------------
// FEBRL

function recallRows(label: string, register: Identity[], queries: { q: Query; truth: string }[], index: MatchIndex) {
  for (const i of register) index.add(i);
  let r1 = 0;
  let r5 = 0;
  for (const { q, truth } of queries) {
    const res = index.search(q, { limit: 5 });
    if (res[0]?.subjectId === truth) r1++;
    if (res.some((c) => c.subjectId === truth)) r5++;
  }
  return [label, queries.length, fmt(r1 / queries.length, 4), fmt(r5 / queries.length, 4)];
}

if (febrlAvailable()) {
  print(`## FEBRL (${febrlDir()})`);
  print();
  const a = loadFebrl('dataset4a.csv');
  const b = loadFebrl('dataset4b.csv');
  const rows: (string | number)[][] = [];
  const q4 = b.map((r) => ({ q: febrlQuery(r), truth: r.person }));
  const idx4 = new MatchIndex();
  const row4 = recallRows('FEBRL4: 4a register, 4b queries (default m/u)', a.map(febrlIdentity), q4, idx4);
  rows.push(row4);
  measured.febrl4Recall1 = Number(row4[2]);

  // EM re-estimation from the blocked candidate pairs of the 4b queries (no truth used).
  const vectors = q4.flatMap(({ q }) => idx4.candidateVectors(q));
  const est = estimateParameters(vectors, { fixU: false });
  const idx4e = new MatchIndex({ params: est.params });
  rows.push(recallRows(`FEBRL4 with EM-estimated m/u (${est.pairs} pairs, ${est.iterations} iterations)`, a.map(febrlIdentity), q4, idx4e));

  // FEBRL3: index everything, query each duplicate against the rest (it is taken out while it is searched).
  const d3 = loadFebrl('dataset3.csv');
  const idx3 = new MatchIndex();
  for (const r of d3) idx3.add(febrlIdentity(r));
  let r1 = 0;
  let r5 = 0;
  let n3 = 0;
  for (const r of d3) {
    if (!r.recId.includes('-dup-')) continue;
    n3++;
    idx3.remove(r.recId);
    const res = idx3.search(febrlQuery(r), { limit: 5 });
    if (res[0]?.subjectId === r.person) r1++;
    if (res.some((c) => c.subjectId === r.person)) r5++;
    idx3.add(febrlIdentity(r));
  }
  rows.push(['FEBRL3: each duplicate against the rest', n3, fmt(r1 / n3, 4), fmt(r5 / n3, 4)]);
  print(table(['dataset', 'queries', 'recall@1', 'recall@5'], rows));
  print();

  // The same FEBRL4 register and queries: the matcher against PostgreSQL trigram search (pg_trgm on PGlite).
  const engineLat = new Float64Array(q4.length);
  q4.forEach(({ q }, i) => {
    const t = performance.now();
    idx4.search(q, { limit: 5 });
    engineLat[i] = performance.now() - t;
  });
  engineLat.sort();
  const trigram = await trigramFebrl(a, b);
  const enginePer = percentile(engineLat, 50);
  print('### FEBRL4: the matcher and PostgreSQL trigram search, same register and queries');
  print();
  print(
    table(
      ['system', 'recall@1', 'recall@5', 'p50 ms', 'p99 ms', 'p50 ratio to matcher'],
      [
        ['Beacon matcher (in process)', row4[2]!, row4[3]!, fmt(enginePer, 3), fmt(percentile(engineLat, 99), 3), '1'],
        ...trigram.map((t) => [
          t.name,
          fmt(t.recall1, 4),
          fmt(t.recall5, 4),
          fmt(percentile(t.latencies, 50), 3),
          fmt(percentile(t.latencies, 99), 3),
          fmt(percentile(t.latencies, 50) / enginePer, 1),
        ]),
      ],
    ),
  );
  print();
  measured.trigramSpeedup = Math.min(...trigram.map((t) => percentile(t.latencies, 50) / enginePer));
} else {
  print(`FEBRL files not found at ${febrlDir()} (set BEACON_FEBRL_DIR); skipped.`);
  print();
}

// ---------------------------------------------------------------------------------------------
// Synthetic accuracy

const REGISTER_SUBJECTS = 5000;
const PER_TYPE = QUICK ? 300 : 500;
const NO_ALERT = QUICK ? 10000 : 20000;

print(`## Synthetic UK register: ${REGISTER_SUBJECTS} subjects`);
print();
const rng = new Rng(SEED);
const register: Person[] = [];
for (let i = 0; i < REGISTER_SUBJECTS; i++) register.push(generatePerson(rng, `S${i}`));
const registerIdentities = register.flatMap(personIdentities);
const engineIndex = new MatchIndex();
const systems: SearchSystem[] = [engineSystem(engineIndex), exactNhsBaseline(), exactNameDobBaseline()];
for (const s of systems) for (const i of registerIdentities) s.add(i);
print(`${registerIdentities.length} identities indexed (aliases, other DOBs; previous names and addresses within identities).`);
print();

interface Tally {
  n: number;
  r1: number;
  r5: number;
  strongTop: number;
  strongCorrect: number;
  strongWrong: number;
}
const newTally = (): Tally => ({ n: 0, r1: 0, r5: 0, strongTop: 0, strongCorrect: 0, strongWrong: 0 });

const types: (readonly SingleCorruption[])[] = [...SINGLE_CORRUPTIONS.map((c) => [c] as const), ...COMBINED_CORRUPTIONS];
const tallies = new Map<string, Tally[]>(); // per type, per system
const queriesByType: { label: string; items: { q: Query; truth: string }[] }[] = [];
for (const t of types) {
  const items: { q: Query; truth: string }[] = [];
  for (let attempts = 0; items.length < PER_TYPE && attempts < PER_TYPE * 50; attempts++) {
    const p = register[rng.int(register.length)] as Person;
    const q = makeQuery(rng, p, t);
    if (q) items.push({ q, truth: p.subjectId });
  }
  queriesByType.push({ label: corruptionLabel(t), items });
}
const overall = systems.map(newTally);
for (const { label, items } of queriesByType) {
  const per = systems.map(newTally);
  for (const { q, truth } of items) {
    systems.forEach((s, si) => {
      const res = s.search(q, 5);
      for (const tl of [per[si] as Tally, overall[si] as Tally]) {
        tl.n++;
        if (res[0]?.subjectId === truth) tl.r1++;
        if (res.some((h) => h.subjectId === truth)) tl.r5++;
        if (res[0]?.subjectId === truth && res[0].strong) tl.strongTop++;
        for (const h of res) {
          if (!h.strong) continue;
          if (h.subjectId === truth) tl.strongCorrect++;
          else tl.strongWrong++;
        }
      }
    });
  }
  tallies.set(label, per);
}

const engineRows: (string | number)[][] = [];
let minType = { value: 1, type: '' };
for (const { label } of queriesByType) {
  const t = (tallies.get(label) as Tally[])[0] as Tally;
  const r5 = t.r5 / t.n;
  if (r5 < minType.value) minType = { value: r5, type: label };
  engineRows.push([
    label,
    t.n,
    fmt(t.r1 / t.n),
    fmt(r5),
    fmt(t.strongTop / t.n),
    ...systems.slice(1).map((_, si) => {
      const b = (tallies.get(label) as Tally[])[si + 1] as Tally;
      return fmt(b.r1 / b.n);
    }),
  ]);
}
const eo = overall[0] as Tally;
engineRows.push([
  'ALL',
  eo.n,
  fmt(eo.r1 / eo.n),
  fmt(eo.r5 / eo.n),
  fmt(eo.strongTop / eo.n),
  ...systems.slice(1).map((_, si) => {
    const b = overall[si + 1] as Tally;
    return fmt(b.r1 / b.n);
  }),
]);
measured.synthRecall5 = eo.r5 / eo.n;
measured.synthMinTypeRecall5 = minType;
print('Recall by corruption type (NHS number withheld unless the type says otherwise). "strong@1": right subject ranked first in the strong band.');
print();
print(table(['corruption', 'n', 'recall@1', 'recall@5', 'strong@1', 'exact NHS r@1', 'name+DOB r@1'], engineRows));
print();

// No-alert people.
const kinds: [NoAlertKind, number][] = [
  ['random', 0.85],
  ['sister', 0.1],
  ['sameName', 0.05],
];
const fa = new Map<string, { n: number; strong: number[]; possible: number }>();
for (const [k] of kinds) fa.set(k, { n: 0, strong: systems.map(() => 0), possible: 0 });
const noAlertStrongTotal = systems.map(() => 0);
for (let i = 0; i < NO_ALERT; i++) {
  const x = rng.next();
  const kind = x < 0.85 ? 'random' : x < 0.95 ? 'sister' : 'sameName';
  const q = noAlertQuery(rng, register, kind, `N${i}`);
  const f = fa.get(kind) as { n: number; strong: number[]; possible: number };
  f.n++;
  systems.forEach((s, si) => {
    const res = s.search(q, 5);
    if (res.some((h) => h.strong)) {
      (f.strong[si] as number)++;
      noAlertStrongTotal[si] = (noAlertStrongTotal[si] as number) + 1;
    }
    for (const h of res) if (h.strong) (overall[si] as Tally).strongWrong++;
    if (si === 0 && res.some((h) => h.possible)) f.possible++;
  });
}
const faRows: (string | number)[][] = [];
for (const [k] of kinds) {
  const f = fa.get(k) as { n: number; strong: number[]; possible: number };
  faRows.push([k, f.n, ...systems.map((_, si) => fmt((1000 * (f.strong[si] as number)) / f.n, 2)), fmt((1000 * f.possible) / f.n, 1)]);
}
faRows.push(['ALL', NO_ALERT, ...systems.map((_, si) => fmt((1000 * (noAlertStrongTotal[si] as number)) / NO_ALERT, 2)), '']);
measured.falseAlarmsPer1000 = (1000 * (noAlertStrongTotal[0] as number)) / NO_ALERT;
print(`People with no alert (${NO_ALERT}): strong-band false alarms per 1,000 (a person counts once if any of her top 5 is strong).`);
print('random = population sample; sister = same surname and address as a subject; sameName = same forename and surname as a subject.');
print();
print(table(['no-alert kind', 'people', ...systems.map((s) => `${s.name.replace('Baseline: ', '')} strong/1000`), 'engine possible/1000'], faRows));
print();

const precRows = systems.map((s, si) => {
  const t = overall[si] as Tally;
  const total = t.strongCorrect + t.strongWrong;
  return [s.name, total, t.strongWrong, fmt(total ? t.strongCorrect / total : Number.NaN, 5)];
});
measured.strongPrecision = (() => {
  const t = overall[0] as Tally;
  return t.strongCorrect / Math.max(1, t.strongCorrect + t.strongWrong);
})();
print('Strong-band precision over all synthetic searches (alert queries and no-alert people; every strong hit in the top 5).');
print();
print(table(['system', 'strong hits', 'wrong', 'precision'], precRows));
print();
print(`engine index stats: ${JSON.stringify(engineIndex.stats())}`);
print();

// ---------------------------------------------------------------------------------------------
// Latency and memory

print('## Latency and memory (in-process, one core)');
print();
const sizes = QUICK ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
const latRows: (string | number)[][] = [];
for (const size of sizes) {
  const r = new Rng(SEED + size);
  let index: MatchIndex | null = new MatchIndex();
  const sample: Person[] = [];
  let n = 0;
  let pid = 0;
  const tBuild = performance.now();
  while (n < size) {
    const p = generatePerson(r, `P${pid++}`);
    for (const i of personIdentities(p)) {
      if (n >= size) break;
      (index as MatchIndex).add(i);
      n++;
    }
    if (pid % Math.max(1, Math.floor(size / 2500)) === 0 && sample.length < 2000) sample.push(p);
  }
  const buildS = (performance.now() - tBuild) / 1000;
  // Queries: half corrupted queries of indexed people, half people with no alert.
  const queries: Query[] = [];
  for (const p of sample) {
    const t = types[r.int(types.length)] as readonly SingleCorruption[];
    const q = makeQuery(r, p, t) ?? makeQuery(r, p, ['missingNhs']);
    if (q) queries.push(q);
    queries.push(noAlertQuery(r, sample, r.chance(0.8) ? 'random' : 'sister', `L${queries.length}`));
  }
  for (let i = 0; i < 300; i++) (index as MatchIndex).search(queries[i % queries.length] as Query, { limit: 10 });
  const times = new Float64Array(queries.length);
  queries.forEach((q, i) => {
    const t0 = performance.now();
    (index as MatchIndex).search(q, { limit: 10 });
    times[i] = performance.now() - t0;
  });
  times.sort();
  const st = index.stats();
  // Memory: heap + array buffers with the index, minus the same after dropping it.
  gc();
  gc();
  const withIndex = process.memoryUsage();
  index = null;
  gc();
  gc();
  const without = process.memoryUsage();
  const bytes = withIndex.heapUsed + withIndex.arrayBuffers - (without.heapUsed + without.arrayBuffers);
  const p99 = percentile(times, 99);
  if (size === 1_000_000) measured.p99At1M = p99;
  latRows.push([
    size.toLocaleString('en-GB'),
    queries.length,
    fmt(percentile(times, 50), 3),
    fmt(percentile(times, 95), 3),
    fmt(p99, 3),
    fmt(times[times.length - 1] as number, 2),
    fmt(st.meanCandidatesScored, 0),
    st.oversizedBlocks,
    fmt(bytes / size, 0),
    fmt(buildS, 1),
  ]);
  print(`  ${size.toLocaleString('en-GB')} identities: built in ${buildS.toFixed(1)} s; ${JSON.stringify(st)}`);
}
print();
print(table(['identities', 'queries', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'candidates/query', 'capped blocks', 'bytes/identity', 'build s'], latRows));
print();
print(
  'bytes/identity: V8 heap + array buffers held by the index (measured after GC with the index, minus after dropping it), divided by identities; includes id strings and maps.',
);
print();

// ---------------------------------------------------------------------------------------------
// Targets

print('## Targets');
print();
const targetRows: (string | number)[][] = [];
const tgt = (name: string, value: number | undefined, goal: string, ok: (v: number) => boolean, digits = 4) => {
  targetRows.push([name, value === undefined ? 'not run' : fmt(value, digits), goal, value === undefined ? 'not run' : metTag(ok(value))]);
};
tgt('FEBRL4 recall@1', measured.febrl4Recall1, '≥ 0.997', (v) => v >= 0.997);
tgt('synthetic recall@5, all queries', measured.synthRecall5, '≥ 0.995', (v) => v >= 0.995);
tgt(`synthetic recall@5, worst type (${measured.synthMinTypeRecall5?.type ?? ''})`, measured.synthMinTypeRecall5?.value, '≥ 0.98', (v) => v >= 0.98);
tgt('strong-band precision', measured.strongPrecision, '≥ 0.999', (v) => v >= 0.999, 5);
tgt('strong false alarms per 1,000 people with no alert', measured.falseAlarmsPer1000, '≤ 1', (v) => v <= 1, 2);
tgt('p99 latency at 1M identities (ms)', measured.p99At1M, '≤ 5', (v) => v <= 5, 2);
tgt('matcher speed-up over PostgreSQL trigram (p50, FEBRL4)', measured.trigramSpeedup, '≥ 5×', (v) => v >= 5, 1);
print(table(['target', 'measured', 'goal', 'status'], targetRows));
print();
print(`total run time: ${((performance.now() - started) / 1000).toFixed(0)} s`);
