import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/support/db';
import { seedDirectory } from '../demo/seed';
import { organisations, units } from './schema';
import { safeguardingContactMailboxes, unitMailboxes } from './mailboxes';

let tdb: TestDatabase;
const orgId = async (ods: string) => (await tdb.db.select({ id: organisations.id }).from(organisations).where(eq(organisations.odsCode, ods)))[0]!.id;

beforeAll(async () => {
  tdb = await openTestDatabase();
  await seedDirectory(tdb.db);
});
afterAll(async () => tdb?.close());

describe('who at an organisation is told about a safeguarding matter', () => {
  it('a trust: its safeguarding team mailbox', async () => {
    const rhm = await orgId('RHM');
    const teams = await unitMailboxes(tdb.db, rhm, ['safeguarding_team']);
    expect(teams.length).toBeGreaterThan(0);
    expect(await safeguardingContactMailboxes(tdb.db, rhm)).toEqual(teams);
  });

  it('a local authority with no safeguarding team: its children’s social care front door, not nobody', async () => {
    const soton = await orgId('852');
    expect(await unitMailboxes(tdb.db, soton, ['safeguarding_team'])).toEqual([]);
    const frontDoor = await unitMailboxes(tdb.db, soton, ['childrens_social_care_front_door']);
    expect(frontDoor).toHaveLength(1);
    expect(await safeguardingContactMailboxes(tdb.db, soton)).toEqual(frontDoor);
  });

  it('ignores inactive units', async () => {
    const rhm = await orgId('RHM');
    await tdb.db.update(units).set({ active: false }).where(eq(units.organisationId, rhm));
    expect(await unitMailboxes(tdb.db, rhm, ['safeguarding_team'])).toEqual([]);
    expect(await safeguardingContactMailboxes(tdb.db, rhm)).toEqual([]);
  });
});
