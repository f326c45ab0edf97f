import { and, eq } from 'drizzle-orm';
import type { Db } from '../../src/platform/db/engine';
import type { RequestContext } from '../../src/platform/context';
import { geographies, organisations } from '../../src/directory/schema';
import { seedDemo } from '../../src/demo/seed';
import { addDays, londonDate } from '../../src/alerts/pregnancy';
import { openCase } from '../../src/cases/service';
import { cases } from '../../src/cases/schema';
import { partsOfInstant } from '../../src/cases/http';
import { contextFor } from './alerts';
import { openTestDatabase, type TestDatabase } from './db';

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
export async function openTestCase(
  db: Db,
  ctx: RequestContext,
  overrides: Record<string, unknown> = {},
  now = new Date(),
): Promise<{ id: string; reference: string }> {
  return openCase(db, ctx, await openCaseInput(db, overrides, now), now);
}

/** A request context for a demo person (see test/support/alerts.ts `contextFor`). */
export type CaseContext = Awaited<ReturnType<typeof contextFor>>;

/** The demo people the case tests act as, by the name the tests give them. */
const CASE_PEOPLE = {
  midwife: 'midwife', // safeguarding practitioner, University Hospital Southampton
  designated: 'designated', // designated professional, the ICB
  pahCoordinator: 'coordinator.pah', // unit coordinator, University Hospital Southampton
  qahCoordinator: 'coordinator.qah', // unit coordinator, Portsmouth
  edNurse: 'ed.nurse', // point of care, Portsmouth
  socialWorker: 'social.worker', // Southampton City Council
  partnership: 'partnership', // partnership manager, Hampshire
  auditor: 'auditor',
  admin: 'admin',
} as const;

export type CaseContexts = Record<keyof typeof CASE_PEOPLE, CaseContext>;

/** A request context for each demo person (seed the demo people first). */
export async function caseContexts(db: Db): Promise<CaseContexts> {
  const entries = await Promise.all(Object.entries(CASE_PEOPLE).map(async ([key, name]) => [key, await contextFor(db, `${name}@beacon.example`)] as const));
  return Object.fromEntries(entries) as CaseContexts;
}

/** A fresh test database (PGlite, or PostgreSQL with TEST_DATABASE_URL) seeded with the demo directory and people. */
export async function openSeededDatabase(): Promise<TestDatabase> {
  const database = await openTestDatabase();
  try {
    await seedDemo(database.db, 'correct horse battery staple 42');
  } catch (err) {
    await database.close();
    throw err;
  }
  return database;
}

/** The demo directory's organisations: ODS code → id. */
export async function organisationIds(db: Db): Promise<Record<string, string>> {
  const rows = await db.select({ id: organisations.id, ods: organisations.odsCode }).from(organisations);
  return Object.fromEntries(rows.map((o) => [o.ods, o.id]));
}

/** Page text with the HTML escaping of quotes and ampersands undone, for matching sentences. */
export const htmlText = (html: string) =>
  html
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

/** The error summary's links, as [href, text]. */
export function errorSummaryLinks(html: string): [string, string][] {
  const box = /nhsuk-error-summary__list[\s\S]*?<\/ul>/.exec(html)?.[0] ?? '';
  return [...box.matchAll(/<a href="([^"]+)"[^>]*>\s*([\s\S]*?)\s*<\/a>/g)].map((m) => [m[1]!, htmlText(m[2]!)]);
}

/** An instant as a case form's date and time boxes (name.day, name.month, name.year, name.time), in London time. */
export function dateTimeFields(name: string, at: Date): Record<string, string> {
  const p = partsOfInstant(at);
  return { [`${name}.day`]: p.day, [`${name}.month`]: p.month, [`${name}.year`]: p.year, [`${name}.time`]: p.time };
}

/**
 * One of the demo cases, by where it is and what kind it is (Southampton's unborn baby protocol case,
 * Portsmouth's unbooked labour): picked by what it is, never by the order rows come back in, which an
 * update of the row (its next due time, say) changes.
 */
export async function demoCase(db: Db, geographyCode: string, classification: string) {
  const [row] = await db
    .select({ kase: cases })
    .from(cases)
    .innerJoin(geographies, eq(geographies.id, cases.geographyId))
    .where(and(eq(geographies.code, geographyCode), eq(cases.classification, classification)));
  if (!row) throw new Error(`no demo ${classification} case in ${geographyCode}`);
  return row.kase;
}
