import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { MatchIndex } from './matching/index';
import type { Bands, Query } from './matching/model';
import { parseScreeningRow, rowToIdentities, rowToQuery, type RowIssue, type ScreeningRow } from './matching/screen';

/**
 * Bulk screening: a list of people (today's bookings, admissions, ED attendances) checked against a
 * register. The CSV contract (issue 4): a header row, columns in any order, unknown columns ignored,
 * only `id` required. A malformed row is reported with its line number and the others go on.
 */

export interface CsvRow {
  /** Line in the file where the row starts (the header is line 1). */
  line: number;
  record: Record<string, string>;
}

export interface ScreeningProblem {
  line: number;
  field: string;
  message: string;
  /** Warnings are screened anyway; errors are skipped. */
  severity: 'error' | 'warning';
}

export interface ScreeningMatch {
  inputId: string;
  rank: number;
  referenceId: string;
  probability: number;
  band: Bands;
}

/** Something that can be searched: a reference file's index or the live register. */
export type Searcher = (query: Query, top: number) => { referenceId: string; probability: number; band: Bands }[];

export const OUTPUT_COLUMNS = ['input_id', 'rank', 'reference_id', 'probability', 'band'] as const;
export const MAX_ROWS = 1_000_000;

/** Read a screening CSV. A file that cannot be read as CSV at all is one problem at the line it broke. */
export function readScreeningCsv(text: string): { rows: CsvRow[]; problems: ScreeningProblem[] } {
  let records: { record: Record<string, string>; info: { lines: number; empty_lines: number } }[];
  let header: string[] = [];
  try {
    const columns = (h: string[]) => (header = h.map((c) => c.trim().toLowerCase()));
    records = parse(text, { columns, bom: true, trim: true, skip_empty_lines: true, info: true, relax_column_count: true }) as typeof records;
  } catch (err) {
    const line = (err as { lines?: number }).lines ?? 1;
    return { rows: [], problems: [{ line, field: 'file', message: `the file is not valid CSV: ${(err as Error).message}`, severity: 'error' }] };
  }
  if (records.length > MAX_ROWS)
    return {
      rows: [],
      problems: [{ line: 1, field: 'file', message: `the file has more than ${MAX_ROWS.toLocaleString('en-GB')} rows: split it`, severity: 'error' }],
    };
  if (!header.includes('id')) return { rows: [], problems: [{ line: 1, field: 'id', message: 'the header row has no id column', severity: 'error' }] };
  // csv-parse's `info.lines` is the line a record ends on and `info.empty_lines` counts blank lines skipped
  // so far: a record starts after the previous one ended and after the blank lines skipped since.
  let previousEnd = 1;
  let previousEmpty = 0;
  const rows = records.map((r) => {
    const row = { line: previousEnd + 1 + (r.info.empty_lines - previousEmpty), record: r.record };
    previousEnd = r.info.lines;
    previousEmpty = r.info.empty_lines;
    return row;
  });
  return { rows, problems: [] };
}

/** Validate rows; invalid ones become problems and are not screened. */
export function validateRows(rows: CsvRow[]): { valid: { line: number; row: ScreeningRow }[]; problems: ScreeningProblem[] } {
  const valid: { line: number; row: ScreeningRow }[] = [];
  const problems: ScreeningProblem[] = [];
  const asProblem =
    (line: number, severity: 'error' | 'warning') =>
    (i: RowIssue): ScreeningProblem => ({ line, field: i.field, message: i.message, severity });
  for (const { line, record } of rows) {
    const parsed = parseScreeningRow(record, line);
    if (!parsed.ok) {
      problems.push(...parsed.errors.map(asProblem(line, 'error')));
      continue;
    }
    problems.push(...parsed.warnings.map(asProblem(line, 'warning')));
    valid.push({ line, row: parsed.row });
  }
  return { valid, problems };
}

/** An index of a reference file's people (for benchmarks and offline checks): reference_id is its `id`. */
export function referenceSearcher(reference: ScreeningRow[]): Searcher {
  const index = new MatchIndex();
  for (const row of reference) for (const identity of rowToIdentities(row)) index.add(identity);
  return (query, top) =>
    index.search(query, { limit: top, minBand: 'possible' }).map((c) => ({ referenceId: c.subjectId, probability: c.probability, band: c.band }));
}

export function screen(rows: { row: ScreeningRow }[], search: Searcher, top: number): ScreeningMatch[] {
  const out: ScreeningMatch[] = [];
  for (const { row } of rows) {
    search(rowToQuery(row), top).forEach((c, i) => {
      out.push({ inputId: row.id, rank: i + 1, referenceId: c.referenceId, probability: c.probability, band: c.band });
    });
  }
  return out;
}

export function matchesToCsv(matches: ScreeningMatch[]): string {
  return stringify(
    matches.map((m) => [m.inputId, m.rank, m.referenceId, m.probability.toFixed(6), m.band]),
    { header: true, columns: [...OUTPUT_COLUMNS] },
  );
}
