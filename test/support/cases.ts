import { eq } from 'drizzle-orm';
import type { Db } from '../../src/platform/db/engine';
import type { RequestContext } from '../../src/platform/context';
import { geographies } from '../../src/directory/schema';
import { addDays, londonDate } from '../../src/alerts/pregnancy';
import { openCase } from '../../src/cases/service';

/** The local authority areas of the demo directory, by name. */
export async function areaId(db: Db, code = 'E06000045' /* Southampton */): Promise<string> {
  const [g] = await db.select({ id: geographies.id }).from(geographies).where(eq(geographies.code, code));
  if (!g) throw new Error(`No geography ${code}: seed the demo directory first`);
  return g.id;
}

/** A valid "open a case" input: an unborn baby protocol referral due in `weeksAhead` weeks. */
export async function openCaseInput(db: Db, overrides: Record<string, unknown> = {}, now = new Date(), weeksAhead = 20): Promise<Record<string, unknown>> {
  return {
    classification: 'unborn_baby_protocol',
    givenName: 'Marisol',
    familyName: 'Quennell',
    dateOfBirth: '1998-07-14',
    nhsNumber: '9434765919',
    addressLine: '14 Tarn Road',
    postcode: 'SO16 4XX',
    source: 'self_reported',
    edd: addDays(londonDate(now), weeksAhead * 7),
    eddSource: 'dating_scan',
    geographyId: await areaId(db),
    ...overrides,
  };
}

/** Open a case as `ctx` (a safeguarding midwife by default in tests) and return its id. */
export async function openTestCase(db: Db, ctx: RequestContext, overrides: Record<string, unknown> = {}, now = new Date()): Promise<{ id: string; reference: string }> {
  return openCase(db, ctx, await openCaseInput(db, overrides, now), now);
}
