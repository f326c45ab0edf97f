import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/support/db';
import { verifyAuditChain } from '../platform/audit/service';
import { casePrompts, cases, toxicologyTests } from '../cases/schema';
import { escalations } from '../escalations/schema';
import { geographies } from '../directory/schema';
import { seedDemo } from './seed';
import { seedDemoCases } from './cases';

/** The demo cases a first start adds are written through the services: they must keep working as those change. */
let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await openTestDatabase();
  await seedDemo(tdb.db, 'correct horse battery staple 42');
});
afterAll(async () => tdb?.close());

describe('demo cases', () => {
  it('adds the three cases once, with what the pages are meant to show', async () => {
    expect(await seedDemoCases(tdb.db)).toBe(3);
    const list = await tdb.db.select().from(cases);
    expect(list.map((c) => c.classification).sort()).toEqual(['unbooked_in_labour', 'unborn_baby_protocol', 'unborn_baby_protocol']);
    const [hampshireArea] = await tdb.db.select({ id: geographies.id }).from(geographies).where(eq(geographies.code, 'E10000014'));
    const ubp = list.find((c) => c.classification === 'unborn_baby_protocol' && c.geographyId !== hampshireArea!.id)!;
    // One in Hampshire, the partnership manager's area, with an open escalation.
    const hampshire = list.find((c) => c.geographyId === hampshireArea!.id)!;
    const [hEsc] = await tdb.db.select().from(escalations).where(eq(escalations.caseId, hampshire.id));
    expect(hEsc).toMatchObject({ stage: 1, status: 'open' });
    const labour = list.find((c) => c.classification === 'unbooked_in_labour')!;
    // A pattern prompt waiting for an answer, and an escalation at stage 2.
    const prompts = await tdb.db.select().from(casePrompts).where(eq(casePrompts.caseId, ubp.id));
    expect(prompts.filter((p) => !p.respondedAt).length).toBeGreaterThan(0);
    const [esc] = await tdb.db.select().from(escalations).where(eq(escalations.caseId, ubp.id));
    expect(esc).toMatchObject({ stage: 2, status: 'open' });
    // Born, with toxicology pending.
    expect(labour.bornAt).toBeInstanceOf(Date);
    const [pending] = await tdb.db.select({ n: count() }).from(toxicologyTests).where(eq(toxicologyTests.caseId, labour.id));
    expect(pending!.n).toBe(2);

    expect(await seedDemoCases(tdb.db)).toBe(0);
    expect(await tdb.db.select({ n: count() }).from(cases)).toEqual([{ n: 3 }]);
    expect((await verifyAuditChain(tdb.db)).ok).toBe(true);
  });
});
