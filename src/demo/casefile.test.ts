/**
 * The case-file audit demo shows a round under way on first start: two template versions, a round drawn with a
 * recorded seed, the trust's section completed and moderated with one agreed difference, the council's to do,
 * and a finding.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/support/db';
import { contextFor } from '../../test/support/alerts';
import { seedDemo } from './seed';
import { seedDemoCases } from './cases';
import { seedDemoCaseFileAudit } from './casefile';
import { getRound, listRounds, themesAcrossRounds } from '../assurance/casefile/service';
import { listTemplates } from '../assurance/casefile/templates';

let tdb: TestDatabase;
const db = () => tdb.db;
const PASSWORD = 'correct horse battery staple 42';

beforeAll(async () => {
  tdb = await openTestDatabase();
  await seedDemo(db(), PASSWORD);
  await seedDemoCases(db());
  expect(await seedDemoCaseFileAudit(db(), { password: PASSWORD })).toBe(true);
  expect(await seedDemoCaseFileAudit(db(), { password: PASSWORD })).toBe(false);
}, 120_000);
afterAll(async () => tdb?.close());

describe('the case-file audit demo', () => {
  it('has a round under way: one section moderated with an agreed difference, one to do, a finding', async () => {
    const manager = await contextFor(db(), 'partnership@beacon.example');
    expect((await listTemplates(db(), manager)).map((t) => `${t.version} ${t.status}`).sort()).toEqual(['1 superseded', '2 published']);
    const [round] = await listRounds(db(), manager);
    expect(round).toMatchObject({ seed: 20_180_905, cases: 1, sections: 2, completed: 1, moderated: 1 });
    const view = await getRound(db(), manager, round!.id);
    const moderated = view.sections.find((s) => s.moderatedAt)!;
    expect(moderated.differences).toBe(1);
    expect(view.distribution.find((d) => d.grade === 'requires_improvement')!.count).toBe(3);
    expect((await themesAcrossRounds(db(), manager)).map((t) => t.theme)).toEqual(['Demographic details checked at booking']);
  });
});
