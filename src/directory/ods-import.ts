/**
 * Import organisations from an NHS ODS-style CSV extract (see docs/ods-import.md).
 *
 * The file must start with a header row. Header names are matched ignoring case, spaces, underscores
 * and punctuation ("Organisation Code", "organisation_code" and "OrganisationCode" are the same).
 * Columns Beacon does not know are ignored.
 *
 *   column           required  also accepted as
 *   ods_code         yes       Organisation Code, code, org_code, ODS Code, OrgId
 *   name             yes       Name, organisation_name, org_name
 *   type             yes       organisation_type, org_type, role, primary_role, PrimaryRoleDescription
 *                              (a Beacon type such as acute_trust, or an ODS role name such as NHS TRUST)
 *   geography_code   yes       icb_code, commissioner, area_code, geography
 *                              (the code of an area already in Beacon, e.g. QRL or an LA code)
 *   address_line     no        address, Address Line 1 … Address Line 5, town (all joined with ", ")
 *   postcode         no        post_code
 *   phone            no        telephone, telephone_number, phone_number
 *   status           no        Active or Inactive; blank means Active
 *
 * All or nothing: every row is checked first, and if any row is wrong nothing is written and the
 * report lists every problem with its line number in the file (the header is line 1; a quoted value
 * that runs over several lines counts every line). When every row is good, one transaction creates
 * new organisations and updates existing ones matched by ODS code (ignoring case), with one audit
 * event for the import and one per organisation created or changed. For an existing organisation,
 * an optional column the file does not have leaves that field as it is; a blank cell clears it.
 */
import { parse, type CsvError } from 'csv-parse/sync';
import { inArray, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { authorizeContext } from '../platform/auth/policy';
import { recordAudit } from '../platform/audit/service';
import { ConflictError } from '../platform/errors';
import { geographies, organisations } from './schema';
import { ODS_CODE, ORGANISATION_TYPES, ORGANISATION_TYPE_LABELS, organisationInput, type OrganisationInput, type OrganisationType } from './model';

export const ODS_IMPORT_MAX_ROWS = 50_000;

export interface OdsImportProblem {
  /** Line in the file, 1-based; the header row is line 1. */
  line: number;
  /** The column the problem is in (canonical name, e.g. `postcode`), when it is about one column. */
  field?: string;
  message: string;
}

export interface OdsImportReport {
  ok: boolean;
  /** Organisation rows in the file (not counting the header or blank lines). */
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  errors: OdsImportProblem[];
  dryRun: boolean;
}

export interface OdsImportOptions {
  /** Check the file and count what would change, without writing anything. */
  dryRun?: boolean;
}

/** `line 7: postcode "SO16 XYZ" is not a real postcode` */
export function formatOdsImportProblem(p: OdsImportProblem): string {
  return `line ${p.line}: ${p.message}`;
}

// ---------------------------------------------------------------------------------------------
// Columns

export const ODS_IMPORT_COLUMNS = ['ods_code', 'name', 'type', 'geography_code', 'address_line', 'postcode', 'phone', 'status'] as const;
export type OdsImportColumn = (typeof ODS_IMPORT_COLUMNS)[number];

const REQUIRED_COLUMNS: readonly OdsImportColumn[] = ['ods_code', 'name', 'type', 'geography_code'];

/** Header names as written in the documentation; matching ignores case, spaces and punctuation. */
export const ODS_IMPORT_COLUMN_ALIASES: Record<OdsImportColumn, readonly string[]> = {
  ods_code: ['ods_code', 'Organisation Code', 'code', 'org_code', 'ODS Code', 'Organization Code', 'OrgId'],
  name: ['name', 'organisation_name', 'Organization Name', 'org_name'],
  type: ['type', 'organisation_type', 'Organization Type', 'org_type', 'role', 'primary_role', 'PrimaryRoleDescription'],
  geography_code: ['geography_code', 'icb_code', 'commissioner', 'area_code', 'geography'],
  address_line: ['address_line', 'address', 'Address Line 1', 'Address Line 2', 'Address Line 3', 'Address Line 4', 'Address Line 5', 'town'],
  postcode: ['postcode', 'post_code'],
  phone: ['phone', 'telephone', 'telephone_number', 'phone_number'],
  status: ['status'],
};

/** Columns whose values are joined (address parts); every other column may appear only once. */
const MULTI_COLUMNS: ReadonlySet<OdsImportColumn> = new Set(['address_line']);

const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

const HEADER_LOOKUP = new Map<string, OdsImportColumn>(
  ODS_IMPORT_COLUMNS.flatMap((c) => ODS_IMPORT_COLUMN_ALIASES[c].map((alias) => [squash(alias), c] as const)),
);

function acceptedColumnsText(): string {
  return ODS_IMPORT_COLUMNS.map((c) => {
    const others = ODS_IMPORT_COLUMN_ALIASES[c].filter((a) => a !== c);
    const req = REQUIRED_COLUMNS.includes(c) ? '' : ', optional';
    return `${c} (${others.length ? `or ${others.join(', ')}` : 'no other names'}${req})`;
  }).join('; ');
}

// ---------------------------------------------------------------------------------------------
// Organisation types

const squashWords = (s: string) =>
  s
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, ' ')
    .trim();

/** ODS role names (and a few everyday names) → Beacon's type. Beacon's own values and labels are added below. */
const ODS_ROLE_TYPES: Record<string, OrganisationType> = {
  'NHS TRUST': 'acute_trust',
  'NHS FOUNDATION TRUST': 'acute_trust',
  'FOUNDATION TRUST': 'acute_trust',
  'CLINICAL COMMISSIONING GROUP': 'icb',
  CCG: 'icb',
  'INTEGRATED CARE BOARD': 'icb',
  ICB: 'icb',
  'GP PRACTICE': 'gp_practice',
  'PRESCRIBING COST CENTRE': 'gp_practice',
  'LOCAL AUTHORITY': 'local_authority',
  'POLICE FORCE': 'police',
};

const TYPE_LOOKUP = new Map<string, OrganisationType>([
  ...Object.entries(ODS_ROLE_TYPES).map(([k, v]) => [squashWords(k), v] as const),
  ...ORGANISATION_TYPES.map((t) => [squashWords(t), t] as const),
  ...ORGANISATION_TYPES.map((t) => [squashWords(ORGANISATION_TYPE_LABELS[t]), t] as const),
]);

export function mapOrganisationType(value: string): OrganisationType | undefined {
  return TYPE_LOOKUP.get(squashWords(value));
}

// ---------------------------------------------------------------------------------------------
// Reading the CSV

interface CsvRow {
  line: number;
  cells: string[];
}

class TooManyRows extends Error {
  constructor(public readonly line: number) {
    super('too many rows');
  }
}

const countLineBreaks = (s: string) => (s.match(/\n/g) ?? []).length;
const show = (v: string) => `"${v.length > 60 ? `${v.slice(0, 57)}...` : v}"`;

type ReadResult = { ok: true; header: CsvRow; rows: CsvRow[] } | { ok: false; problem: OdsImportProblem };

/** Parse the text into rows, each with the line it starts on. Wholly blank rows are dropped. */
function readCsv(text: string): ReadResult {
  // One line ending throughout, so line counting is exact (csv-parse counts CRLF inside quotes twice).
  const normalised = text.replace(/\r\n?/g, '\n');
  const records: CsvRow[] = [];
  let consumed = 0; // line breaks in the records read so far
  let dataRows = 0;
  try {
    parse(normalised, {
      bom: true,
      raw: true,
      skip_empty_lines: true,
      relax_column_count: true,
      // With `raw`, csv-parse hands over { record, raw } (its typings say string[]); the raw text
      // includes any blank lines skipped before the record.
      on_record: (rec, context) => {
        const cells: string[] = Array.isArray(rec) ? rec : ((rec as unknown as { record: string[] }).record ?? []);
        const raw = context.raw ?? '';
        const leadingBlank = (/^\n*/.exec(raw)?.[0] ?? '').length;
        const line = consumed + leadingBlank + 1;
        consumed += countLineBreaks(raw);
        const isBlank = cells.every((c) => c.trim() === '');
        if (isBlank) return null;
        if (records.length > 0) {
          dataRows++;
          if (dataRows > ODS_IMPORT_MAX_ROWS) throw new TooManyRows(line);
        }
        records.push({ line, cells });
        return null;
      },
    });
  } catch (err) {
    if (err instanceof TooManyRows) {
      return {
        ok: false,
        problem: {
          line: err.line,
          message: `The file has more than ${ODS_IMPORT_MAX_ROWS.toLocaleString('en-GB')} organisation rows, which is more than one import may hold. Split it into smaller files.`,
        },
      };
    }
    const e = err as CsvError & { lines?: number };
    if (typeof e?.code !== 'string') throw err;
    // The record that failed starts after the last one read, past any blank lines.
    const lines = normalised.split('\n');
    let start = consumed + 1;
    while (start <= lines.length && lines[start - 1] === '') start++;
    const at = typeof e.lines === 'number' && e.lines >= start ? e.lines : start;
    switch (e.code) {
      case 'CSV_QUOTE_NOT_CLOSED':
        return {
          ok: false,
          problem: { line: start, message: 'The file is not valid CSV: a quoted value that starts on this line is never closed (a closing " is missing).' },
        };
      case 'CSV_INVALID_CLOSING_QUOTE':
        return {
          ok: false,
          problem: {
            line: at,
            message:
              'The file is not valid CSV: there is text straight after a closing quote ("). Put the whole value in quotes and write any " inside it as "".',
          },
        };
      case 'INVALID_OPENING_QUOTE':
        return {
          ok: false,
          problem: {
            line: at,
            message: 'The file is not valid CSV: a value has a quote (") in the middle. Put the whole value in quotes and write any " inside it as "".',
          },
        };
      default:
        return { ok: false, problem: { line: at, message: `The file is not valid CSV: ${e.message}` } };
    }
  }
  const [header, ...rows] = records;
  if (!header) return { ok: false, problem: { line: 1, message: 'The file is empty. It needs a header row and one row for each organisation.' } };
  return { ok: true, header, rows };
}

interface ColumnMap {
  /** Cell indexes for each column found (several only for address parts). */
  index: Partial<Record<OdsImportColumn, number[]>>;
  width: number;
}

function mapHeader(header: CsvRow): { ok: true; columns: ColumnMap } | { ok: false; problems: OdsImportProblem[] } {
  const index: ColumnMap['index'] = {};
  const problems: OdsImportProblem[] = [];
  const names = header.cells.map((c) => c.trim());
  names.forEach((name, i) => {
    const col = HEADER_LOOKUP.get(squash(name));
    if (!col) return;
    const seen = index[col];
    if (seen && !MULTI_COLUMNS.has(col)) {
      problems.push({
        line: header.line,
        field: col,
        message: `The header row has two columns for ${col}: "${names[seen[0]!]}" and "${name}". Keep only one.`,
      });
      return;
    }
    index[col] = [...(seen ?? []), i];
  });

  const recognised = Object.keys(index).length > 0;
  const first = (names[0] ?? '').toUpperCase();
  if (!recognised && ODS_CODE.test(first)) {
    return {
      ok: false,
      problems: [
        {
          line: header.line,
          message: `The file needs a header row naming its columns, but the first row looks like data (it starts with ${show(names[0] ?? '')}). Add a header row. Accepted column names: ${acceptedColumnsText()}.`,
        },
      ],
    };
  }
  if (names.length === 1 && /[;\t|]/.test(names[0] ?? '')) {
    return {
      ok: false,
      problems: [
        {
          line: header.line,
          message: 'The header row has only one column: the file seems to separate values with something other than commas. Save it as comma-separated CSV.',
        },
      ],
    };
  }
  for (const col of REQUIRED_COLUMNS) {
    if (!index[col]) {
      const aliases = ODS_IMPORT_COLUMN_ALIASES[col].filter((a) => a !== col);
      problems.push({
        line: header.line,
        field: col,
        message: `The header row has no ${col} column (it may also be called ${aliases.join(', ')}). Accepted column names: ${acceptedColumnsText()}.`,
      });
    }
  }
  return problems.length ? { ok: false, problems } : { ok: true, columns: { index, width: header.cells.length } };
}

// ---------------------------------------------------------------------------------------------
// Checking rows

interface GoodRow {
  line: number;
  input: OrganisationInput;
  geographyId: string;
  /** Optional columns the file has: only these are changed on an existing organisation. */
  present: ReadonlySet<OdsImportColumn>;
}

const INPUT_FIELD_COLUMN: Record<string, OdsImportColumn> = {
  odsCode: 'ods_code',
  name: 'name',
  type: 'type',
  geographyCode: 'geography_code',
  addressLine: 'address_line',
  postcode: 'postcode',
  phone: 'phone',
  active: 'status',
};

function describe(col: OdsImportColumn, value: string, fallback: string): string {
  const v = value.trim();
  switch (col) {
    case 'ods_code':
      return v === '' ? 'ODS code is missing' : `ODS code ${show(v)} must be 3 to 6 letters and numbers, like RHM`;
    case 'name':
      return v === '' ? 'name is missing' : `name is ${v.length} characters long; the most allowed is 200`;
    case 'geography_code':
      return 'geography code is missing: give the code of the area the organisation belongs to, like QRL';
    case 'address_line':
      return `address is ${v.length} characters long; the most allowed is 300`;
    case 'postcode':
      return `postcode ${show(v)} is not a real postcode (a real one looks like SO16 6YD)`;
    case 'phone':
      return `phone ${show(v)} is not a UK telephone number (like 023 8077 7222)`;
    default:
      return fallback;
  }
}

function checkRows(rows: CsvRow[], columns: ColumnMap, geoByCode: Map<string, { id: string }>): { good: GoodRow[]; problems: OdsImportProblem[] } {
  const problems: OdsImportProblem[] = [];
  const good: GoodRow[] = [];
  const firstLineByCode = new Map<string, number>();
  const present = new Set(Object.keys(columns.index) as OdsImportColumn[]);
  const typeNames = `${ORGANISATION_TYPES.join(', ')}, or an ODS role name such as NHS TRUST, INTEGRATED CARE BOARD, GP PRACTICE or LOCAL AUTHORITY`;

  for (const row of rows) {
    if (row.cells.length !== columns.width) {
      problems.push({
        line: row.line,
        message: `this row has ${row.cells.length} values but the header row has ${columns.width} columns. A value containing a comma must be in quotes.`,
      });
      continue;
    }
    // Runs of spaces inside a value become one space; a line break in an address becomes ", ".
    const lineBreak = (col: OdsImportColumn) => (col === 'address_line' ? ', ' : ' ');
    const cell = (col: OdsImportColumn) =>
      (columns.index[col] ?? []).map((i) =>
        (row.cells[i] ?? '')
          .trim()
          .replace(/\s*\n\s*/g, lineBreak(col))
          .replace(/\s+/g, ' '),
      );
    const one = (col: OdsImportColumn) => cell(col)[0] ?? '';
    const rowProblems: OdsImportProblem[] = [];

    const typeText = one('type').trim();
    const type = mapOrganisationType(typeText);
    if (!type) {
      rowProblems.push({
        line: row.line,
        field: 'type',
        message: typeText === '' ? `type is missing: use ${typeNames}` : `type ${show(typeText)} is not a type Beacon knows: use ${typeNames}`,
      });
    }

    const statusText = one('status').trim();
    let active = true;
    if (/^inactive$/i.test(statusText)) active = false;
    else if (statusText !== '' && !/^active$/i.test(statusText)) {
      rowProblems.push({ line: row.line, field: 'status', message: `status ${show(statusText)} must be Active or Inactive (blank means Active)` });
    }

    const raw = {
      odsCode: one('ods_code'),
      name: one('name'),
      type: type ?? 'other',
      geographyCode: one('geography_code'),
      addressLine: cell('address_line')
        .filter((s) => s !== '')
        .join(', '),
      postcode: one('postcode'),
      phone: one('phone'),
      active,
    };
    const parsed = organisationInput.safeParse(raw);
    if (!parsed.success) {
      const done = new Set<string>();
      for (const issue of parsed.error.issues) {
        const key = String(issue.path[0] ?? '');
        const col = INPUT_FIELD_COLUMN[key];
        if (!col || col === 'type' || done.has(col)) continue;
        done.add(col);
        const value = col === 'address_line' ? raw.addressLine : one(col);
        rowProblems.push({ line: row.line, field: col, message: describe(col, value, issue.message) });
      }
    }

    let geographyId: string | undefined;
    const geoCode = raw.geographyCode.trim();
    if (geoCode !== '') {
      geographyId = geoByCode.get(geoCode.toUpperCase())?.id;
      if (!geographyId) {
        rowProblems.push({
          line: row.line,
          field: 'geography_code',
          message: `geography code ${show(geoCode)} is not an area in Beacon's directory: use the code of an area Beacon has, like QRL`,
        });
      }
    }

    const code = raw.odsCode.trim().toUpperCase();
    if (code !== '') {
      const earlier = firstLineByCode.get(code);
      if (earlier !== undefined) {
        rowProblems.push({
          line: row.line,
          field: 'ods_code',
          message: `ODS code ${code} is on both line ${earlier} and line ${row.line}: each organisation may appear only once`,
        });
      } else {
        firstLineByCode.set(code, row.line);
      }
    }

    if (rowProblems.length) problems.push(...rowProblems);
    else if (parsed.success && geographyId) good.push({ line: row.line, input: parsed.data, geographyId, present });
  }
  return { good, problems };
}

// ---------------------------------------------------------------------------------------------
// Planning and writing

type Organisation = typeof organisations.$inferSelect;
const COMPARED = ['odsCode', 'name', 'type', 'geographyId', 'addressLine', 'postcode', 'phone', 'active'] as const;
type Compared = (typeof COMPARED)[number];
type OrgValues = Pick<Organisation, Compared>;

interface Plan {
  creates: OrgValues[];
  updates: { id: string; values: OrgValues; changed: Compared[] }[];
  unchanged: number;
}

async function makePlan(db: Db, good: GoodRow[]): Promise<Plan> {
  const codes = good.map((r) => r.input.odsCode.toUpperCase());
  const existing = new Map<string, Organisation>();
  for (let i = 0; i < codes.length; i += 1000) {
    const chunk = codes.slice(i, i + 1000);
    const found = await db
      .select()
      .from(organisations)
      .where(inArray(sql`upper(${organisations.odsCode})`, chunk));
    for (const o of found) existing.set(o.odsCode.toUpperCase(), o);
  }

  const plan: Plan = { creates: [], updates: [], unchanged: 0 };
  for (const row of good) {
    const { input } = row;
    const before = existing.get(input.odsCode.toUpperCase());
    const has = (c: OdsImportColumn) => row.present.has(c);
    const values: OrgValues = {
      odsCode: input.odsCode,
      name: input.name,
      type: input.type,
      geographyId: row.geographyId,
      // Optional columns the file does not have leave an existing organisation's value alone.
      addressLine: has('address_line') || !before ? input.addressLine : before.addressLine,
      postcode: has('postcode') || !before ? input.postcode : before.postcode,
      phone: has('phone') || !before ? input.phone : before.phone,
      active: has('status') || !before ? input.active : before.active,
    };
    if (!before) {
      plan.creates.push(values);
      continue;
    }
    const changed = COMPARED.filter((k) => before[k] !== values[k]);
    if (changed.length === 0) plan.unchanged++;
    else plan.updates.push({ id: before.id, values, changed });
  }
  return plan;
}

function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === '23505') return true;
  }
  return false;
}

/**
 * Check an ODS-style CSV and, when every row is good (and this is not a dry run), create and update
 * the organisations it lists in one transaction. Never writes anything when any row is wrong.
 */
export async function importOdsCsv(db: Db, ctx: RequestContext, csvText: string, opts: OdsImportOptions = {}): Promise<OdsImportReport> {
  authorizeContext(ctx, 'organisation.import');
  const dryRun = opts.dryRun === true;
  const report = (rows: number, errors: OdsImportProblem[], counts = { created: 0, updated: 0, unchanged: 0 }): OdsImportReport => ({
    ok: errors.length === 0,
    rows,
    ...counts,
    errors,
    dryRun,
  });

  const read = readCsv(csvText);
  if (!read.ok) return report(0, [read.problem]);
  const { header, rows } = read;
  const mapped = mapHeader(header);
  if (!mapped.ok) return report(rows.length, mapped.problems);
  if (rows.length === 0) {
    return report(0, [{ line: header.line, message: 'The file has a header row but no organisations. Add one row for each organisation under the header.' }]);
  }

  const geoByCode = new Map<string, { id: string }>();
  for (const g of await db.select({ id: geographies.id, code: geographies.code }).from(geographies)) {
    const key = g.code.toUpperCase();
    if (!geoByCode.has(key) || g.code === key) geoByCode.set(key, { id: g.id });
  }
  const { good, problems } = checkRows(rows, mapped.columns, geoByCode);
  if (problems.length)
    return report(
      rows.length,
      problems.sort((a, b) => a.line - b.line),
    );

  if (dryRun) {
    const plan = await makePlan(db, good);
    return report(rows.length, [], { created: plan.creates.length, updated: plan.updates.length, unchanged: plan.unchanged });
  }

  try {
    return await db.transaction(async (tx) => {
      const plan = await makePlan(tx, good);
      const now = new Date();
      for (let i = 0; i < plan.creates.length; i += 500) {
        const inserted = await tx
          .insert(organisations)
          .values(plan.creates.slice(i, i + 500))
          .returning({ id: organisations.id, odsCode: organisations.odsCode, name: organisations.name });
        for (const org of inserted) {
          await recordAudit(tx, ctx, {
            action: 'organisation.create',
            verb: 'C',
            entityType: 'Organization',
            entityId: org.id,
            detail: { odsCode: org.odsCode, name: org.name, source: 'ods-import' },
          });
        }
      }
      for (const u of plan.updates) {
        await tx
          .update(organisations)
          .set({ ...u.values, updatedAt: now })
          .where(sql`${organisations.id} = ${u.id}`);
        await recordAudit(tx, ctx, {
          action: 'organisation.update',
          verb: 'U',
          entityType: 'Organization',
          entityId: u.id,
          detail: { odsCode: u.values.odsCode, changed: u.changed, source: 'ods-import' },
        });
      }
      const counts = { created: plan.creates.length, updated: plan.updates.length, unchanged: plan.unchanged };
      await recordAudit(tx, ctx, { action: 'organisation.import', verb: 'E', entityType: 'Organization', detail: { rows: rows.length, ...counts } });
      return report(rows.length, [], counts);
    });
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new ConflictError(
        'Another change to the directory added one of these ODS codes while the file was being imported. Nothing was imported; try again.',
      );
    }
    throw err;
  }
}
