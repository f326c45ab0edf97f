/**
 * Protocol configuration in force: milestone timelines, escalation stage tables and pattern rules are
 * versioned rows in `protocol_versions`, one series per kind and geography. The most specific geography
 * wins (local authority area, then ICB area, region, country), then the national default (no geography),
 * which is created from the documented defaults the first time it is needed.
 */
import { and, asc, desc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import { geographyChain } from '../directory/service';
import { bankHolidays, protocolVersions } from './schema';
import { DEFAULT_PROTOCOL } from './protocol';
import { DEFAULT_PATTERN_RULES } from './patterns';
import { DEFAULT_STAGES } from '../escalations/stages';
import { WorkingCalendar } from '../platform/working-days';

export const CONFIG_KINDS = ['case_milestones', 'escalation_stages', 'pattern_rules'] as const;
export type ConfigKind = (typeof CONFIG_KINDS)[number];
export const CONFIG_KIND_LABELS: Record<ConfigKind, string> = {
  case_milestones: 'Protocol milestones',
  escalation_stages: 'Escalation stages',
  pattern_rules: 'Chronology pattern prompts',
};

/** The documented defaults a new installation starts from (partnerships then edit their own). */
export const DEFAULT_CONFIG: Record<ConfigKind, unknown> = {
  case_milestones: DEFAULT_PROTOCOL,
  escalation_stages: DEFAULT_STAGES,
  pattern_rules: DEFAULT_PATTERN_RULES,
};

export interface ConfigVersion {
  id: string;
  kind: ConfigKind;
  geographyId: string | null;
  version: number;
  definition: unknown;
  createdAt: Date;
  /** The library document version this configuration implements, where one is recorded. */
  libraryVersionId?: string | null;
}

/** The national default of a kind, creating version 1 from the documented default if there is none. */
async function nationalDefault(db: Db, kind: ConfigKind): Promise<ConfigVersion> {
  const find = () =>
    db
      .select()
      .from(protocolVersions)
      .where(and(eq(protocolVersions.kind, kind), isNull(protocolVersions.geographyId)))
      .orderBy(desc(protocolVersions.version))
      .limit(1);
  let [row] = await find();
  if (!row) {
    // Two processes may get here at once: the unique index keeps one version 1.
    await db
      .insert(protocolVersions)
      .values({ kind, geographyId: null, version: 1, definition: DEFAULT_CONFIG[kind], changeReason: 'Documented default' })
      .onConflictDoNothing();
    [row] = await find();
  }
  return row as ConfigVersion;
}

/** The configuration in force for a geography: its own newest version, or the nearest parent's, or the national default. */
export async function configInForce(db: Db, kind: ConfigKind, geographyId: string | null): Promise<ConfigVersion> {
  if (geographyId) {
    const chain = await geographyChain(db, geographyId);
    for (const g of chain) {
      const [row] = await db
        .select()
        .from(protocolVersions)
        .where(and(eq(protocolVersions.kind, kind), eq(protocolVersions.geographyId, g.id)))
        .orderBy(desc(protocolVersions.version))
        .limit(1);
      if (row) return row as ConfigVersion;
    }
  }
  return nationalDefault(db, kind);
}

export async function configVersion(db: Db, id: string): Promise<ConfigVersion> {
  const [row] = await db.select().from(protocolVersions).where(eq(protocolVersions.id, id));
  if (!row) throw new Error(`protocol version ${id} is missing`);
  return row as ConfigVersion;
}

/** Bank holidays as held in the database, for working-day deadlines. */
export async function loadCalendar(db: Db): Promise<WorkingCalendar> {
  const list = await db.select({ date: bankHolidays.date }).from(bankHolidays).orderBy(asc(bankHolidays.date));
  return new WorkingCalendar(list.map((h) => h.date));
}
