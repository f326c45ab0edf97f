/**
 * Protocol configuration as partnerships see and edit it: milestone timelines, escalation stage tables
 * and chronology pattern rules, each a versioned series per geography (see ../protocol-config). Saving
 * is always a new version, validated with the same schema the running service reads it with, so a
 * definition that would break a case page never gets stored. Cases keep the version they were opened
 * under until someone moves them; escalations likewise.
 */
import { and, asc, count, eq, isNull, max, sql } from 'drizzle-orm';
import { implementableVersions, versionLink } from '../../library/links';
import { z } from 'zod';
import type { Db } from '../../platform/db/engine';
import type { RequestContext } from '../../platform/context';
import { authorizeContext, can } from '../../platform/auth/policy';
import { recordAudit } from '../../platform/audit/service';
import { NotFoundError, ValidationError } from '../../platform/errors';
import { users } from '../../platform/auth/schema';
import { geographies, organisations } from '../../directory/schema';
import { protocolDefinitionSchema } from '../protocol';
import { patternRulesSchema } from '../patterns';
import { stageTableSchema } from '../../escalations/stages';
import { CONFIG_KIND_LABELS, type ConfigKind, configInForce } from '../protocol-config';
import { cases, protocolVersions } from '../schema';
import { describePath } from './describe';

/** Kinds as they appear in addresses: /protocols/milestones/E10000014. */
export const KIND_SLUGS = {
  milestones: 'case_milestones',
  'escalation-stages': 'escalation_stages',
  'pattern-rules': 'pattern_rules',
} as const satisfies Record<string, ConfigKind>;
export type KindSlug = keyof typeof KIND_SLUGS;
export const SLUG_OF: Record<ConfigKind, KindSlug> = { case_milestones: 'milestones', escalation_stages: 'escalation-stages', pattern_rules: 'pattern-rules' };
export const NATIONAL = 'national';

export function kindOf(slug: string): ConfigKind {
  const kind = (KIND_SLUGS as Record<string, ConfigKind>)[slug];
  if (!kind) throw new NotFoundError('Protocol');
  return kind;
}

const SCHEMAS: Record<ConfigKind, z.ZodType<unknown, unknown>> = {
  case_milestones: protocolDefinitionSchema,
  escalation_stages: stageTableSchema,
  pattern_rules: patternRulesSchema,
};
/** Stage tables and rule lists are bare lists: their paths read better with the list's name in front. */
const PATH_ROOT: Record<ConfigKind, string> = { case_milestones: '', escalation_stages: 'stages', pattern_rules: 'rules' };

export interface DefinitionProblem {
  /** The field path inside the definition, like `milestones.3.due.key` (empty for the whole). */
  path: string;
  /** The path in words: "Milestone 4, due, key". */
  where: string;
  message: string;
}

/** Validate a definition of a kind: the parsed value, or every problem with where it is. */
export function validateDefinition(kind: ConfigKind, definition: unknown): { ok: true; value: unknown } | { ok: false; problems: DefinitionProblem[] } {
  const r = SCHEMAS[kind].safeParse(definition);
  if (r.success) return { ok: true, value: r.data };
  const seen = new Set<string>();
  const problems: DefinitionProblem[] = [];
  for (const issue of r.error.issues) {
    const path = issue.path.map(String).join('.');
    if (seen.has(`${path}|${issue.message}`)) continue;
    seen.add(`${path}|${issue.message}`);
    const shown = [PATH_ROOT[kind], path].filter(Boolean).join('.');
    problems.push({ path, where: describePath(shown), message: issue.message });
  }
  return { ok: false, problems };
}

export interface GeographyRef {
  id: string | null;
  code: string;
  name: string;
  level: string;
}

const nationalRef: GeographyRef = { id: null, code: NATIONAL, name: 'National default', level: 'national' };

export async function geographyOf(db: Db, code: string): Promise<GeographyRef> {
  if (code === NATIONAL) return nationalRef;
  const [g] = await db.select().from(geographies).where(eq(geographies.code, code));
  if (!g) throw new NotFoundError('Area');
  return { id: g.id, code: g.code, name: g.name, level: g.level };
}

/**
 * Whether this person may edit an area's configuration: a partnership manager their own organisation's
 * area only (not the areas around or inside it: each partnership owns its own protocol); an administrator
 * any area and the national default.
 */
export async function mayConfigure(db: Db, ctx: RequestContext, geography: GeographyRef): Promise<boolean> {
  if (!ctx.actor) return false;
  return can(ctx.actor, 'protocol.configure', { inActorsArea: await inActorsArea(db, ctx, geography) });
}

async function inActorsArea(db: Db, ctx: RequestContext, geography: GeographyRef): Promise<boolean> {
  if (!ctx.actor || !geography.id) return false;
  const [org] = await db.select({ geographyId: organisations.geographyId }).from(organisations).where(eq(organisations.id, ctx.actor.organisationId));
  return org?.geographyId === geography.id;
}

/** The actor's own organisation's area (where a partnership manager may start their own version). */
async function actorsArea(db: Db, ctx: RequestContext): Promise<GeographyRef | null> {
  if (!ctx.actor) return null;
  const [g] = await db
    .select({ id: geographies.id, code: geographies.code, name: geographies.name, level: geographies.level })
    .from(organisations)
    .innerJoin(geographies, eq(geographies.id, organisations.geographyId))
    .where(eq(organisations.id, ctx.actor.organisationId));
  return g ?? null;
}

// ── Reading ────────────────────────────────────────────────────────────────────────────────────────

/** Per kind: the national version in force, and each area with a series of its own (newest version, date). */
export async function protocolOverview(db: Db, ctx: RequestContext) {
  authorizeContext(ctx, 'protocol.view');
  const kinds = Object.keys(SLUG_OF) as ConfigKind[];
  for (const kind of kinds) await configInForce(db, kind, null);
  const list = await db
    .select({ kind: protocolVersions.kind, geographyId: protocolVersions.geographyId, version: max(protocolVersions.version), versions: count() })
    .from(protocolVersions)
    .groupBy(protocolVersions.kind, protocolVersions.geographyId);
  const newest = await db
    .select({
      kind: protocolVersions.kind,
      geographyId: protocolVersions.geographyId,
      version: protocolVersions.version,
      createdAt: protocolVersions.createdAt,
      code: geographies.code,
      name: geographies.name,
      level: geographies.level,
    })
    .from(protocolVersions)
    .leftJoin(geographies, eq(geographies.id, protocolVersions.geographyId))
    .orderBy(asc(geographies.name));
  const own = await actorsArea(db, ctx);
  const canEditNational = await mayConfigure(db, ctx, nationalRef);
  const canEditOwn = own ? await mayConfigure(db, ctx, { ...own, id: own.id }) : false;
  return kinds.map((kind) => {
    const series = list.filter((l) => l.kind === kind);
    const latestOf = (geographyId: string | null) => {
      const v = series.find((s) => s.geographyId === geographyId)?.version;
      return newest.find((n) => n.kind === kind && n.geographyId === geographyId && n.version === v) ?? null;
    };
    const national = latestOf(null);
    const areas = series
      .filter((s) => s.geographyId !== null)
      .map((s) => {
        const n = latestOf(s.geographyId) as NonNullable<ReturnType<typeof latestOf>>;
        return {
          code: n.code as string,
          name: n.name as string,
          level: n.level as string,
          version: n.version,
          versions: s.versions,
          createdAt: n.createdAt,
          canEdit: canEditOwn && own?.id === s.geographyId,
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
    return {
      kind,
      slug: SLUG_OF[kind],
      label: CONFIG_KIND_LABELS[kind],
      national: { version: national?.version ?? 1, createdAt: national?.createdAt ?? null, canEdit: canEditNational },
      areas,
      /** The actor's own area when it has no series yet: they may start one. */
      ownWithout: own && canEditOwn && !areas.some((a) => a.code === own.code) ? own : null,
    };
  });
}

/**
 * One kind for one area: what is in force there (its own newest version, or inherited from a larger
 * area or the national default), the chosen version (its own version `version`, default the one in
 * force), and the area's own version history.
 */
export async function protocolDetail(db: Db, ctx: RequestContext, slug: string, code: string, version?: number) {
  authorizeContext(ctx, 'protocol.view');
  const kind = kindOf(slug);
  const geography = await geographyOf(db, code);
  const inForce = await configInForce(db, kind, geography.id);
  const history = await db
    .select({
      id: protocolVersions.id,
      version: protocolVersions.version,
      changeReason: protocolVersions.changeReason,
      libraryVersionId: protocolVersions.libraryVersionId,
      createdAt: protocolVersions.createdAt,
      createdBy: users.displayName,
      definition: protocolVersions.definition,
    })
    .from(protocolVersions)
    .leftJoin(users, eq(users.id, protocolVersions.createdByUserId))
    .where(and(eq(protocolVersions.kind, kind), geography.id ? eq(protocolVersions.geographyId, geography.id) : isNull(protocolVersions.geographyId)))
    .orderBy(sql`${protocolVersions.version} desc`);
  let shown: { id: string; version: number; definition: unknown; createdAt: Date; geographyId: string | null; libraryVersionId: string | null };
  if (version !== undefined) {
    const v = history.find((h) => h.version === version);
    if (!v) throw new NotFoundError('Protocol version');
    shown = { ...v, geographyId: geography.id };
  } else shown = { ...inForce, libraryVersionId: inForce.libraryVersionId ?? null };
  const inheritedFrom = inForce.geographyId === geography.id ? null : await sourceOf(db, inForce.geographyId);
  const shownFrom = shown.geographyId === geography.id ? geography : await sourceOf(db, shown.geographyId);
  const openCases =
    kind === 'case_milestones'
      ? await db.select({ versionId: cases.protocolVersionId, n: count() }).from(cases).where(eq(cases.status, 'open')).groupBy(cases.protocolVersionId)
      : [];
  const casesOn = (id: string) => Number(openCases.find((c) => c.versionId === id)?.n ?? 0);
  return {
    kind,
    slug: SLUG_OF[kind],
    label: CONFIG_KIND_LABELS[kind],
    geography,
    inForce: { id: inForce.id, version: inForce.version, createdAt: inForce.createdAt, from: inheritedFrom },
    shown: {
      ...shown,
      from: shownFrom,
      inForce: shown.id === inForce.id,
      openCases: casesOn(shown.id),
      implements: await versionLink(db, shown.libraryVersionId),
    },
    history: await Promise.all(
      history.map(async ({ definition: _d, ...h }) => ({
        ...h,
        inForce: h.id === inForce.id,
        openCases: casesOn(h.id),
        implements: await versionLink(db, h.libraryVersionId),
      })),
    ),
    canEdit: await mayConfigure(db, ctx, geography),
  };
}

async function sourceOf(db: Db, geographyId: string | null): Promise<GeographyRef> {
  if (!geographyId) return nationalRef;
  const [g] = await db.select().from(geographies).where(eq(geographies.id, geographyId));
  return g ? { id: g.id, code: g.code, name: g.name, level: g.level } : nationalRef;
}

/** What the edit page starts from: the version in force for the area (its own, or the one it inherits). */
export async function configurationToEdit(db: Db, ctx: RequestContext, slug: string, code: string) {
  const kind = kindOf(slug);
  const geography = await geographyOf(db, code);
  authorizeContext(ctx, 'protocol.configure', { inActorsArea: await inActorsArea(db, ctx, geography) });
  const inForce = await configInForce(db, kind, geography.id);
  return {
    kind,
    slug: SLUG_OF[kind],
    label: CONFIG_KIND_LABELS[kind],
    geography,
    inForce: {
      id: inForce.id,
      version: inForce.version,
      definition: inForce.definition,
      own: inForce.geographyId === geography.id,
      from: await sourceOf(db, inForce.geographyId),
      libraryVersionId: inForce.libraryVersionId ?? null,
    },
    /** The published protocols, guidelines and procedures of the area this configuration may implement (the library). */
    implementable: await implementableVersions(db, geography.id),
  };
}

// ── Saving ─────────────────────────────────────────────────────────────────────────────────────────

const changeReasonSchema = z
  .string({ error: 'Enter why the configuration is changing' })
  .trim()
  .min(1, 'Enter why the configuration is changing, like "Partnership board agreed conference by 28 weeks"')
  .max(500, 'The reason must be 500 characters or fewer');

/** Thrown for a definition that does not validate: the field errors, plus each problem with where it is. */
export class DefinitionError extends ValidationError {
  constructor(
    fieldErrors: Record<string, string>,
    readonly problems: DefinitionProblem[],
  ) {
    super(fieldErrors);
  }
}

/**
 * Save a new version of an area's configuration. The definition is validated with the schema the
 * service reads it with; anything wrong refuses the whole save, naming each problem by its path
 * (`definition.milestones.3.due.key`), and nothing changes.
 */
export async function saveProtocolVersion(db: Db, ctx: RequestContext, slug: string, code: string, raw: unknown): Promise<{ id: string; version: number }> {
  const kind = kindOf(slug);
  const geography = await geographyOf(db, code);
  authorizeContext(ctx, 'protocol.configure', { inActorsArea: await inActorsArea(db, ctx, geography) });
  const body = (typeof raw === 'object' && raw !== null ? raw : {}) as { definition?: unknown; changeReason?: unknown; libraryVersionId?: unknown };
  const fields: Record<string, string> = {};
  // The document version it implements: optional, and only a version published now (the library's link).
  const implementsId = typeof body.libraryVersionId === 'string' && body.libraryVersionId ? body.libraryVersionId : null;
  const implemented = implementsId ? await versionLink(db, implementsId) : null;
  if (implementsId && implemented?.status !== 'published') fields.libraryVersionId = 'Choose a published document version from the list, or none';
  const checked = validateDefinition(kind, body.definition);
  const problems = checked.ok ? [] : checked.problems;
  for (const p of problems) {
    const key = p.path ? `definition.${p.path}` : 'definition';
    if (!(key in fields)) fields[key] = p.message;
  }
  const reason = changeReasonSchema.safeParse(body.changeReason);
  if (!reason.success) fields.changeReason = reason.error.issues[0]!.message;
  if (!checked.ok || !reason.success || fields.libraryVersionId) throw new DefinitionError(fields, problems);
  // The documented default is version 1 of the national series even when nobody has used it yet.
  await configInForce(db, kind, null);

  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(async (tx) => {
        const where = and(
          eq(protocolVersions.kind, kind),
          geography.id ? eq(protocolVersions.geographyId, geography.id) : isNull(protocolVersions.geographyId),
        );
        const [{ latest } = { latest: null }] = await tx
          .select({ latest: max(protocolVersions.version) })
          .from(protocolVersions)
          .where(where);
        const version = (latest ?? 0) + 1;
        const [row] = await tx
          .insert(protocolVersions)
          .values({
            kind,
            geographyId: geography.id,
            version,
            definition: checked.value,
            changeReason: reason.data,
            libraryVersionId: implemented ? implemented.versionId : null,
            createdByUserId: ctx.actor?.userId ?? null,
          })
          .returning({ id: protocolVersions.id });
        await recordAudit(tx, ctx, {
          action: 'protocol.configure',
          verb: 'C',
          entityType: 'ProtocolVersion',
          entityId: row!.id,
          detail: { kind, geography: geography.code, version, implements: implemented ? `${implemented.title} ${implemented.version}` : null },
          reason: reason.data,
        });
        return { id: row!.id, version };
      });
    } catch (err) {
      // Two saves at once: the unique index keeps one of each number; the second takes the next.
      if (attempt < 3 && /protocol_versions_unique/.test(String((err as Error).message) + String((err as { cause?: Error }).cause?.message))) continue;
      throw err;
    }
  }
}
