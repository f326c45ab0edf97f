import { and, asc, eq, ilike, inArray, or, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { authorize } from '../platform/auth/policy';
import { recordAudit } from '../platform/audit/service';
import { NotFoundError, parseInput, ValidationError } from '../platform/errors';
import { geographies, organisations, units } from './schema';
import { organisationInput, unitInput, type OrganisationInput, type UnitInput } from './model';

export type Geography = typeof geographies.$inferSelect;
export type Organisation = typeof organisations.$inferSelect;
export type Unit = typeof units.$inferSelect;

export async function listGeographies(db: Db): Promise<Geography[]> {
  return db.select().from(geographies).orderBy(asc(geographies.level), asc(geographies.name));
}

/** The geography and every area above it, finest first (e.g. Southampton → HIOW ICB → South East → England). */
export async function geographyChain(db: Db, geographyId: string): Promise<Geography[]> {
  const all = await db.select().from(geographies);
  const byId = new Map(all.map((g) => [g.id, g]));
  const chain: Geography[] = [];
  let g = byId.get(geographyId);
  while (g && chain.length < 10) {
    chain.push(g);
    g = g.parentId ? byId.get(g.parentId) : undefined;
  }
  return chain;
}

const localAuthorityOf = (chain: readonly Geography[]) => chain.find((g) => g.level === 'local_authority')?.id ?? null;

/**
 * Whether a thing in geography `thing` (its chain, finest first) is in the area of someone whose
 * organisation is in geography `actor`: the same local authority area, or one geography within the
 * other (an ICB-wide partnership sees its local authorities; a local authority partnership sees what
 * was raised ICB-wide). Two neighbouring local authorities are not each other's area.
 */
export function inPartnershipArea(actor: readonly Geography[], thing: readonly Geography[]): boolean {
  const actorId = actor[0]?.id;
  const thingId = thing[0]?.id;
  if (!actorId || !thingId) return false;
  if (thing.some((g) => g.id === actorId) || actor.some((g) => g.id === thingId)) return true;
  const la = localAuthorityOf(actor);
  return la !== null && la === localAuthorityOf(thing);
}

/** Whether geography `geographyId` is in the area of organisation `organisationId`. */
export async function inOrganisationsArea(db: Db, organisationId: string, geographyId: string): Promise<boolean> {
  const [org] = await db.select({ geographyId: organisations.geographyId }).from(organisations).where(eq(organisations.id, organisationId));
  if (!org) return false;
  return inPartnershipArea(await geographyChain(db, org.geographyId), await geographyChain(db, geographyId));
}

/** Every geography in the partnership area of an organisation's geography (see {@link inPartnershipArea}), for lists and reports. */
export async function partnershipAreaIds(db: Db, geographyId: string): Promise<string[]> {
  const all = await db.select().from(geographies);
  const byId = new Map(all.map((g) => [g.id, g]));
  const chainOf = (id: string) => {
    const chain: Geography[] = [];
    let g = byId.get(id);
    while (g && chain.length < 10) {
      chain.push(g);
      g = g.parentId ? byId.get(g.parentId) : undefined;
    }
    return chain;
  };
  const actor = chainOf(geographyId);
  return all.filter((g) => inPartnershipArea(actor, chainOf(g.id))).map((g) => g.id);
}

/** Geographies at or below one (an area and everything in it). */
export async function geographyAndBelow(db: Db, geographyId: string): Promise<string[]> {
  const all = await db.select({ id: geographies.id, parentId: geographies.parentId }).from(geographies);
  const out = new Set([geographyId]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const g of all) {
      if (g.parentId && out.has(g.parentId) && !out.has(g.id)) {
        out.add(g.id);
        grew = true;
      }
    }
  }
  return [...out];
}

/** The geography an organisation is in (null for an unknown organisation). */
export async function organisationGeographyId(db: Db, organisationId: string): Promise<string | null> {
  const [org] = await db.select({ geographyId: organisations.geographyId }).from(organisations).where(eq(organisations.id, organisationId));
  return org?.geographyId ?? null;
}

/** The active organisations in some geographies (a partnership area), by name: for reports across a partnership. */
export async function organisationsIn(db: Db, geographyIds: readonly string[]) {
  if (!geographyIds.length) return [];
  return db
    .select({ id: organisations.id, name: organisations.name, odsCode: organisations.odsCode, type: organisations.type })
    .from(organisations)
    .where(and(inArray(organisations.geographyId, [...geographyIds]), eq(organisations.active, true)))
    .orderBy(asc(organisations.name));
}

/** The partnership area of an organisation (see {@link partnershipAreaIds}); empty for an unknown organisation. */
export async function organisationsAreaIds(db: Db, organisationId: string): Promise<string[]> {
  const g = await organisationGeographyId(db, organisationId);
  return g ? partnershipAreaIds(db, g) : [];
}

/**
 * The ICB area (its code) each organisation is in, for many organisations at once: two queries, however
 * many there are (an organisation outside any ICB, or unknown, maps to null).
 */
export async function icbCodesOf(db: Db, organisationIds: readonly string[]): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  const ids = [...new Set(organisationIds)].filter(isUuid);
  if (!ids.length) return out;
  const [orgs, all] = await Promise.all([
    db.select({ id: organisations.id, geographyId: organisations.geographyId }).from(organisations).where(inArray(organisations.id, ids)),
    db.select().from(geographies),
  ]);
  const byId = new Map(all.map((g) => [g.id, g]));
  for (const o of orgs) {
    let g = byId.get(o.geographyId);
    for (let depth = 0; g && g.level !== 'icb' && depth < 10; depth++) g = g.parentId ? byId.get(g.parentId) : undefined;
    out.set(o.id, g?.level === 'icb' ? g.code : null);
  }
  return out;
}

export interface OrganisationFilter {
  q?: string;
  type?: string;
}

export async function listOrganisations(db: Db, ctx: RequestContext, filter: OrganisationFilter = {}) {
  authorize(ctx.actor, 'directory.view');
  const conds = [];
  if (filter.q) {
    const q = `%${filter.q.trim().replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
    conds.push(or(ilike(organisations.name, q), ilike(organisations.odsCode, q)));
  }
  if (filter.type) conds.push(eq(organisations.type, filter.type));
  return db
    .select({
      id: organisations.id,
      odsCode: organisations.odsCode,
      name: organisations.name,
      type: organisations.type,
      active: organisations.active,
      geographyName: geographies.name,
      unitCount: sql<number>`(SELECT count(*)::int FROM units u WHERE u.organisation_id = ${organisations.id})`,
    })
    .from(organisations)
    .innerJoin(geographies, eq(geographies.id, organisations.geographyId))
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(asc(organisations.name));
}

export async function getOrganisation(db: Db, ctx: RequestContext, id: string) {
  authorize(ctx.actor, 'directory.view');
  if (!isUuid(id)) throw new NotFoundError('Organisation');
  const [org] = await db.select().from(organisations).where(eq(organisations.id, id));
  if (!org) throw new NotFoundError('Organisation');
  const orgUnits = await db.select().from(units).where(eq(units.organisationId, id)).orderBy(asc(units.name));
  const chain = await geographyChain(db, org.geographyId);
  return { organisation: org, units: orgUnits, geographyChain: chain };
}

export async function getUnit(db: Db, ctx: RequestContext, id: string) {
  authorize(ctx.actor, 'directory.view');
  if (!isUuid(id)) throw new NotFoundError('Unit');
  const [unit] = await db.select().from(units).where(eq(units.id, id));
  if (!unit) throw new NotFoundError('Unit');
  return unit;
}

async function geographyByCode(db: Db, code: string): Promise<Geography> {
  const [g] = await db.select().from(geographies).where(eq(geographies.code, code));
  if (!g) throw new ValidationError({ geographyCode: 'Select an area from the list' });
  return g;
}

async function assertOdsFree(db: Db, odsCode: string, exceptId?: string) {
  const [clash] = await db
    .select({ id: organisations.id, name: organisations.name })
    .from(organisations)
    .where(sql`upper(${organisations.odsCode}) = ${odsCode.toUpperCase()}`);
  if (clash && clash.id !== exceptId) throw new ValidationError({ odsCode: `ODS code ${odsCode} is already used by ${clash.name}` });
}

export async function createOrganisation(db: Db, ctx: RequestContext, raw: unknown): Promise<Organisation> {
  authorize(ctx.actor, 'organisation.create');
  const input: OrganisationInput = parseInput(organisationInput, raw);
  return db.transaction(async (tx) => {
    const geo = await geographyByCode(tx, input.geographyCode);
    await assertOdsFree(tx, input.odsCode);
    const [org] = await tx
      .insert(organisations)
      .values({
        odsCode: input.odsCode,
        name: input.name,
        type: input.type,
        geographyId: geo.id,
        addressLine: input.addressLine,
        postcode: input.postcode,
        phone: input.phone,
        active: input.active,
      })
      .returning();
    await recordAudit(tx, ctx, {
      action: 'organisation.create',
      verb: 'C',
      entityType: 'Organization',
      entityId: org!.id,
      detail: { odsCode: input.odsCode, name: input.name },
    });
    return org!;
  });
}

export async function updateOrganisation(db: Db, ctx: RequestContext, id: string, raw: unknown): Promise<Organisation> {
  authorize(ctx.actor, 'organisation.update', { organisationId: id });
  const input = parseInput(organisationInput, raw);
  return db.transaction(async (tx) => {
    const [before] = isUuid(id) ? await tx.select().from(organisations).where(eq(organisations.id, id)) : [];
    if (!before) throw new NotFoundError('Organisation');
    const geo = await geographyByCode(tx, input.geographyCode);
    await assertOdsFree(tx, input.odsCode, id);
    const [org] = await tx
      .update(organisations)
      .set({
        odsCode: input.odsCode,
        name: input.name,
        type: input.type,
        geographyId: geo.id,
        addressLine: input.addressLine,
        postcode: input.postcode,
        phone: input.phone,
        active: input.active,
        updatedAt: new Date(),
      })
      .where(eq(organisations.id, id))
      .returning();
    await recordAudit(tx, ctx, {
      action: 'organisation.update',
      verb: 'U',
      entityType: 'Organization',
      entityId: id,
      detail: { changed: changedFields(before, org!) },
    });
    return org!;
  });
}

export async function createUnit(db: Db, ctx: RequestContext, organisationId: string, raw: unknown): Promise<Unit> {
  authorize(ctx.actor, 'unit.create', { organisationId });
  const input: UnitInput = parseInput(unitInput, raw);
  return db.transaction(async (tx) => {
    const [org] = isUuid(organisationId) ? await tx.select({ id: organisations.id }).from(organisations).where(eq(organisations.id, organisationId)) : [];
    if (!org) throw new NotFoundError('Organisation');
    await assertUnitNameFree(tx, organisationId, input.name);
    const [unit] = await tx
      .insert(units)
      .values({ ...input, organisationId })
      .returning();
    await recordAudit(tx, ctx, {
      action: 'unit.create',
      verb: 'C',
      entityType: 'Location',
      entityId: unit!.id,
      detail: { organisationId, name: input.name, type: input.type },
    });
    return unit!;
  });
}

export async function updateUnit(db: Db, ctx: RequestContext, unitId: string, raw: unknown): Promise<Unit> {
  const [before] = isUuid(unitId) ? await db.select().from(units).where(eq(units.id, unitId)) : [];
  if (!before) throw new NotFoundError('Unit');
  authorize(ctx.actor, 'unit.update', { organisationId: before.organisationId, unitId });
  const input = parseInput(unitInput, raw);
  return db.transaction(async (tx) => {
    await assertUnitNameFree(tx, before.organisationId, input.name, unitId);
    const [unit] = await tx
      .update(units)
      .set({ ...input, updatedAt: new Date() })
      .where(eq(units.id, unitId))
      .returning();
    await recordAudit(tx, ctx, {
      action: 'unit.update',
      verb: 'U',
      entityType: 'Location',
      entityId: unitId,
      detail: { changed: changedFields(before, unit!) },
    });
    return unit!;
  });
}

async function assertUnitNameFree(db: Db, organisationId: string, name: string, exceptId?: string) {
  const [clash] = await db
    .select({ id: units.id })
    .from(units)
    .where(and(eq(units.organisationId, organisationId), sql`lower(${units.name}) = ${name.toLowerCase()}`));
  if (clash && clash.id !== exceptId) throw new ValidationError({ name: `This organisation already has a unit called ${name}` });
}

/** Every unit with its organisation's name, for choosing one (e.g. the unit a coordinator looks after). */
export async function listUnitsForChoice(db: Db, ctx: RequestContext) {
  authorize(ctx.actor, 'directory.view');
  return db
    .select({ id: units.id, name: units.name, organisationName: organisations.name })
    .from(units)
    .innerJoin(organisations, eq(organisations.id, units.organisationId))
    .orderBy(asc(organisations.name), asc(units.name));
}

/** Names of the fields that differ between two versions of a row (for the audit record). */
export function changedFields<T extends Record<string, unknown>>(before: T, after: T): string[] {
  return Object.keys(after).filter((k) => k !== 'updatedAt' && JSON.stringify(before[k]) !== JSON.stringify(after[k]));
}

export const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

/** The active units of some organisations, by organisation and name (an audience to choose from). */
export async function unitsOf(db: Db, organisationIds: readonly string[]) {
  if (!organisationIds.length) return [];
  return db
    .select({ id: units.id, name: units.name, organisationId: units.organisationId, organisationName: organisations.name })
    .from(units)
    .innerJoin(organisations, eq(organisations.id, units.organisationId))
    .where(and(inArray(units.organisationId, [...organisationIds]), eq(units.active, true)))
    .orderBy(asc(organisations.name), asc(units.name));
}

/** The organisation each unit belongs to (unit id → organisation id). */
export async function organisationsOfUnits(db: Db, unitIds: readonly string[]): Promise<Map<string, string>> {
  const ids = [...new Set(unitIds)].filter(isUuid);
  if (!ids.length) return new Map();
  const rows = await db.select({ id: units.id, organisationId: units.organisationId }).from(units).where(inArray(units.id, ids));
  return new Map(rows.map((r) => [r.id, r.organisationId]));
}

/** Names of organisations, units and geographies by id (for reports that group by them). */
export async function directoryNames(db: Db, ids: { organisationIds?: readonly string[]; unitIds?: readonly string[]; geographyIds?: readonly string[] }) {
  const out = new Map<string, string>();
  const o = [...new Set(ids.organisationIds ?? [])];
  const u = [...new Set(ids.unitIds ?? [])];
  const g = [...new Set(ids.geographyIds ?? [])];
  if (o.length)
    for (const r of await db.select({ id: organisations.id, name: organisations.name }).from(organisations).where(inArray(organisations.id, o)))
      out.set(r.id, r.name);
  if (u.length) for (const r of await db.select({ id: units.id, name: units.name }).from(units).where(inArray(units.id, u))) out.set(r.id, r.name);
  if (g.length)
    for (const r of await db.select({ id: geographies.id, name: geographies.name }).from(geographies).where(inArray(geographies.id, g))) out.set(r.id, r.name);
  return out;
}

/** Local authority areas: the safeguarding partnerships (each with a public page of its documents). */
export async function partnerships(db: Db): Promise<Geography[]> {
  return db.select().from(geographies).where(eq(geographies.level, 'local_authority')).orderBy(asc(geographies.name));
}

/** ICB areas that contain partnerships (local authority areas): where partnerships work, and are audited, together. */
export async function partnershipGroups(db: Db): Promise<Geography[]> {
  const all = await db
    .select()
    .from(geographies)
    .where(inArray(geographies.level, ['local_authority', 'icb']));
  const parents = new Set(all.filter((g) => g.level === 'local_authority' && g.parentId).map((g) => g.parentId!));
  return all.filter((g) => g.level === 'icb' && parents.has(g.id)).sort((a, b) => a.name.localeCompare(b.name));
}

/** A partnership by its ONS code (case-insensitive), or null. */
export async function partnershipByCode(db: Db, code: string): Promise<Geography | null> {
  if (!/^[A-Za-z0-9]{1,12}$/.test(code)) return null;
  const [g] = await db
    .select()
    .from(geographies)
    .where(and(sql`upper(${geographies.code}) = ${code.toUpperCase()}`, eq(geographies.level, 'local_authority')));
  return g ?? null;
}
