/**
 * Assurance on the discharge gate: how often a discharge was decided past it, where, why, and whether
 * every override has been reviewed by a safeguarding lead. The partnership uses this to show that the
 * gate is embedded (few overrides, all reviewed) or to see where it is not.
 *
 * Counts only: no names, no reasons. The one list (overrides still waiting for review) names each case
 * by its reference, which those with access can open.
 */
import { and, eq, gte, lte } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { authorizeList } from '../platform/auth/policy';
import { recordAuditNow } from '../platform/audit/service';
import { parseInput } from '../platform/errors';
import { organisations } from '../directory/schema';
import { addDays, daysBetween, isIsoDate, londonDate } from '../platform/dates';
import { cases, dischargeDecisions } from '../cases/schema';
import { caseScope } from '../cases/access';
import { endOfLondonDay } from '../platform/working-days';
import type { Blocker } from '../cases/discharge-gate';
import { monthLabel, monthsOf } from './audit-rules';

export const BLOCKER_LABELS: Record<Blocker['code'], string> = {
  dpm_not_decided: 'Not decided whether a discharge planning meeting was needed',
  dpm_not_held: 'Required discharge planning meeting not held',
  toxicology_pending: 'Toxicology results pending',
};
const BLOCKER_CODES = Object.keys(BLOCKER_LABELS) as Blocker['code'][];

/** A report covers at most five years, month by month. */
export const MAX_PERIOD_DAYS = 5 * 366;

const isoDay = (what: string) =>
  z
    .string({ error: `Enter the ${what} date` })
    .trim()
    .nullish()
    .transform((v) => v || null)
    .refine((v) => v === null || isIsoDate(v), `The ${what} date must be a real date, like 2026-01-31`);

/** The period: both ends are London dates and included. Defaults: the last 12 months to today. */
export function reportPeriodSchema(now: Date) {
  const today = londonDate(now);
  return z
    .object({ from: isoDay('start'), to: isoDay('end') })
    .transform((v) => ({ from: v.from ?? addDays(v.to ?? today, -364), to: v.to ?? today }))
    .superRefine((v, ctx) => {
      if (v.to > today) ctx.addIssue({ code: 'custom', path: ['to'], message: 'The end date cannot be in the future' });
      if (v.from > v.to) ctx.addIssue({ code: 'custom', path: ['from'], message: 'The start date must be on or before the end date' });
      else if (daysBetween(v.from, v.to) > MAX_PERIOD_DAYS) ctx.addIssue({ code: 'custom', path: ['from'], message: 'The period can be at most five years' });
    });
}

interface Counts {
  decisions: number;
  overrides: number;
  unreviewed: number;
}
const zero = (): Counts => ({ decisions: 0, overrides: 0, unreviewed: 0 });

/** Overrides as a share of decisions, as a whole percentage (null when there were no decisions). */
const rate = (c: Counts) => (c.decisions ? Math.round((100 * c.overrides) / c.decisions) : null);

/**
 * Discharge decisions in the period (by when they were decided): totals, overrides and how many are not
 * yet reviewed, by lead organisation, by what was overridden and by month; and the overrides waiting for
 * review, oldest first. Reading it is audited.
 */
export async function dischargeOverrideReport(db: Db, ctx: RequestContext, raw: { from?: unknown; to?: unknown }, now = new Date()) {
  authorizeList(ctx, 'case.report');
  const period = parseInput(reportPeriodSchema(now), { from: raw.from ?? null, to: raw.to ?? null });
  const start = new Date(endOfLondonDay(addDays(period.from, -1)).getTime() + 1);
  const end = endOfLondonDay(period.to);
  const rows = await db
    .select({
      id: dischargeDecisions.id,
      caseId: dischargeDecisions.caseId,
      gateOutcome: dischargeDecisions.gateOutcome,
      decidedAt: dischargeDecisions.decidedAt,
      flaggedAt: dischargeDecisions.flaggedAt,
      reviewedAt: dischargeDecisions.reviewedAt,
      blockers: dischargeDecisions.blockers,
      reference: cases.reference,
      leadOrganisation: organisations.name,
    })
    .from(dischargeDecisions)
    .innerJoin(cases, eq(cases.id, dischargeDecisions.caseId))
    .innerJoin(organisations, eq(organisations.id, cases.leadOrganisationId))
    .where(and(gte(dischargeDecisions.decidedAt, start), lte(dischargeDecisions.decidedAt, end), await caseScope(db, ctx, 'case.report')));

  const totals = zero();
  const byOrganisation = new Map<string, Counts>();
  const byMonth = new Map(monthsOf(period.from, period.to).map((m) => [m, zero()]));
  const byBlocker = new Map(BLOCKER_CODES.map((c) => [c, 0]));
  const waiting: {
    decisionId: string;
    caseId: string;
    reference: string;
    leadOrganisation: string;
    decidedAt: Date;
    flaggedAt: Date | null;
    daysWaiting: number;
    blockers: string[];
  }[] = [];

  for (const r of rows) {
    const overridden = r.gateOutcome === 'overridden';
    const unreviewed = overridden && !r.reviewedAt;
    const org = byOrganisation.get(r.leadOrganisation) ?? zero();
    byOrganisation.set(r.leadOrganisation, org);
    const month = byMonth.get(londonDate(r.decidedAt).slice(0, 7));
    for (const c of [totals, org, ...(month ? [month] : [])]) {
      c.decisions++;
      if (overridden) c.overrides++;
      if (unreviewed) c.unreviewed++;
    }
    if (!overridden) continue;
    const codes = [
      ...new Set(
        ((r.blockers ?? []) as { code?: string }[]).map((b) => b.code).filter((c): c is Blocker['code'] => !!c && byBlocker.has(c as Blocker['code'])),
      ),
    ];
    for (const c of codes) byBlocker.set(c, byBlocker.get(c)! + 1);
    if (unreviewed) {
      const since = r.flaggedAt ?? r.decidedAt;
      waiting.push({
        decisionId: r.id,
        caseId: r.caseId,
        reference: r.reference,
        leadOrganisation: r.leadOrganisation,
        decidedAt: r.decidedAt,
        flaggedAt: r.flaggedAt,
        daysWaiting: Math.max(0, daysBetween(londonDate(since), londonDate(now))),
        blockers: codes.map((c) => BLOCKER_LABELS[c]),
      });
    }
  }
  waiting.sort((a, b) => (a.flaggedAt ?? a.decidedAt).getTime() - (b.flaggedAt ?? b.decidedAt).getTime());

  await recordAuditNow(db, ctx, {
    action: 'case.report.discharge_overrides',
    verb: 'R',
    entityType: 'Case',
    detail: { from: period.from, to: period.to, decisions: totals.decisions, overrides: totals.overrides },
  });
  return {
    period,
    totals: { ...totals, overrideRate: rate(totals) },
    byOrganisation: [...byOrganisation.entries()]
      .map(([organisation, c]) => ({ organisation, ...c, overrideRate: rate(c) }))
      .sort((a, b) => b.overrides - a.overrides || b.decisions - a.decisions || a.organisation.localeCompare(b.organisation)),
    byBlocker: BLOCKER_CODES.map((code) => ({ code, label: BLOCKER_LABELS[code], overrides: byBlocker.get(code)! })),
    byMonth: [...byMonth.entries()].map(([month, c]) => ({ month, label: monthLabel(month), ...c })),
    unreviewed: waiting,
  };
}
export type DischargeOverrideReport = Awaited<ReturnType<typeof dischargeOverrideReport>>;
