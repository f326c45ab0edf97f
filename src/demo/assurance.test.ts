/**
 * The assurance demo shows the SOP audit working on first start: a signed-off audit of Southampton's last six
 * months against the six before, whose hash verifies, with records in both and a trend, and a draft beside it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/support/db';
import { contextFor } from '../../test/support/alerts';
import { seedDemo } from './seed';
import { seedDemoAssurance } from './assurance';
import { getRun, listRuns } from '../assurance/audits';

let tdb: TestDatabase;
const db = () => tdb.db;
const PASSWORD = 'correct horse battery staple 42';

beforeAll(async () => {
  tdb = await openTestDatabase();
  await seedDemo(db(), PASSWORD);
  expect(await seedDemoAssurance(db(), { password: PASSWORD })).toBe(96);
  expect(await seedDemoAssurance(db(), { password: PASSWORD })).toBe(0);
}, 300_000);
afterAll(async () => tdb?.close());

describe('the assurance demo', () => {
  it('has a signed-off SOP audit with a baseline, a trend and records not met, and a draft', async () => {
    const manager = await contextFor(db(), 'partnership.southampton@beacon.example');
    const runs = await listRuns(db(), manager);
    expect(runs.map((r) => `${r.kind} ${r.status}`).sort()).toEqual(['protocol draft', 'sop draft', 'sop frozen']);
    const frozen = await getRun(db(), manager, runs.find((r) => r.status === 'frozen')!.id);
    expect(frozen.verified).toBe(true);
    const c = (k: string) => frozen.report.criteria.find((x) => x.key === k)!.figures;
    for (const k of ['nhs_number', 'approval_time', 'delivery_time', 'acknowledged', 'stand_down']) {
      expect(c(k).period.total, k).toBeGreaterThan(5);
      expect(c(k).baseline!.total, `${k} baseline`).toBeGreaterThan(5);
    }
    expect(c('acknowledged').byMonth.filter((m) => m.total > 0).length).toBeGreaterThan(8);
    expect(c('escalated').period.total + c('escalated').baseline!.total).toBeGreaterThan(0);
    expect(c('reviews').period.total + c('reviews').baseline!.total).toBeGreaterThan(0);
    expect(frozen.report.criteria.some((x) => x.figures.failing.length > 0)).toBe(true);
    expect(Object.values(frozen.report.rag).reduce((a, b) => a + b, 0)).toBe(frozen.report.criteria.length);
  });
});
