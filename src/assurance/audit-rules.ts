/**
 * The audit's arithmetic, pure: the periods (six months from the SOP's implementation, the six before as
 * baseline), and one criterion's figures from its items — the share met in the period and the baseline,
 * RAG against the standard, month by month, by organisation and by unit, and the records not met.
 */
import { addDays, type IsoDate, londonDate } from '../platform/dates';

/** One record a criterion looked at: whether it met the standard, when it counts, and where. */
export interface AuditItem {
  /** The record's id (an alert, a delivery, a presentation, a reveal, a read). */
  id: string;
  /** What the drill-down shows: a reference, never a personal detail. */
  ref: string;
  /** The page the reference opens (which applies its own access rules), or null. */
  href: string | null;
  /** The moment that places it in a month. */
  at: Date;
  organisationId: string | null;
  unitId: string | null;
  met: boolean;
  /** Why it was not met, in words ("Acknowledged after 31 hours"), or null. */
  note: string | null;
  /** A time measured, in minutes (approval, delivery, acknowledgement), for the median. */
  minutes?: number | null;
  /** A further breakdown where the criterion has one (the milestone, the escalation stage), in words. */
  group?: string | null;
}

export type Rag = 'green' | 'amber' | 'red' | 'none';
export const RAG_LABELS: Record<Rag, string> = { green: 'Green', amber: 'Amber', red: 'Red', none: 'No records' };
/** Amber: below the standard by at most this many percentage points. */
export const AMBER_MARGIN = 10;

export interface Tally {
  met: number;
  total: number;
  /** Met as a percentage of total, to one decimal place; null with nothing to count. */
  pct: number | null;
}

export interface CriterionFigures {
  period: Tally;
  baseline: Tally | null;
  rag: Rag;
  /** The change from the baseline, in percentage points (null when either has nothing to count). */
  change: number | null;
  medianMinutes: number | null;
  byMonth: (Tally & { month: string; label: string; inBaseline: boolean })[];
  byOrganisation: (Tally & { organisationId: string })[];
  byUnit: (Tally & { unitId: string; organisationId: string | null })[];
  /** By the criterion's own grouping (which milestone, which stage), lowest first; empty when it has none. */
  byGroup: (Tally & { group: string })[];
  /** The period's records not met, oldest first. */
  failing: { id: string; ref: string; href: string | null; at: string; organisationId: string | null; unitId: string | null; note: string | null }[];
}

export interface AuditPeriod {
  from: IsoDate;
  to: IsoDate;
  baselineFrom: IsoDate | null;
  baselineTo: IsoDate | null;
}

/** The same day `n` months later (the last day of the month when it has fewer days: 31 August + 6 months = 28 February). */
export function addMonths(iso: IsoDate, n: number): IsoDate {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + n;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/** `months` months from `from` (the last day included), and the same length before as baseline when asked. */
export function auditPeriod(from: IsoDate, months: number, baseline: boolean): AuditPeriod {
  const to = addDays(addMonths(from, months), -1);
  return baseline ? { from, to, baselineFrom: addMonths(from, -months), baselineTo: addDays(from, -1) } : { from, to, baselineFrom: null, baselineTo: null };
}

/** The months a period touches, as YYYY-MM. */
export function monthsOf(from: IsoDate, to: IsoDate): string[] {
  const out: string[] = [];
  for (let m = from.slice(0, 7); m <= to.slice(0, 7); m = addMonths(`${m}-01`, 1).slice(0, 7)) out.push(m);
  return out;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
/** "March 2026" for 2026-03. */
export const monthLabel = (ym: string) => `${MONTHS[Number(ym.slice(5, 7)) - 1]} ${ym.slice(0, 4)}`;

export function tally(met: number, total: number): Tally {
  return { met, total, pct: total ? Math.round((1000 * met) / total) / 10 : null };
}

export function ragOf(t: Tally, target: number): Rag {
  if (t.pct === null) return 'none';
  if (t.pct >= target) return 'green';
  return t.pct >= target - AMBER_MARGIN ? 'amber' : 'red';
}

export function median(values: readonly number[]): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : Math.round(((s[mid - 1]! + s[mid]!) / 2) * 10) / 10;
}

class Counter {
  private readonly m = new Map<string, { met: number; total: number }>();
  add(key: string, met: boolean) {
    const c = this.m.get(key) ?? { met: 0, total: 0 };
    c.total++;
    if (met) c.met++;
    this.m.set(key, c);
  }
  get(key: string): Tally {
    const c = this.m.get(key);
    return c ? tally(c.met, c.total) : tally(0, 0);
  }
  keys() {
    return [...this.m.keys()];
  }
}

/**
 * One criterion's figures. Items are placed by their London date: in the period, in the baseline, or
 * left out. The breakdown and the failing list are the period's.
 */
export function figures(items: readonly AuditItem[], period: AuditPeriod, target: number): CriterionFigures {
  const inPeriod = new Counter();
  const inBaseline = new Counter();
  const months = new Counter();
  const orgs = new Counter();
  const units = new Counter();
  const groups = new Counter();
  const unitOrg = new Map<string, string | null>();
  const minutes: number[] = [];
  const failing: CriterionFigures['failing'] = [];
  for (const it of items) {
    const day = londonDate(it.at);
    const month = day.slice(0, 7);
    if (day >= period.from && day <= period.to) {
      inPeriod.add('all', it.met);
      months.add(month, it.met);
      if (it.organisationId) orgs.add(it.organisationId, it.met);
      if (it.unitId) {
        units.add(it.unitId, it.met);
        unitOrg.set(it.unitId, it.organisationId);
      }
      if (it.group) groups.add(it.group, it.met);
      if (typeof it.minutes === 'number') minutes.push(it.minutes);
      if (!it.met)
        failing.push({ id: it.id, ref: it.ref, href: it.href, at: it.at.toISOString(), organisationId: it.organisationId, unitId: it.unitId, note: it.note });
    } else if (period.baselineFrom && period.baselineTo && day >= period.baselineFrom && day <= period.baselineTo) {
      inBaseline.add('all', it.met);
      months.add(month, it.met);
    }
  }
  const p = inPeriod.get('all');
  const b = period.baselineFrom ? inBaseline.get('all') : null;
  const allMonths = [
    ...(period.baselineFrom && period.baselineTo ? monthsOf(period.baselineFrom, period.baselineTo) : []),
    ...monthsOf(period.from, period.to),
  ];
  failing.sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : x.ref.localeCompare(y.ref)));
  return {
    period: p,
    baseline: b,
    rag: ragOf(p, target),
    change: p.pct !== null && b?.pct != null ? Math.round((p.pct - b.pct) * 10) / 10 : null,
    medianMinutes: median(minutes),
    byMonth: [...new Set(allMonths)].map((m) => ({ month: m, label: monthLabel(m), inBaseline: m < period.from.slice(0, 7), ...months.get(m) })),
    byOrganisation: orgs
      .keys()
      .map((organisationId) => ({ organisationId, ...orgs.get(organisationId) }))
      .sort((x, y) => (x.pct ?? 0) - (y.pct ?? 0) || y.total - x.total),
    byUnit: units
      .keys()
      .map((unitId) => ({ unitId, organisationId: unitOrg.get(unitId) ?? null, ...units.get(unitId) }))
      .sort((x, y) => (x.pct ?? 0) - (y.pct ?? 0) || y.total - x.total),
    byGroup: groups
      .keys()
      .map((group) => ({ group, ...groups.get(group) }))
      .sort((x, y) => (x.pct ?? 0) - (y.pct ?? 0) || y.total - x.total || x.group.localeCompare(y.group)),
    failing,
  };
}

/** "2 h 5 min", "45 min", "3 days 4 h": a duration a reader takes in at a glance. */
export function formatMinutes(minutes: number): string {
  const m = Math.round(minutes);
  if (m < 60) return `${m} min`;
  if (m < 48 * 60) return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
  const days = Math.floor(m / (24 * 60));
  const h = Math.round((m - days * 24 * 60) / 60);
  return `${days} days${h ? ` ${h} h` : ''}`;
}

/** Whether an audit period is over on `now` (a London date after its last day): only then can a run be signed off. */
export const periodEnded = (periodTo: IsoDate, now: Date): boolean => periodTo < londonDate(now);
