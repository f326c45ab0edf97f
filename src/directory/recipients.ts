import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import { rows } from '../platform/db/sql';
import { geographies, organisations, units } from './schema';
import type { UnitType } from './model';

/**
 * How widely something is distributed: named units, an ICB area (county), an NHS region, or the whole
 * country. Proportionality is the sender's decision; this only turns the decision into units.
 */
export type DistributionScope =
  | { scope: 'units'; unitIds: string[] }
  | { scope: 'icb' | 'region'; geographyCode: string; unitTypes: UnitType[] }
  | { scope: 'national'; unitTypes: UnitType[] };

export interface RecipientUnit {
  id: string;
  name: string;
  type: string;
  organisationId: string;
  organisationName: string;
  sharedMailbox: string | null;
}

const select = {
  id: units.id,
  name: units.name,
  type: units.type,
  organisationId: units.organisationId,
  organisationName: organisations.name,
  sharedMailbox: units.sharedMailbox,
};

/**
 * The active units of active organisations that a scope reaches. Area scopes take every geography
 * below the named one (an ICB's local authority areas, a region's ICBs and theirs), so an organisation
 * recorded against a finer area is still reached. Named units are reached whatever their type.
 */
export async function resolveRecipientUnits(db: Db, scope: DistributionScope): Promise<RecipientUnit[]> {
  const live = and(eq(units.active, true), eq(organisations.active, true));
  const base = () => db.select(select).from(units).innerJoin(organisations, eq(organisations.id, units.organisationId));
  if (scope.scope === 'units') {
    if (scope.unitIds.length === 0) return [];
    return base().where(and(live, inArray(units.id, scope.unitIds)));
  }
  if (scope.unitTypes.length === 0) return [];
  if (scope.scope === 'national') return base().where(and(live, inArray(units.type, scope.unitTypes)));

  const within = await rows<{ id: string }>(
    db,
    sql`WITH RECURSIVE area AS (
          SELECT id FROM ${geographies} WHERE code = ${scope.geographyCode} AND level = ${scope.scope}
          UNION ALL
          SELECT g.id FROM ${geographies} g JOIN area a ON g.parent_id = a.id)
        SELECT id FROM area`,
  );
  if (within.length === 0) return [];
  return base().where(
    and(
      live,
      inArray(units.type, scope.unitTypes),
      inArray(
        organisations.geographyId,
        within.map((r) => r.id),
      ),
    ),
  );
}
