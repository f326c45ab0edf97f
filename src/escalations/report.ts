import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { authorizeList } from '../platform/auth/policy';
import { recordAuditNow } from '../platform/audit/service';
import { ForbiddenError, parseInput, ValidationError } from '../platform/errors';
import { geographies } from '../directory/schema';
import { geographyAndBelow, organisationGeographyId, partnershipAreaIds } from '../directory/service';
import { configInForce } from '../cases/protocol-config';
import { endOfLondonDay } from '../platform/working-days';
import { addDays, londonDate } from '../platform/dates';
import { escalations } from './schema';
import { stageLabel } from './stage-tables';
import { inGeographies } from './access';
import { listQuery, type ListRow } from './reading';

import { DEFAULT_STAGES, ESCALATION_SUBJECT_LABELS, ESCALATION_SUBJECTS, type EscalationSubject, stageTableSchema } from './stages';
import { reportQuerySchema } from './model';

/** Areas a person may choose for the partnership view: ICB and local authority areas in their area (all, for auditors). */
export async function reportAreas(db: Db, ctx: RequestContext): Promise<{ id: string; name: string; level: string }[]> {
  const scope = authorizeList(ctx, 'escalation.report');
  const all = await db.select({ id: geographies.id, name: geographies.name, level: geographies.level }).from(geographies).orderBy(asc(geographies.name));
  let allowed: string[] | null = null;
  if (scope.kind !== 'all') {
    // Their own area and the areas within it: choosing the wider ICB area would still show only their part of it.
    const own = ctx.actor ? await organisationGeographyId(db, ctx.actor.organisationId) : null;
    allowed = own ? await geographyAndBelow(db, own) : [];
  }
  return all.filter((g) => (g.level === 'icb' || g.level === 'local_authority') && (allowed === null || allowed.includes(g.id)));
}

// ── The partnership view ───────────────────────────────────────────────────────────────────────────

const DAY_MS = 86_400_000;
const oneDecimal = (n: number) => Math.round(n * 10) / 10;

function median(sorted: readonly number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface EscalationReport {
  period: { from: string; to: string };
  areaName: string | null;
  raised: number;
  open: { total: number; byStage: { stage: number; label: string; count: number }[] };
  highestStage: { stage: number; label: string; count: number }[];
  closed: { resolved: number; referred: number; withdrawn: number };
  /** Days from raising to resolution, for those resolved; null when none were. */
  timeToResolve: { count: number; medianDays: number; meanDays: number } | null;
  overdue: number;
  themes: { subject: EscalationSubject; label: string; count: number }[];
}

/**
 * Totals for the partnership: escalations raised in the period (by day in England) in the area, what
 * stage the open ones are at, how far each went, how they ended, how long resolution took, how many are
 * overdue now, and what they were about. Counts only: no names, no concerns.
 */
export async function partnershipReport(db: Db, ctx: RequestContext, raw: unknown = {}, now = new Date()): Promise<EscalationReport> {
  const access = authorizeList(ctx, 'escalation.report');
  const q = parseInput(reportQuerySchema, raw);
  const to = q.to ?? londonDate(now);
  const from = q.from ?? addDays(to, -364);
  if (from > to) throw new ValidationError({ from: 'The start of the period must be the same as or before the end' });

  const actor = ctx.actor;
  const actorGeography = actor ? await organisationGeographyId(db, actor.organisationId) : null;
  // The partnership area's geographies for those the policy limits to their area; every area for the rest.
  let scope: string[] | null = null;
  if (access.kind === 'some') {
    if (access.conditions.some((c) => c !== 'inArea')) throw new Error('The escalation report knows only the inArea condition');
    scope = actorGeography ? await partnershipAreaIds(db, actorGeography) : [];
  } else if (access.kind === 'none') scope = [];
  let areaName: string | null = null;
  if (q.geographyId) {
    const [g] = await db.select({ name: geographies.name }).from(geographies).where(eq(geographies.id, q.geographyId));
    if (!g) throw new ValidationError({ geographyId: 'Choose an area from the list' });
    if (scope && !scope.includes(q.geographyId)) throw new ForbiddenError('escalation.report', 'You can see figures for your own partnership area only.');
    const below = await geographyAndBelow(db, q.geographyId);
    scope = scope ? below.filter((id) => scope!.includes(id)) : below;
    areaName = g.name;
  }

  const start = new Date(endOfLondonDay(addDays(from, -1)).getTime() + 1);
  const end = endOfLondonDay(to);
  const inScope = scope === null ? undefined : inGeographies(scope);
  const list = await listQuery(db).where(
    and(inScope, sql`${escalations.createdAt} >= ${start.toISOString()}::timestamptz`, sql`${escalations.createdAt} <= ${end.toISOString()}::timestamptz`),
  );

  // Stage names from the table in force for the area reported on (escalations keep their own table's numbers).
  const labelTable =
    stageTableSchema.safeParse((await configInForce(db, 'escalation_stages', q.geographyId ?? actorGeography)).definition).data ?? DEFAULT_STAGES;
  const count = (pred: (r: ListRow) => boolean) => list.filter(pred).length;
  const stagesSeen = [...new Set([...labelTable.map((s) => s.stage), ...list.map((r) => r.stage)])].sort((a, b) => a - b);
  const open = list.filter((r) => r.status === 'open');
  const resolvedDays = list
    .filter((r) => r.status === 'resolved' && r.closedAt)
    .map((r) => (r.closedAt!.getTime() - r.createdAt.getTime()) / DAY_MS)
    .sort((a, b) => a - b);

  const report: EscalationReport = {
    period: { from, to },
    areaName,
    raised: list.length,
    open: {
      total: open.length,
      byStage: stagesSeen.map((s) => ({ stage: s, label: stageLabel(labelTable, s), count: open.filter((r) => r.stage === s).length })),
    },
    highestStage: stagesSeen.map((s) => ({ stage: s, label: stageLabel(labelTable, s), count: count((r) => r.stage === s) })),
    closed: {
      resolved: count((r) => r.status === 'resolved'),
      referred: count((r) => r.status === 'referred_to_partnership'),
      withdrawn: count((r) => r.status === 'withdrawn'),
    },
    timeToResolve: resolvedDays.length
      ? {
          count: resolvedDays.length,
          medianDays: oneDecimal(median(resolvedDays)),
          meanDays: oneDecimal(resolvedDays.reduce((a, b) => a + b, 0) / resolvedDays.length),
        }
      : null,
    overdue: open.filter((r) => r.dueAt && r.dueAt.getTime() < now.getTime()).length,
    themes: ESCALATION_SUBJECTS.map((s) => ({ subject: s, label: ESCALATION_SUBJECT_LABELS[s], count: count((r) => r.subject === s) })),
  };
  await recordAuditNow(db, ctx, {
    action: 'escalation.report',
    verb: 'R',
    entityType: 'Escalation',
    detail: { from, to, geographyId: q.geographyId ?? null, raised: report.raised },
  });
  return report;
}
