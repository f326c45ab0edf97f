import { randomUUID } from 'node:crypto';
import { asc, count, eq, gt } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/support/db';
import { seedDirectory } from '../demo/seed';
import { auditEvents } from '../platform/audit/schema';
import { verifyAuditChain } from '../platform/audit/service';
import type { Actor, RequestContext, Role } from '../platform/context';
import type { Db } from '../platform/db/engine';
import { ForbiddenError, NotFoundError, ValidationError } from '../platform/errors';
import { geographies, organisations, units } from './schema';
import {
  changedFields,
  createOrganisation,
  createUnit,
  geographyChain,
  getOrganisation,
  getUnit,
  isUuid,
  listOrganisations,
  updateOrganisation,
  updateUnit,
} from './service';

let tdb: TestDatabase;
let db: Db;
let rhm: string;
let rhu: string;
let pah: string;
let qah: string;

const actorAs = (role: Role, unitId: string | null = null): RequestContext => {
  const actor: Actor = {
    userId: randomUUID(),
    displayName: `Test ${role}`,
    membershipId: randomUUID(),
    organisationId: randomUUID(),
    organisationName: 'Test org',
    role,
    unitId,
  };
  return { actor, ip: '192.0.2.3', correlationId: 'directory-test' };
};
const admin = actorAs('system_admin');

beforeAll(async () => {
  tdb = await openTestDatabase();
  db = tdb.db;
  await seedDirectory(db);
  const byOds = async (ods: string) => (await db.select({ id: organisations.id }).from(organisations).where(eq(organisations.odsCode, ods)))[0]!.id;
  const byName = async (name: string) => (await db.select({ id: units.id }).from(units).where(eq(units.name, name)))[0]!.id;
  rhm = await byOds('RHM');
  rhu = await byOds('RHU');
  pah = await byName('Princess Anne Hospital maternity unit');
  qah = await byName('Queen Alexandra Hospital maternity unit');
});
afterAll(async () => {
  await tdb?.close();
});

/** Every row of the directory and the audit count: equal snapshots mean nothing was written. */
async function snapshot() {
  return {
    organisations: await db.select().from(organisations).orderBy(asc(organisations.id)),
    units: await db.select().from(units).orderBy(asc(units.id)),
    audit: (await db.select({ n: count() }).from(auditEvents))[0]!.n,
  };
}
const lastSeq = async () => (await db.select({ seq: auditEvents.seq }).from(auditEvents).orderBy(asc(auditEvents.seq))).at(-1)?.seq ?? 0;
const eventsSince = (seq: number) => db.select().from(auditEvents).where(gt(auditEvents.seq, seq)).orderBy(asc(auditEvents.seq));

async function fieldErrors(p: Promise<unknown>): Promise<Record<string, string>> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ValidationError);
  return (err as ValidationError).fieldErrors;
}

let seq = 0;
const orgForm = (overrides: Record<string, unknown> = {}) => {
  seq++;
  return {
    odsCode: `T${String(seq).padStart(2, '0')}`,
    name: `Test Trust ${seq}`,
    type: 'acute_trust',
    geographyCode: 'E06000045',
    addressLine: '',
    postcode: '',
    phone: '',
    active: true,
    ...overrides,
  };
};
const unitForm = (overrides: Record<string, unknown> = {}) => {
  seq++;
  return {
    name: `Test unit ${seq}`,
    type: 'maternity_unit',
    siteName: '',
    postcode: '',
    inHoursPhone: '',
    outOfHoursPhone: '',
    sharedMailbox: '',
    active: true,
    ...overrides,
  };
};

describe('organisations', () => {
  it('creates an organisation, normalising what was typed, and audits it', async () => {
    const since = await lastSeq();
    const org = await createOrganisation(
      db,
      admin,
      orgForm({ odsCode: ' rx9 ', name: '  Example Trust ', postcode: 'so16 6yd', phone: '023 8077 7222', addressLine: 'Tremona Road' }),
    );
    expect(org).toMatchObject({
      odsCode: 'RX9',
      name: 'Example Trust',
      postcode: 'SO16 6YD',
      phone: '023 8077 7222',
      addressLine: 'Tremona Road',
      active: true,
    });
    const [geo] = await db.select().from(geographies).where(eq(geographies.id, org.geographyId));
    expect(geo!.code).toBe('E06000045');
    const events = await eventsSince(since);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'organisation.create',
      verb: 'C',
      entityType: 'Organization',
      entityId: org.id,
      actorUserId: admin.actor!.userId,
      detail: { odsCode: 'RX9', name: 'Example Trust' },
    });
  });

  const invalid: [string, Record<string, unknown>, string][] = [
    ['no name', { name: '  ' }, 'name'],
    ['name too long', { name: 'x'.repeat(201) }, 'name'],
    ['no ODS code', { odsCode: '' }, 'odsCode'],
    ['ODS code with spaces', { odsCode: 'R H M' }, 'odsCode'],
    ['ODS code too long', { odsCode: 'ABCDEFG' }, 'odsCode'],
    ['unknown type', { type: 'castle' }, 'type'],
    ['no area', { geographyCode: '' }, 'geographyCode'],
    ['area that does not exist', { geographyCode: 'NOPE' }, 'geographyCode'],
    ['bad postcode', { postcode: 'NOT A POSTCODE' }, 'postcode'],
    ['bad phone', { phone: 'call me' }, 'phone'],
    ['phone too short', { phone: '0238' }, 'phone'],
  ];
  it.each(invalid)('create with %s: refused, nothing written', async (_what, overrides, field) => {
    const before = await snapshot();
    const errors = await fieldErrors(createOrganisation(db, admin, orgForm(overrides)));
    expect(Object.keys(errors)).toContain(field);
    expect(await snapshot()).toEqual(before);
  });

  it('several problems are reported together', async () => {
    const errors = await fieldErrors(createOrganisation(db, admin, orgForm({ name: '', odsCode: '!', type: '' })));
    expect(Object.keys(errors)).toEqual(expect.arrayContaining(['name', 'odsCode', 'type']));
  });

  it('refuses an ODS code already in use (whatever its case), naming who has it; nothing written', async () => {
    const before = await snapshot();
    const errors = await fieldErrors(createOrganisation(db, admin, orgForm({ odsCode: 'rhm' })));
    expect(errors.odsCode).toBe('ODS code RHM is already used by University Hospital Southampton NHS Foundation Trust');
    expect(await snapshot()).toEqual(before);
  });

  it('updates an organisation, recording which fields changed', async () => {
    const org = await createOrganisation(db, admin, orgForm());
    const since = await lastSeq();
    const updated = await updateOrganisation(db, admin, org.id, {
      odsCode: org.odsCode,
      name: 'Renamed Trust',
      type: 'community_trust',
      geographyCode: 'E06000045',
      addressLine: '',
      postcode: '',
      phone: '',
      active: false,
    });
    expect(updated).toMatchObject({ id: org.id, name: 'Renamed Trust', type: 'community_trust', active: false });
    expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(org.updatedAt.getTime());
    const [event] = await eventsSince(since);
    expect(event).toMatchObject({ action: 'organisation.update', verb: 'U', entityId: org.id });
    expect((event!.detail as { changed: string[] }).changed.sort()).toEqual(['active', 'name', 'type']);
  });

  it('an update may keep its own ODS code but not take another organisation’s; invalid updates write nothing', async () => {
    const org = await createOrganisation(db, admin, orgForm());
    await updateOrganisation(db, admin, org.id, orgForm({ odsCode: org.odsCode.toLowerCase(), name: org.name }));
    const before = await snapshot();
    expect((await fieldErrors(updateOrganisation(db, admin, org.id, orgForm({ odsCode: 'RHU' })))).odsCode).toMatch(/already used by Portsmouth Hospitals/);
    expect(Object.keys(await fieldErrors(updateOrganisation(db, admin, org.id, orgForm({ geographyCode: 'NOPE' }))))).toEqual(['geographyCode']);
    expect(Object.keys(await fieldErrors(updateOrganisation(db, admin, org.id, orgForm({ name: '' }))))).toEqual(['name']);
    expect(await snapshot()).toEqual(before);
  });

  it('updating an organisation that does not exist is "not found" (also for a malformed id), nothing written', async () => {
    const before = await snapshot();
    await expect(updateOrganisation(db, admin, randomUUID(), orgForm())).rejects.toThrow(NotFoundError);
    await expect(updateOrganisation(db, admin, 'not-a-uuid', orgForm())).rejects.toThrow(NotFoundError);
    expect(await snapshot()).toEqual(before);
  });

  it('only an administrator may create or change organisations; refusals write nothing', async () => {
    const before = await snapshot();
    for (const role of ['auditor', 'unit_coordinator', 'point_of_care', 'partnership_manager'] as const) {
      await expect(createOrganisation(db, actorAs(role, pah), orgForm())).rejects.toThrow(ForbiddenError);
      await expect(updateOrganisation(db, actorAs(role, pah), rhm, orgForm())).rejects.toThrow(ForbiddenError);
    }
    await expect(createOrganisation(db, { actor: null, ip: null, correlationId: 'x' }, orgForm())).rejects.toThrow(ForbiddenError);
    expect(await snapshot()).toEqual(before);
  });

  it('lists, filters and reads organisations for any signed-in role', async () => {
    const clinician = actorAs('point_of_care');
    const all = await listOrganisations(db, clinician);
    expect(all.length).toBeGreaterThan(10);
    const southampton = all.find((o) => o.odsCode === 'RHM')!;
    expect(southampton).toMatchObject({ geographyName: 'Southampton', unitCount: 4 });
    expect((await listOrganisations(db, clinician, { q: 'rhu' })).map((o) => o.odsCode)).toEqual(['RHU']);
    expect((await listOrganisations(db, clinician, { type: 'ambulance_trust' })).map((o) => o.odsCode)).toEqual(['RYE']);
    expect(await listOrganisations(db, clinician, { q: '%' })).toEqual([]);

    const detail = await getOrganisation(db, clinician, rhm);
    expect(detail.units.map((u) => u.name)).toContain('Princess Anne Hospital maternity unit');
    expect(detail.geographyChain.map((g) => g.code)).toEqual(['E06000045', 'QRL', 'Y59', 'E92000001']);
    expect((await geographyChain(db, detail.organisation.geographyId)).map((g) => g.level)).toEqual(['local_authority', 'icb', 'region', 'country']);
    await expect(getOrganisation(db, clinician, randomUUID())).rejects.toThrow(NotFoundError);
    await expect(getOrganisation(db, clinician, 'nope')).rejects.toThrow(NotFoundError);
    await expect(listOrganisations(db, { actor: null, ip: null, correlationId: 'x' })).rejects.toThrow(ForbiddenError);
  });
});

describe('units', () => {
  it('creates a unit (mailbox lower-cased) and audits it', async () => {
    const since = await lastSeq();
    const u = await createUnit(
      db,
      admin,
      rhm,
      unitForm({ name: 'New birth centre', type: 'birth_centre', sharedMailbox: 'Birth.Centre@NHS.net', inHoursPhone: '01632 960001', postcode: 'so16 5ya' }),
    );
    expect(u).toMatchObject({
      organisationId: rhm,
      name: 'New birth centre',
      type: 'birth_centre',
      sharedMailbox: 'birth.centre@nhs.net',
      postcode: 'SO16 5YA',
      inHoursPhone: '01632 960001',
      outOfHoursPhone: null,
    });
    const [event] = await eventsSince(since);
    expect(event).toMatchObject({
      action: 'unit.create',
      verb: 'C',
      entityType: 'Location',
      entityId: u.id,
      detail: { organisationId: rhm, name: 'New birth centre', type: 'birth_centre' },
    });
    expect((await getUnit(db, admin, u.id)).id).toBe(u.id);
  });

  const invalid: [string, Record<string, unknown>, string][] = [
    ['no name', { name: '' }, 'name'],
    ['unknown type', { type: 'spaceport' }, 'type'],
    ['bad mailbox', { sharedMailbox: 'not an email' }, 'sharedMailbox'],
    ['bad out-of-hours phone', { outOfHoursPhone: 'ring ring' }, 'outOfHoursPhone'],
    ['bad postcode', { postcode: '12345' }, 'postcode'],
    ['name already used in the organisation (any case)', { name: 'princess anne hospital MATERNITY unit' }, 'name'],
  ];
  it.each(invalid)('create with %s: refused, nothing written', async (_what, overrides, field) => {
    const before = await snapshot();
    const errors = await fieldErrors(createUnit(db, admin, rhm, unitForm(overrides)));
    expect(Object.keys(errors)).toContain(field);
    expect(await snapshot()).toEqual(before);
  });

  it('the same unit name may be used by a different organisation', async () => {
    const u = await createUnit(db, admin, rhu, unitForm({ name: 'Princess Anne Hospital maternity unit' }));
    expect(u.organisationId).toBe(rhu);
  });

  it('a unit for an organisation that does not exist is "not found", nothing written', async () => {
    const before = await snapshot();
    await expect(createUnit(db, admin, randomUUID(), unitForm())).rejects.toThrow(NotFoundError);
    await expect(createUnit(db, admin, 'not-a-uuid', unitForm())).rejects.toThrow(NotFoundError);
    expect(await snapshot()).toEqual(before);
  });

  it('a coordinator updates their own unit (audited with the changed fields) but no other; refusals write nothing', async () => {
    const coordinator = actorAs('unit_coordinator', pah);
    const [before] = await db.select().from(units).where(eq(units.id, pah));
    const since = await lastSeq();
    const updated = await updateUnit(db, coordinator, pah, {
      name: before!.name,
      type: before!.type,
      siteName: before!.siteName ?? '',
      postcode: before!.postcode ?? '',
      inHoursPhone: '01632 960999',
      outOfHoursPhone: before!.outOfHoursPhone ?? '',
      sharedMailbox: before!.sharedMailbox ?? '',
      active: true,
    });
    expect(updated.inHoursPhone).toBe('01632 960999');
    const [event] = await eventsSince(since);
    expect(event).toMatchObject({ action: 'unit.update', verb: 'U', entityId: pah, actorRole: 'unit_coordinator', detail: { changed: ['inHoursPhone'] } });

    const snap = await snapshot();
    await expect(updateUnit(db, coordinator, qah, unitForm())).rejects.toThrow(ForbiddenError);
    await expect(updateUnit(db, actorAs('auditor'), pah, unitForm())).rejects.toThrow(ForbiddenError);
    await expect(createUnit(db, coordinator, rhm, unitForm())).rejects.toThrow(ForbiddenError);
    expect(await snapshot()).toEqual(snap);
  });

  it('renaming a unit to a name its organisation already uses is refused; unknown units are not found', async () => {
    const snap = await snapshot();
    const errors = await fieldErrors(updateUnit(db, admin, pah, unitForm({ name: 'Broadlands birth centre' })));
    expect(errors.name).toMatch(/already has a unit called/);
    await expect(updateUnit(db, admin, randomUUID(), unitForm())).rejects.toThrow(NotFoundError);
    await expect(updateUnit(db, admin, 'nope', unitForm())).rejects.toThrow(NotFoundError);
    await expect(getUnit(db, admin, randomUUID())).rejects.toThrow(NotFoundError);
    expect(await snapshot()).toEqual(snap);
  });

  it('every change above left an unbroken audit chain', async () => {
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });
});

describe('helpers', () => {
  it('changedFields names the fields that differ, ignoring updatedAt', () => {
    const a = { name: 'A', phone: null as string | null, updatedAt: new Date(1), createdAt: new Date(0) };
    expect(changedFields(a, { ...a, name: 'B', updatedAt: new Date(2) })).toEqual(['name']);
    expect(changedFields(a, { ...a, phone: '0' })).toEqual(['phone']);
    expect(changedFields(a, { ...a })).toEqual([]);
  });

  it('isUuid accepts uuids only', () => {
    expect(isUuid(randomUUID())).toBe(true);
    expect(isUuid(randomUUID().toUpperCase())).toBe(true);
    expect(isUuid('not-a-uuid')).toBe(false);
    expect(isUuid(`${randomUUID()}x`)).toBe(false);
  });
});
