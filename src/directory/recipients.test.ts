import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { openTestDatabase, type TestDatabase } from '../../test/support/db';
import { seedDirectory } from '../demo/seed';
import { organisations, units } from './schema';
import { resolveRecipientUnits } from './recipients';

describe('resolving a distribution scope to recipient units', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await openTestDatabase();
    await seedDirectory(tdb.db);
  });
  afterAll(async () => tdb?.close());

  const orgsOf = (list: { organisationName: string }[]) => new Set(list.map((u) => u.organisationName));

  it('an ICB scope reaches units of organisations recorded against its local authority areas too', async () => {
    const got = await resolveRecipientUnits(tdb.db, { scope: 'icb', geographyCode: 'QRL', unitTypes: ['maternity_unit'] });
    const names = got.map((u) => u.name).sort();
    expect(names).toEqual(
      [
        'Basingstoke maternity unit',
        'Princess Anne Hospital maternity unit',
        'Queen Alexandra Hospital maternity unit',
        "St Mary's Hospital maternity unit",
        'Winchester maternity unit',
      ].sort(),
    );
    expect(got.every((u) => u.type === 'maternity_unit')).toBe(true);
  });

  it('a region scope reaches its other ICBs, and not other regions', async () => {
    const got = await resolveRecipientUnits(tdb.db, { scope: 'region', geographyCode: 'Y59', unitTypes: ['emergency_department'] });
    const orgs = orgsOf(got);
    expect(orgs.has('Frimley Health NHS Foundation Trust')).toBe(true);
    expect(orgs.has('Royal Berkshire NHS Foundation Trust')).toBe(true);
    expect(orgs.has('University Hospitals Dorset NHS Foundation Trust')).toBe(false); // South West
    expect(orgs.has('Imperial College Healthcare NHS Trust')).toBe(false); // London
  });

  it('a national scope reaches every region; unit types filter; named units are reached whatever their type', async () => {
    const national = await resolveRecipientUnits(tdb.db, { scope: 'national', unitTypes: ['maternity_unit', 'ambulance_control'] });
    const orgs = orgsOf(national);
    for (const o of [
      'Manchester University NHS Foundation Trust',
      'Imperial College Healthcare NHS Trust',
      'South Central Ambulance Service NHS Foundation Trust',
    ])
      expect(orgs.has(o)).toBe(true);
    expect(national.some((u) => u.type === 'emergency_department')).toBe(false);

    const [team] = await tdb.db.select().from(units).where(eq(units.name, 'UHS safeguarding team'));
    const named = await resolveRecipientUnits(tdb.db, { scope: 'units', unitIds: [team!.id] });
    expect(named.map((u) => u.name)).toEqual(['UHS safeguarding team']);
  });

  it('inactive units and units of inactive organisations are not reached; unknown areas reach nobody', async () => {
    await tdb.db.update(units).set({ active: false }).where(eq(units.name, 'Winchester maternity unit'));
    await tdb.db.update(organisations).set({ active: false }).where(eq(organisations.odsCode, 'R1F'));
    const got = await resolveRecipientUnits(tdb.db, { scope: 'icb', geographyCode: 'QRL', unitTypes: ['maternity_unit'] });
    expect(got.map((u) => u.name)).not.toContain('Winchester maternity unit');
    expect(got.map((u) => u.name)).not.toContain("St Mary's Hospital maternity unit");
    expect(await resolveRecipientUnits(tdb.db, { scope: 'icb', geographyCode: 'NOPE', unitTypes: ['maternity_unit'] })).toEqual([]);
    // A region code is not an ICB: the level must match the scope.
    expect(await resolveRecipientUnits(tdb.db, { scope: 'icb', geographyCode: 'Y59', unitTypes: ['maternity_unit'] })).toEqual([]);
    expect(await resolveRecipientUnits(tdb.db, { scope: 'national', unitTypes: [] })).toEqual([]);
  });
});
