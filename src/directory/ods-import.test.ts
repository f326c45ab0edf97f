import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { asc, count, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/support/db';
import { auditEvents } from '../platform/audit/schema';
import { verifyAuditChain } from '../platform/audit/service';
import type { Actor, RequestContext } from '../platform/context';
import { ForbiddenError } from '../platform/errors';
import type { Db } from '../platform/db/engine';
import { formatOdsImportProblem, importOdsCsv, mapOrganisationType, ODS_IMPORT_MAX_ROWS } from './ods-import';
import { geographies, organisations } from './schema';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/ods');
const fixture = (name: string) => readFileSync(path.join(fixtures, name), 'utf8');

const actor = (role: Actor['role']): Actor => ({
  userId: randomUUID(),
  displayName: `Test ${role}`,
  membershipId: randomUUID(),
  organisationId: randomUUID(),
  organisationName: 'Beacon test organisation',
  role,
  unitId: null,
});
const admin: RequestContext = { actor: actor('system_admin'), ip: '127.0.0.1', correlationId: 'ods-import-test' };

let tdb: TestDatabase;
let db: Db;
const geo: Record<string, string> = {};

async function orgCount(): Promise<number> {
  const [row] = await db.select({ n: count() }).from(organisations);
  return row!.n;
}
async function auditCount(): Promise<number> {
  const [row] = await db.select({ n: count() }).from(auditEvents);
  return row!.n;
}
async function orgByCode(code: string) {
  const [o] = await db.select().from(organisations).where(sql`upper(${organisations.odsCode}) = ${code.toUpperCase()}`);
  return o;
}
/** Nothing written: same organisations (ids and update times) and no new audit rows. */
async function snapshot() {
  const orgs = await db
    .select({ id: organisations.id, updatedAt: organisations.updatedAt, name: organisations.name })
    .from(organisations)
    .orderBy(asc(organisations.id));
  return { orgs, audit: await auditCount() };
}

beforeAll(async () => {
  tdb = await openTestDatabase();
  db = tdb.db;
  const [england] = await db.insert(geographies).values({ code: 'E92000001', name: 'England', level: 'country' }).returning();
  const [southEast] = await db.insert(geographies).values({ code: 'Y59', name: 'South East', level: 'region', parentId: england!.id }).returning();
  const [hiow] = await db.insert(geographies).values({ code: 'QRL', name: 'Hampshire and Isle of Wight', level: 'icb', parentId: southEast!.id }).returning();
  const [soton] = await db.insert(geographies).values({ code: 'E06000045', name: 'Southampton', level: 'local_authority', parentId: hiow!.id }).returning();
  Object.assign(geo, { E92000001: england!.id, Y59: southEast!.id, QRL: hiow!.id, E06000045: soton!.id });
});

afterAll(async () => {
  await tdb?.close();
});

describe('importOdsCsv: a good file', () => {
  it('a dry run counts what would happen and writes nothing', async () => {
    const before = await snapshot();
    const report = await importOdsCsv(db, admin, fixture('trusts-and-practices.csv'), { dryRun: true });
    expect(report).toEqual({ ok: true, rows: 5, created: 5, updated: 0, unchanged: 0, errors: [], dryRun: true });
    expect(await snapshot()).toEqual(before);
  });

  it('creates every organisation, mapping ODS columns, types and areas', async () => {
    const auditBefore = await auditCount();
    const report = await importOdsCsv(db, admin, fixture('trusts-and-practices.csv'));
    expect(report).toEqual({ ok: true, rows: 5, created: 5, updated: 0, unchanged: 0, errors: [], dryRun: false });
    expect(await orgCount()).toBe(5);

    const rhm = await orgByCode('RHM');
    expect(rhm).toMatchObject({
      odsCode: 'RHM',
      name: 'University Hospital Southampton NHS Foundation Trust',
      type: 'acute_trust',
      geographyId: geo.QRL,
      addressLine: 'Tremona Road, Southampton',
      postcode: 'SO16 6YD',
      phone: '023 8077 7222',
      active: true,
    });
    // Quoted comma in the name, quoted two-line address, lower-case postcode, blank status = Active.
    expect(await orgByCode('J82001')).toMatchObject({
      name: 'Bitterne Park Surgery, Southampton',
      type: 'gp_practice',
      geographyId: geo.E06000045,
      addressLine: '28 Cowes Lane, Bitterne Park',
      postcode: 'SO18 1GH',
      active: true,
    });
    expect(await orgByCode('QRL')).toMatchObject({ type: 'icb', phone: null });
    expect(await orgByCode('852')).toMatchObject({ odsCode: '852', type: 'local_authority', geographyId: geo.E06000045, phone: '023 8083 3000' });
    // ODS and area codes are matched ignoring case; ODS codes are stored upper-case.
    expect(await orgByCode('R1F')).toMatchObject({ odsCode: 'R1F', type: 'mental_health_trust', geographyId: geo.QRL, active: false });

    // One audit event per organisation plus one for the import, all in a valid chain.
    const events = await db.select().from(auditEvents).where(sql`${auditEvents.seq} > ${auditBefore}`).orderBy(asc(auditEvents.seq));
    expect(events).toHaveLength(6);
    const creates = events.filter((e) => e.action === 'organisation.create');
    const ids = (await db.select({ id: organisations.id }).from(organisations)).map((o) => o.id).sort();
    expect(creates.map((e) => e.entityId).sort()).toEqual(ids);
    expect(creates.every((e) => e.verb === 'C' && e.actorUserId === admin.actor!.userId && e.correlationId === 'ods-import-test')).toBe(true);
    const imports = events.filter((e) => e.action === 'organisation.import');
    expect(imports).toHaveLength(1);
    expect(imports[0]!.detail).toEqual({ rows: 5, created: 5, updated: 0, unchanged: 0 });
    expect(imports[0]!.actorRole).toBe('system_admin');
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it('re-running the same file changes nothing and does not duplicate', async () => {
    const before = await snapshot();
    const report = await importOdsCsv(db, admin, fixture('trusts-and-practices.csv'));
    expect(report).toMatchObject({ ok: true, rows: 5, created: 0, updated: 0, unchanged: 5, errors: [] });
    const after = await snapshot();
    expect(after.orgs).toEqual(before.orgs);
    expect(await orgCount()).toBe(5);
    // Only the import event itself.
    expect(after.audit).toBe(before.audit + 1);
    const [last] = await db.select().from(auditEvents).orderBy(sql`${auditEvents.seq} desc`).limit(1);
    expect(last).toMatchObject({ action: 'organisation.import', detail: { rows: 5, created: 0, updated: 0, unchanged: 5 } });
  });

  it('a changed name or status is an update; the rest are unchanged', async () => {
    const rhmBefore = await orgByCode('RHM');
    const qrlBefore = await orgByCode('QRL');
    const auditBefore = await auditCount();
    const report = await importOdsCsv(db, admin, fixture('trusts-and-practices-changed.csv'));
    expect(report).toMatchObject({ ok: true, rows: 5, created: 0, updated: 2, unchanged: 3 });
    expect(await orgCount()).toBe(5);

    const rhm = await orgByCode('RHM');
    expect(rhm!.id).toBe(rhmBefore!.id);
    expect(rhm!.name).toBe('University Hospital Southampton NHS FT');
    expect(rhm!.updatedAt.getTime()).toBeGreaterThan(rhmBefore!.updatedAt.getTime());
    // An unchanged organisation is not touched at all.
    expect((await orgByCode('QRL'))!.updatedAt).toEqual(qrlBefore!.updatedAt);
    expect((await orgByCode('J82001'))!.active).toBe(false);

    const events = await db.select().from(auditEvents).where(sql`${auditEvents.seq} > ${auditBefore}`).orderBy(asc(auditEvents.seq));
    const updates = events.filter((e) => e.action === 'organisation.update');
    expect(updates).toHaveLength(2);
    expect(updates.find((e) => e.entityId === rhm!.id)?.detail).toMatchObject({ odsCode: 'RHM', changed: ['name'] });
    expect(updates.find((e) => e.entityId !== rhm!.id)?.detail).toMatchObject({ odsCode: 'J82001', changed: ['active'] });
    expect(events.filter((e) => e.action === 'organisation.import').map((e) => e.detail)).toEqual([{ rows: 5, created: 0, updated: 2, unchanged: 3 }]);
  });

  it('matches existing organisations by ODS code ignoring case, and leaves fields for missing columns alone', async () => {
    const csv =
      'code,name,type,geography_code\nrhm,University Hospital Southampton NHS FT,NHS TRUST,QRL\nr1f,Isle of Wight NHS Trust,mental_health_trust,QRL\n';
    const report = await importOdsCsv(db, admin, csv);
    // No address, postcode, phone or status columns: those stay as they were, so nothing differs.
    expect(report).toMatchObject({ ok: true, rows: 2, created: 0, updated: 0, unchanged: 2 });
    expect(await orgCount()).toBe(5);
    expect(await orgByCode('RHM')).toMatchObject({ odsCode: 'RHM', phone: '023 8077 7222', postcode: 'SO16 6YD' });
    expect((await orgByCode('R1F'))!.active).toBe(false);
  });

  it('accepts Windows line endings and a byte-order mark', async () => {
    const csv =
      '\ufeffODS Code,Organisation Name,Type,Area Code,Postcode\r\nW1A,"Windows\r\nTrust",NHS TRUST,QRL,SO16 6YD\r\nW1B,Bad Postcode,GP PRACTICE,QRL,NOPE\r\n';
    const report = await importOdsCsv(db, admin, csv, { dryRun: true });
    expect(report.errors).toEqual([{ line: 4, field: 'postcode', message: expect.stringContaining('"NOPE" is not a real postcode') }]);
  });
});

describe('importOdsCsv: bad rows', () => {
  it('lists every bad row with its line in the file, and writes nothing', async () => {
    const before = await snapshot();
    const report = await importOdsCsv(db, admin, fixture('bad-rows.csv'));
    expect(report.ok).toBe(false);
    expect(report).toMatchObject({ rows: 12, created: 0, updated: 0, unchanged: 0, dryRun: false });
    expect(report.errors.map((e) => [e.line, e.field])).toEqual([
      [5, 'name'],
      [6, 'type'],
      [7, 'postcode'],
      [8, 'ods_code'],
      [9, 'ods_code'],
      [10, 'geography_code'],
      [11, 'phone'],
      [12, undefined],
      [13, 'status'],
      [15, 'geography_code'],
      [15, 'postcode'],
    ]);
    const messages = report.errors.map(formatOdsImportProblem);
    expect(messages).toContain('line 7: postcode "SO16 XYZ" is not a real postcode (a real one looks like SO16 6YD)');
    expect(messages).toContain('line 8: ODS code X1B is on both line 4 and line 8: each organisation may appear only once');
    expect(messages[0]).toBe('line 5: name is missing');
    expect(messages[1]).toMatch(/^line 6: type "HOSPICE" is not a type Beacon knows: use acute_trust, .*NHS TRUST/);
    expect(messages[4]).toBe('line 9: ODS code "TOOLONGCODE" must be 3 to 6 letters and numbers, like RHM');
    expect(messages[5]).toContain('"ZZZ9" is not an area');
    expect(messages[6]).toContain('phone "12" is not a UK telephone number');
    expect(messages[7]).toBe('line 12: this row has 9 values but the header row has 8 columns. A value containing a comma must be in quotes.');
    expect(messages[8]).toContain('status "Closed" must be Active or Inactive');
    expect(messages[10]).toContain('postcode "NOTAPOSTCODE"');

    // The good rows (X1A, X1B) were not written either, and nothing was audited.
    expect(await snapshot()).toEqual(before);
    expect(await orgByCode('X1A')).toBeUndefined();
  });

  it('an unknown geography code is a row error and nothing is written', async () => {
    const before = await snapshot();
    const report = await importOdsCsv(db, admin, fixture('unknown-geography.csv'));
    expect(report).toMatchObject({ ok: false, rows: 2, created: 0 });
    expect(report.errors).toEqual([
      { line: 3, field: 'geography_code', message: `geography code "Q99" is not an area in Beacon's directory: use the code of an area Beacon has, like QRL` },
    ]);
    expect(await snapshot()).toEqual(before);
    expect(await orgByCode('G1A')).toBeUndefined();
  });

  it('a dry run of a bad file reports the same problems', async () => {
    const report = await importOdsCsv(db, admin, fixture('unknown-geography.csv'), { dryRun: true });
    expect(report).toMatchObject({ ok: false, dryRun: true, errors: [{ line: 3, field: 'geography_code' }] });
  });
});

describe('importOdsCsv: files that cannot be read', () => {
  it('an unclosed quote is reported at the line where the quoted value starts, counting multi-line values', async () => {
    const before = await snapshot();
    const report = await importOdsCsv(db, admin, fixture('malformed-quotes.csv'));
    expect(report.ok).toBe(false);
    expect(report.errors).toEqual([{ line: 5, message: expect.stringContaining('a quoted value that starts on this line is never closed') }]);
    expect(await snapshot()).toEqual(before);
    expect(await orgByCode('M1A')).toBeUndefined();
  });

  it('a stray quote inside a value is reported with its line', async () => {
    const report = await importOdsCsv(db, admin, fixture('stray-quote.csv'));
    expect(report.ok).toBe(false);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]).toMatchObject({ line: 3, message: expect.stringMatching(/^The file is not valid CSV/) });
    expect(await orgByCode('S1A')).toBeUndefined();
  });

  it('a file without a header row says a header is needed and lists the accepted columns', async () => {
    const report = await importOdsCsv(db, admin, fixture('headerless.csv'));
    expect(report.ok).toBe(false);
    expect(report.errors).toHaveLength(1);
    expect(report.errors[0]!.line).toBe(1);
    expect(report.errors[0]!.message).toContain('needs a header row');
    expect(report.errors[0]!.message).toContain('"RHM"');
    for (const col of ['ods_code', 'Organisation Code', 'name', 'type', 'geography_code', 'icb_code', 'postcode', 'status']) {
      expect(report.errors[0]!.message).toContain(col);
    }
    expect(await orgCount()).toBe(5);
  });

  it('missing required columns are each named', async () => {
    const report = await importOdsCsv(db, admin, fixture('missing-columns.csv'));
    expect(report.ok).toBe(false);
    expect(report.errors.map((e) => [e.line, e.field])).toEqual([
      [1, 'name'],
      [1, 'type'],
    ]);
    expect(report.errors[0]!.message).toContain('The header row has no name column');
  });

  it('an empty file and a header-only file are refused clearly', async () => {
    for (const csv of ['', '\n\n', '\ufeff']) {
      const r = await importOdsCsv(db, admin, csv);
      expect(r).toMatchObject({ ok: false, rows: 0, errors: [{ line: 1, message: expect.stringContaining('The file is empty') }] });
    }
    const headerOnly = await importOdsCsv(db, admin, fixture('header-only.csv'));
    expect(headerOnly).toMatchObject({ ok: false, rows: 0, errors: [{ line: 1, message: expect.stringContaining('no organisations') }] });
  });

  it(`refuses more than ${ODS_IMPORT_MAX_ROWS} rows`, async () => {
    const lines = ['ods_code,name,type,geography_code'];
    for (let i = 0; i <= ODS_IMPORT_MAX_ROWS; i++) lines.push(`Z${i.toString(36).toUpperCase().padStart(4, '0')},Practice ${i},GP PRACTICE,QRL`);
    const before = await orgCount();
    const report = await importOdsCsv(db, admin, lines.join('\n'));
    expect(report.ok).toBe(false);
    expect(report.errors).toEqual([{ line: ODS_IMPORT_MAX_ROWS + 2, message: expect.stringContaining('more than 50,000 organisation rows') }]);
    expect(await orgCount()).toBe(before);
  });
});

describe('importOdsCsv: permission', () => {
  it('refuses a role without permission and writes nothing', async () => {
    const before = await snapshot();
    const clinician: RequestContext = { actor: actor('point_of_care'), ip: null, correlationId: 'ods-denied' };
    await expect(importOdsCsv(db, clinician, fixture('trusts-and-practices-changed.csv'))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(importOdsCsv(db, clinician, fixture('trusts-and-practices-changed.csv'), { dryRun: true })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(importOdsCsv(db, { actor: null, ip: null, correlationId: 'anon' }, fixture('trusts-and-practices.csv'))).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    expect(await snapshot()).toEqual(before);
  });
});

describe('mapOrganisationType', () => {
  it('maps ODS role names and Beacon values, and nothing else', () => {
    expect(mapOrganisationType('NHS TRUST')).toBe('acute_trust');
    expect(mapOrganisationType('Clinical Commissioning Group')).toBe('icb');
    expect(mapOrganisationType('INTEGRATED CARE BOARD')).toBe('icb');
    expect(mapOrganisationType('GP PRACTICE')).toBe('gp_practice');
    expect(mapOrganisationType('PRESCRIBING COST CENTRE')).toBe('gp_practice');
    expect(mapOrganisationType('LOCAL AUTHORITY')).toBe('local_authority');
    expect(mapOrganisationType('ambulance_trust')).toBe('ambulance_trust');
    expect(mapOrganisationType('Mental health trust')).toBe('mental_health_trust');
    expect(mapOrganisationType('NHS TRUST SITE')).toBeUndefined();
    expect(mapOrganisationType('')).toBeUndefined();
  });
});
