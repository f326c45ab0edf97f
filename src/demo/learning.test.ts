/**
 * The learning demo shows every part of learning on first start: courses with past and future sessions, a
 * waiting list, a booking waiting for the line manager, results with the change in confidence (and the line
 * manager's follow-up), and a learning needs analysis part-way through with imported headcounts.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/support/db';
import { contextFor } from '../../test/support/alerts';
import { seedDemo } from './seed';
import { seedDemoLearning } from './learning';
import { learningBookings } from '../learning/schema';
import { listCatalogue } from '../learning/catalogue';
import { approvalsFor } from '../learning/booking';
import { courseResults } from '../learning/results';
import { listRounds, workforceCoverage } from '../learning/needs';

let tdb: TestDatabase;
const db = () => tdb.db;
const PASSWORD = 'correct horse battery staple 42';

beforeAll(async () => {
  tdb = await openTestDatabase();
  await seedDemo(db(), PASSWORD);
  // Seeded as if started just after midnight: the past sessions start at 09:30 on their day, so their registers
  // must be marked after that, not at "now + n days" (a start at 00:02 once failed to seed).
  const justAfterMidnight = new Date();
  justAfterMidnight.setUTCHours(0, 5, 0, 0);
  expect(await seedDemoLearning(db(), { password: PASSWORD, now: justAfterMidnight })).toBeGreaterThan(300);
  // A second start adds nothing.
  expect(await seedDemoLearning(db(), { password: PASSWORD })).toBe(0);
}, 120_000);
afterAll(async () => {
  await tdb?.close();
});

describe('the learning demo', () => {
  it('has courses with sessions to book, a waiting list and a request for the line manager', async () => {
    const catalogue = await listCatalogue(db(), await contextFor(db(), 'midwife@beacon.example'), {});
    expect(catalogue.map((e) => e.course.title)).toHaveLength(4);
    expect(await db().select().from(learningBookings).where(eq(learningBookings.status, 'waiting'))).not.toHaveLength(0);
    const requests = await approvalsFor(db(), await contextFor(db(), 'manager@beacon.example'));
    expect(requests.map((r) => r.delegateName)).toContain('Priya Shah');
  });

  it('shows the change in confidence, and the line manager’s follow-up, without withholding them', async () => {
    const admin = await contextFor(db(), 'training@beacon.example');
    const catalogue = await listCatalogue(db(), admin, {});
    const disguised = catalogue.find((e) => e.course.title.startsWith('Closure, flight'))!;
    const r = await courseResults(db(), admin, disguised.course.id);
    const mean = (k: string) => r.stages.find((s) => s.kind === k)!.confidence.mean;
    expect(mean('baseline')).toBeLessThan(mean('immediate')!);
    expect(mean('follow_up')).not.toBeNull();
    expect(r.stages.find((s) => s.kind === 'manager_follow_up')!.answered).toBeGreaterThanOrEqual(5);
  });

  it('has a needs analysis round part-way through and coverage against imported headcounts', async () => {
    const manager = await contextFor(db(), 'partnership@beacon.example');
    const [round] = await listRounds(db(), manager);
    expect(round).toMatchObject({ topic: 'disguised_compliance', status: 'open', progress: { total: 4, reviewed: 3, notCovered: 1 } });
    const coverage = await workforceCoverage(db(), manager, {});
    expect(
      coverage.rows
        .filter((x) => x.source === 'imported')
        .map((x) => x.odsCode)
        .sort(),
    ).toEqual(['850', 'RN5', 'RW1']);
    expect(coverage.total.completed).toBeGreaterThan(0);
    expect(coverage.total.gaps).toBeGreaterThan(0);
  });
});
