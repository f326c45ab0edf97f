import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/support/db';
import { apiClients } from '../clients/schema';
import { users } from '../platform/auth/schema';
import { seedDemo } from './seed';
import { seedDemoClients } from './clients';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await openTestDatabase();
  await seedDemo(tdb.db, 'correct horse battery staple 42');
});
afterAll(async () => tdb?.close());

describe('demo API client', () => {
  it('registers the ED record system once, through the service, with a public key only', async () => {
    expect(await seedDemoClients(tdb.db)).toBe(1);
    expect(await seedDemoClients(tdb.db)).toBe(0);
    const [c] = await tdb.db.select().from(apiClients);
    expect(c).toMatchObject({ name: 'Queen Alexandra ED record (demo)', roles: ['point_of_care'], status: 'active' });
    expect(c!.jwks!.keys[0]).not.toHaveProperty('d');
    const [account] = await tdb.db.select().from(users).where(eq(users.id, c!.userId));
    expect(account).toMatchObject({ kind: 'api_client', passwordHash: null });
  });
});
