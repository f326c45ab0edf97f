/**
 * The library benchmark, on both engines: circulating a published version to 20,000 people (a reading task
 * and an email job each, in the outbox, in one transaction), the readership report over those 20,000 with
 * about six in ten confirmed (grouped counts, the knowledge check, the daily series and its SVG chart), and
 * the hourly reading reminders over them. Each beside a baseline: the same operation for 200 people.
 *
 *   npm run bench:library [-- --people 20000 --baseline 200]
 *
 * The people are bulk-inserted (users and memberships) across the agencies of the four partnerships; the
 * readings' progress is set with one UPDATE; everything timed goes through the library's own services.
 */
import os from 'node:os';
import { and, eq, sql } from 'drizzle-orm';
import { seedDemo } from '../../src/demo/seed';
import { organisations } from '../../src/directory/schema';
import { memberships } from '../../src/people/schema';
import { users } from '../../src/platform/auth/schema';
import { jobs } from '../../src/platform/jobs/schema';
import type { Database, Db } from '../../src/platform/db/engine';
import { approveVersion, createDocument, publishVersion, sendForReview, updateDraft } from '../../src/library/documents';
import { circulate } from '../../src/library/circulation';
import { readership } from '../../src/library/readership';
import { sendReadReminders } from '../../src/library/notify';
import { libraryReads } from '../../src/library/schema';
import { LIBRARY_EMAIL_JOB } from '../../src/library/notices';
import { contextFor } from '../../test/support/alerts';
import { onBothEngines } from '../engines';
import { numberArg } from '../args';

const PEOPLE = numberArg('--people', 20_000);
const BASELINE = numberArg('--baseline', 200);
const PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DAY = 86_400_000;
const ROLES = ['point_of_care', 'point_of_care', 'point_of_care', 'safeguarding_practitioner', 'social_worker', 'unit_coordinator'];

interface Figures {
  engine: string;
  asked: number;
  circulateMs: number;
  baselineAsked: number;
  baselineCirculateMs: number;
  emailJobs: number;
  reportMs: number[];
  baselineReportMs: number[];
  acknowledged: number;
  remindersMs: number;
  reminders: number;
  baselineRemindersMs: number;
}

/** `n` synthetic people (no password: they never sign in) with one membership each, spread over `orgIds`. */
async function bulkPeople(db: Db, n: number, orgIds: string[], tag: string): Promise<void> {
  for (let i = 0; i < n; i += 1000) {
    const chunk = Array.from({ length: Math.min(1000, n - i) }, (_, j) => i + j);
    const made = await db
      .insert(users)
      .values(chunk.map((k) => ({ email: `${tag}${k}@library.bench`, displayName: `Reader ${k}`, jobTitle: 'Practitioner' })))
      .returning({ id: users.id });
    await db
      .insert(memberships)
      .values(made.map((u, j) => ({ userId: u.id, organisationId: orgIds[(i + j) % orgIds.length]!, role: ROLES[(i + j) % ROLES.length]! })));
  }
}

async function publishedBriefing(db: Db, title: string) {
  const m = await contextFor(db, 'partnership@beacon.example');
  const doc = await createDocument(db, m, {
    kind: 'briefing',
    title,
    summary: 'Benchmark',
    reviewMonths: 12,
    partnership: 'E10000014',
    sharedWith: ['E06000044', 'E06000045', 'E06000046'],
    body: '# Briefing\n\nRead this.',
  });
  await updateDraft(db, m, doc.versionId, {
    body: '# Briefing\n\nRead this.',
    changeSummary: 'First',
    reviewers: 'midwife@beacon.example',
    questions: [
      { text: 'One?', options: ['a', 'b'], correct: 0 },
      { text: 'Two?', options: ['a', 'b', 'c'], correct: 2 },
    ],
  });
  await sendForReview(db, m, doc.versionId);
  await approveVersion(db, m, doc.versionId, { group: 'Subgroup', meeting: 'Bench', approvedOn: '2026-01-01' });
  await publishVersion(db, m, doc.versionId, {}, new Date(Date.now() - 40 * DAY));
  return { m, doc };
}

/** About six in ten confirm over three weeks (two in three of them right on both questions); a few more only open it. */
async function progress(db: Db, documentId: string) {
  await db.execute(sql`
    update library_reads set
      opened_at = case when (hashtext(id::text) & 1023) < 700 then asked_at + ((hashtext(id::text) & 511) * interval '1 hour') end,
      acknowledged_at = case when (hashtext(id::text) & 1023) < 620 then asked_at + ((hashtext(id::text) & 511) * interval '1 hour') end,
      answers = case when (hashtext(id::text) & 1023) < 620 then (case when (hashtext(id::text) & 3) = 0 then '[1,2]' else '[0,2]' end)::jsonb end,
      correct = case when (hashtext(id::text) & 1023) < 620 then (case when (hashtext(id::text) & 3) = 0 then 1 else 2 end) end
    where document_id = ${documentId}::uuid`);
}

async function run(engine: string, database: Database): Promise<Figures> {
  const db = database.db;
  await seedDemo(db, 'correct horse battery staple 42');
  const orgIds = (await db.select({ id: organisations.id, ods: organisations.odsCode }).from(organisations))
    .filter((o) => ['RHM', 'RN5', 'RHU', 'R1F', 'R1C', '850', '852'].includes(o.ods))
    .map((o) => o.id);
  const start = new Date(Date.now() - 30 * DAY);

  // Baseline first: 200 people, then the 20,000 (the baseline's people are in the big audience too).
  await bulkPeople(db, BASELINE, orgIds, 'small');
  const small = await publishedBriefing(db, 'Benchmark briefing (baseline)');
  let t = performance.now();
  const baselineCirculation = await circulate(
    db,
    small.m,
    small.doc.versionId,
    { roles: ['point_of_care', 'safeguarding_practitioner', 'social_worker', 'unit_coordinator'], organisationIds: orgIds },
    start,
  );
  const baselineCirculateMs = performance.now() - t;

  await bulkPeople(db, PEOPLE - baselineCirculation.people, orgIds, 'big');
  const big = await publishedBriefing(db, 'Benchmark briefing (everyone)');
  t = performance.now();
  const c = await circulate(
    db,
    big.m,
    big.doc.versionId,
    { roles: ['point_of_care', 'safeguarding_practitioner', 'social_worker', 'unit_coordinator'], organisationIds: orgIds },
    start,
  );
  const circulateMs = performance.now() - t;
  const [{ n: emailJobs } = { n: 0 }] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(jobs)
    .where(and(eq(jobs.type, LIBRARY_EMAIL_JOB), sql`${jobs.payload}->>'versionId' = ${big.doc.versionId}`, sql`${jobs.payload}->>'kind' = 'read_request'`));
  if (Number(emailJobs) !== c.people) throw new Error(`${engine}: ${c.people} asked but ${emailJobs} emails in the outbox`);

  // Reminders (7 and 14 days): the first run sends one to each open task, in one statement.
  await progress(db, small.doc.id);
  await progress(db, big.doc.id);
  t = performance.now();
  const reminders = await sendReadReminders(db, new Date(start.getTime() + 8 * DAY));
  const remindersMs = performance.now() - t;
  // Baseline for reminders: the same run when nothing is due (the scan alone).
  t = performance.now();
  await sendReadReminders(db, new Date(start.getTime() + 9 * DAY));
  const baselineRemindersMs = performance.now() - t;

  const times = async (documentId: string) => {
    const out: number[] = [];
    let last: Awaited<ReturnType<typeof readership>> | null = null;
    for (let i = 0; i < 5; i++) {
      const s = performance.now();
      last = await readership(db, big.m, documentId);
      out.push(performance.now() - s);
    }
    return { out, last: last! };
  };
  const report = await times(big.doc.id);
  const baselineReport = await times(small.doc.id);
  const [{ n: acknowledged } = { n: 0 }] = await db
    .select({ n: sql<number>`count(acknowledged_at)::int` })
    .from(libraryReads)
    .where(eq(libraryReads.documentId, big.doc.id));
  if (report.last.total.asked !== c.people || report.last.total.acknowledged !== Number(acknowledged))
    throw new Error(`${engine}: the report counted ${report.last.total.asked}/${report.last.total.acknowledged}, the table holds ${c.people}/${acknowledged}`);
  return {
    engine,
    asked: c.people,
    circulateMs,
    baselineAsked: baselineCirculation.people,
    baselineCirculateMs,
    emailJobs: Number(emailJobs),
    reportMs: report.out,
    baselineReportMs: baselineReport.out,
    acknowledged: Number(acknowledged),
    remindersMs,
    reminders,
    baselineRemindersMs,
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const ms = (x: number) => `${Math.round(x).toLocaleString('en-GB')} ms`;

async function main() {
  const cpus = os.cpus();
  console.log(`Beacon library benchmark: circulating to ${PEOPLE.toLocaleString('en-GB')} people, and the readership report over them`);
  console.log(
    `Machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}; Node ${process.version}\n`,
  );
  const results = await onBothEngines('library', PG_URL, run);
  console.log('1. Circulate a published version: a reading task and an email job per person, one transaction (target: under 5 s on PostgreSQL)');
  console.log('| engine | people | time | emails in the outbox | baseline: people | baseline: time |');
  console.log('|---|---|---|---|---|---|');
  for (const r of results)
    console.log(
      `| ${r.engine} | ${r.asked.toLocaleString('en-GB')} | ${ms(r.circulateMs)} | ${r.emailJobs.toLocaleString('en-GB')} | ${r.baselineAsked} | ${ms(r.baselineCirculateMs)} |`,
    );
  console.log(
    '\n2. The readership report (counts by organisation, role and unit, knowledge check, daily series and SVG chart), median of 5 (all in brackets) (target: under 1 s)',
  );
  console.log('| engine | people | confirmed | report | baseline: report of 200 |');
  console.log('|---|---|---|---|---|');
  for (const r of results)
    console.log(
      `| ${r.engine} | ${r.asked.toLocaleString('en-GB')} | ${r.acknowledged.toLocaleString('en-GB')} | ${ms(median(r.reportMs))} (${r.reportMs.map((x) => Math.round(x)).join(', ')}) | ${ms(median(r.baselineReportMs))} |`,
    );
  console.log('\n3. The hourly reading reminders: every open task whose reminder is due, one statement (baseline: the same run with nothing due)');
  console.log('| engine | reminders queued | time | baseline: nothing due |');
  console.log('|---|---|---|---|');
  for (const r of results) console.log(`| ${r.engine} | ${r.reminders.toLocaleString('en-GB')} | ${ms(r.remindersMs)} | ${ms(r.baselineRemindersMs)} |`);
  const pg = results.find((r) => r.engine.startsWith('PostgreSQL'));
  if (pg)
    console.log(
      `\nPostgreSQL: circulation ${pg.circulateMs < 5000 ? 'meets' : 'MISSES'} the 5 s target; the report ${median(pg.reportMs) < 1000 ? 'meets' : 'MISSES'} the 1 s target.`,
    );
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
