/**
 * The learning needs analysis's rules, pure: when a review round can be signed off, what it found, and
 * workforce coverage (who has completed training on a topic against how many people there are).
 */
import { parse } from 'csv-parse/sync';
import type { Coverage } from './needs-model';

export interface Finding {
  courseTitle: string;
  coverage: Coverage | null;
  action: string | null;
}

/** Counts of what a round found, and how many courses are still to review. */
export function roundProgress(items: readonly Finding[]) {
  const count = (c: Coverage) => items.filter((i) => i.coverage === c).length;
  const reviewed = items.filter((i) => i.coverage !== null).length;
  return {
    total: items.length,
    reviewed,
    toReview: items.length - reviewed,
    covered: count('covered'),
    partly: count('partly'),
    notCovered: count('not_covered'),
  };
}

/**
 * Why a round cannot be signed off yet (empty: it can): every course reviewed, and every course that does
 * not fully cover the topic has an action.
 */
export function signOffProblems(items: readonly Finding[]): string[] {
  const problems: string[] = [];
  const unreviewed = items.filter((i) => i.coverage === null);
  if (unreviewed.length)
    problems.push(
      `${unreviewed.length} ${unreviewed.length === 1 ? 'course has' : 'courses have'} not been reviewed yet: ${unreviewed.map((i) => i.courseTitle).join(', ')}`,
    );
  const noAction = items.filter((i) => i.coverage && i.coverage !== 'covered' && !i.action);
  if (noAction.length) problems.push(`Agree an action for ${noAction.map((i) => i.courseTitle).join(', ')}`);
  return problems;
}

/** A round is overdue when its due date has passed and it has not been signed off. */
export const roundOverdue = (r: { dueOn: string; status: string }, today: string): boolean => r.status !== 'signed_off' && r.dueOn < today;

export interface CountCell {
  organisationId: string;
  role: string;
  count: number;
}

export interface CoverageRow {
  organisationId: string;
  role: string;
  /** The people to train: the imported headcount where there is one, else the people Beacon knows. */
  headcount: number;
  source: 'imported' | 'beacon';
  completed: number;
  /** Whole percent of the headcount who completed (null for a headcount of 0). */
  percent: number | null;
  /** People still to train to reach the target. */
  shortfall: number;
  gap: boolean;
}

const key = (c: { organisationId: string; role: string }) => `${c.organisationId}|${c.role}`;

/**
 * Coverage for each organisation and role: completions against the headcount (imported where given,
 * otherwise Beacon's people), and the gap to the target. A completion is never counted beyond the
 * headcount, and a group with completions but no known headcount is still shown (headcount = completions).
 */
export function coverageRows(input: {
  people: readonly CountCell[];
  imported: readonly CountCell[];
  completed: readonly CountCell[];
  targetPercent: number;
}): CoverageRow[] {
  const people = new Map(input.people.map((c) => [key(c), c]));
  const imported = new Map(input.imported.map((c) => [key(c), c]));
  const completed = new Map(input.completed.map((c) => [key(c), c]));
  const keys = new Set([...people.keys(), ...imported.keys(), ...completed.keys()]);
  const rows: CoverageRow[] = [];
  for (const k of keys) {
    const [organisationId, role] = k.split('|') as [string, string];
    const done = completed.get(k)?.count ?? 0;
    const imp = imported.get(k);
    const headcount = Math.max(imp ? imp.count : (people.get(k)?.count ?? 0), imp ? 0 : done);
    const counted = Math.min(done, headcount);
    const needed = Math.ceil((headcount * input.targetPercent) / 100);
    rows.push({
      organisationId,
      role,
      headcount,
      source: imp ? 'imported' : 'beacon',
      completed: counted,
      percent: headcount ? Math.round((counted / headcount) * 100) : null,
      shortfall: Math.max(0, needed - counted),
      gap: headcount > 0 && counted < needed,
    });
  }
  return rows;
}

/** Totals over coverage rows (the partnership's figure). */
export function coverageTotal(rows: readonly CoverageRow[], targetPercent: number) {
  const headcount = rows.reduce((s, r) => s + r.headcount, 0);
  const completed = rows.reduce((s, r) => s + r.completed, 0);
  return {
    headcount,
    completed,
    percent: headcount ? Math.round((completed / headcount) * 100) : null,
    shortfall: rows.reduce((s, r) => s + r.shortfall, 0),
    gaps: rows.filter((r) => r.gap).length,
    targetPercent,
  };
}

export interface HeadcountLine {
  line: number;
  odsCode: string;
  role: string;
  headcount: string;
}

/**
 * Check an imported headcount file's rows: a known organisation of the partnership, a known role, a
 * whole number; the same organisation and role only once. Every problem is listed with its line.
 */
export function checkHeadcounts(
  lines: readonly HeadcountLine[],
  organisationByOds: (ods: string) => string | null,
  roleOf: (text: string) => string | null,
): { rows: CountCell[]; problems: string[] } {
  const rows: CountCell[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  if (!lines.length) problems.push('The file has no rows. Use the columns ods_code, role, headcount');
  for (const l of lines) {
    const org = organisationByOds(l.odsCode.trim());
    const role = roleOf(l.role);
    const n = l.headcount.trim();
    if (!org) problems.push(`Line ${l.line}: no organisation of this partnership has the ODS code “${l.odsCode.trim()}”`);
    if (!role) problems.push(`Line ${l.line}: “${l.role.trim()}” is not a Beacon role`);
    if (!/^\d{1,6}$/.test(n)) problems.push(`Line ${l.line}: the headcount must be a whole number, not “${n}”`);
    if (!org || !role || !/^\d{1,6}$/.test(n)) continue;
    const k = `${org}|${role}`;
    if (seen.has(k)) {
      problems.push(`Line ${l.line}: ${l.odsCode.trim()} and ${l.role.trim()} appear more than once`);
      continue;
    }
    seen.add(k);
    rows.push({ organisationId: org, role, count: Number(n) });
  }
  return { rows, problems };
}

/** A pasted or uploaded headcount file (ods_code, role, headcount, with a header row) as lines to check. */
export function headcountLines(text: string): { lines: HeadcountLine[]; problem: string | null } {
  let records: string[][];
  try {
    records = parse(text.trim(), { skip_empty_lines: true, trim: true, relax_column_count: true });
  } catch {
    return { lines: [], problem: 'The headcounts could not be read as CSV. Use the columns ods_code, role, headcount' };
  }
  const [header, ...rows] = records;
  const cols = (header ?? []).map((h) => h.toLowerCase().replace(/\s+/g, '_'));
  const at = (name: string) => cols.indexOf(name);
  if (at('ods_code') < 0 || at('role') < 0 || at('headcount') < 0)
    return { lines: [], problem: 'The first row must name the columns ods_code, role, headcount' };
  return {
    lines: rows.map((r, i) => ({ line: i + 2, odsCode: r[at('ods_code')] ?? '', role: r[at('role')] ?? '', headcount: r[at('headcount')] ?? '' })),
    problem: null,
  };
}
