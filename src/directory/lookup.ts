/**
 * The directory as a machine client needs it: the ids, codes and names of organisations, units and areas it
 * must send to raise an alert or open a case, found by the codes it already knows (ODS, ONS). Nothing here
 * is personal data (no duty telephone numbers or mailboxes either); every signed-in role may read it.
 */
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { authorize } from '../platform/auth/policy';
import { ValidationError } from '../platform/errors';
import { geographies, organisations, units } from './schema';
import { GEOGRAPHY_LEVELS, ORGANISATION_TYPES, UNIT_TYPES } from './model';
import { geographyAndBelow, isUuid } from './service';

const clean = (v: string | undefined) => (v ?? '').trim();
const oneOf = <T extends string>(values: readonly T[], v: string, field: string, what: string): T | null => {
  if (!v) return null;
  if (!(values as readonly string[]).includes(v)) throw new ValidationError({ [field]: `${what} must be one of ${values.join(', ')}` });
  return v as T;
};

async function areaByCode(db: Db, code: string, field: string) {
  const [g] = await db.select().from(geographies).where(sql`upper(${geographies.code}) = ${code.toUpperCase()}`);
  if (!g) throw new ValidationError({ [field]: `There is no area with the code ${code}` });
  return g;
}

/** Organisations, by ODS code, type and area (an ONS or ICB code: organisations in that area or any area within it). */
export async function lookupOrganisations(db: Db, ctx: RequestContext, filter: { ods?: string; type?: string; area?: string }) {
  authorize(ctx.actor, 'directory.view');
  const ods = clean(filter.ods);
  const type = oneOf(ORGANISATION_TYPES, clean(filter.type), 'type', 'The organisation type');
  const area = clean(filter.area);
  const within = area ? await geographyAndBelow(db, (await areaByCode(db, area, 'area')).id) : null;
  return db
    .select({
      id: organisations.id,
      odsCode: organisations.odsCode,
      name: organisations.name,
      type: organisations.type,
      active: organisations.active,
      area: { id: geographies.id, code: geographies.code, name: geographies.name, level: geographies.level },
    })
    .from(organisations)
    .innerJoin(geographies, eq(geographies.id, organisations.geographyId))
    .where(
      and(
        ods ? sql`upper(${organisations.odsCode}) = ${ods.toUpperCase()}` : undefined,
        type ? eq(organisations.type, type) : undefined,
        within ? inArray(organisations.geographyId, within) : undefined,
      ),
    )
    .orderBy(asc(organisations.name));
}

/** Units, by organisation (its id or ODS code) and type, each with its organisation's code and name. */
export async function lookupUnits(db: Db, ctx: RequestContext, filter: { organisation?: string; type?: string }) {
  authorize(ctx.actor, 'directory.view');
  const org = clean(filter.organisation);
  const type = oneOf(UNIT_TYPES, clean(filter.type), 'type', 'The unit type');
  let organisationId: string | null = null;
  if (org) {
    const [o] = await db
      .select({ id: organisations.id })
      .from(organisations)
      .where(isUuid(org) ? eq(organisations.id, org) : sql`upper(${organisations.odsCode}) = ${org.toUpperCase()}`);
    if (!o) throw new ValidationError({ organisation: `There is no organisation with the id or ODS code ${org}` });
    organisationId = o.id;
  }
  return db
    .select({
      id: units.id,
      name: units.name,
      type: units.type,
      siteName: units.siteName,
      active: units.active,
      organisation: { id: organisations.id, odsCode: organisations.odsCode, name: organisations.name },
    })
    .from(units)
    .innerJoin(organisations, eq(organisations.id, units.organisationId))
    .where(and(organisationId ? eq(units.organisationId, organisationId) : undefined, type ? eq(units.type, type) : undefined))
    .orderBy(asc(organisations.name), asc(units.name));
}

/** Areas (country, NHS region, ICB, local authority), by code and level, each with its parent's code. */
export async function lookupGeographies(db: Db, ctx: RequestContext, filter: { code?: string; level?: string }) {
  authorize(ctx.actor, 'directory.view');
  const code = clean(filter.code);
  const level = oneOf(GEOGRAPHY_LEVELS, clean(filter.level), 'level', 'The level');
  const all = await db.select().from(geographies).orderBy(asc(geographies.level), asc(geographies.name));
  const byId = new Map(all.map((g) => [g.id, g]));
  return all
    .filter((g) => (!code || g.code.toUpperCase() === code.toUpperCase()) && (!level || g.level === level))
    .map((g) => ({ id: g.id, code: g.code, name: g.name, level: g.level, parentCode: g.parentId ? (byId.get(g.parentId)?.code ?? null) : null }));
}
