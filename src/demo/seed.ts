import { eq, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import { systemContext, type RequestContext } from '../platform/context';
import { recordAudit } from '../platform/audit/service';
import { randomToken } from '../platform/crypto';
import { users } from '../platform/auth/schema';
import { geographies, organisations, units } from '../directory/schema';
import { createUser } from '../people/service';
import { DEMO_GEOGRAPHIES, DEMO_ORGANISATIONS, DEMO_USERS, type DemoUser } from './directory-data';

export interface DemoSignIn {
  email: string;
  role: string;
  organisation: string;
}

/** Geography levels are inserted parents first so every parent exists. */
export async function seedDirectory(
  db: Db,
  ctx: RequestContext = systemContext('seed-demo'),
): Promise<{ geographies: number; organisations: number; units: number }> {
  return db.transaction(async (tx) => {
    const ids = new Map<string, string>();
    for (const g of await tx.select().from(geographies)) ids.set(g.code, g.id);
    let nGeo = 0;
    let nOrg = 0;
    let nUnit = 0;
    for (const g of DEMO_GEOGRAPHIES) {
      if (ids.has(g.code)) continue;
      const [row] = await tx
        .insert(geographies)
        .values({ code: g.code, name: g.name, level: g.level, parentId: g.parent ? ids.get(g.parent)! : null })
        .returning({ id: geographies.id });
      ids.set(g.code, row!.id);
      nGeo++;
    }
    for (const o of DEMO_ORGANISATIONS) {
      const [existing] = await tx.select({ id: organisations.id }).from(organisations).where(sql`upper(${organisations.odsCode}) = ${o.odsCode}`);
      if (existing) continue;
      const [org] = await tx
        .insert(organisations)
        .values({ odsCode: o.odsCode, name: o.name, type: o.type, geographyId: ids.get(o.geography)!, postcode: o.postcode ?? null })
        .returning({ id: organisations.id });
      nOrg++;
      for (const u of o.units) {
        await tx.insert(units).values({
          organisationId: org!.id,
          name: u.name,
          type: u.type,
          siteName: u.siteName ?? null,
          postcode: u.postcode ?? null,
          inHoursPhone: u.inHoursPhone,
          outOfHoursPhone: u.outOfHoursPhone,
          sharedMailbox: u.sharedMailbox,
        });
        nUnit++;
      }
    }
    if (nGeo + nOrg + nUnit > 0) {
      await recordAudit(tx, ctx, {
        action: 'directory.seed-demo',
        verb: 'C',
        entityType: 'Organization',
        detail: { geographies: nGeo, organisations: nOrg, units: nUnit },
      });
    }
    return { geographies: nGeo, organisations: nOrg, units: nUnit };
  });
}

/**
 * Demo people, one per role, all sharing one password. The password is random for each new data
 * directory unless given (tests pass their own), and is returned so the caller can print it once.
 */
export async function seedDemoUsers(
  db: Db,
  password: string = `demo-${randomToken(9)}`,
  ctx: RequestContext = systemContext('seed-demo'),
): Promise<{ password: string; created: DemoSignIn[] }> {
  return { password, created: await createDemoPeople(db, DEMO_USERS, password, ctx) };
}

/** Create each of these demo people who does not exist yet, with the given password; returns those created. */
export async function createDemoPeople(
  db: Db,
  people: readonly DemoUser[],
  password: string,
  ctx: RequestContext = systemContext('seed-demo'),
): Promise<DemoSignIn[]> {
  const created: DemoSignIn[] = [];
  for (const u of people) {
    const [exists] = await db.select({ id: users.id }).from(users).where(eq(users.email, u.email));
    if (exists) continue;
    const [org] = await db.select({ id: organisations.id, name: organisations.name }).from(organisations).where(eq(organisations.odsCode, u.odsCode));
    if (!org) throw new Error(`Demo organisation ${u.odsCode} is missing`);
    let unitId: string | null = null;
    if (u.unitName) {
      const [unit] = await db.select({ id: units.id }).from(units).where(eq(units.name, u.unitName));
      unitId = unit?.id ?? null;
    }
    await createUser(
      db,
      ctx,
      { email: u.email, displayName: u.displayName, jobTitle: u.jobTitle, organisationId: org.id, role: u.role, unitId: unitId ?? '' },
      { password },
    );
    created.push({ email: u.email, role: u.role, organisation: org.name });
  }
  return created;
}

export async function seedDemo(db: Db, password?: string) {
  const directory = await seedDirectory(db);
  const people = await seedDemoUsers(db, password);
  return { directory, ...people };
}
