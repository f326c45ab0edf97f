/**
 * Bulk screening: CSV-row-shaped records to Queries and Identities. Pure — the caller reads the
 * file (with csv-parse or similar) and passes each row as an object keyed by column name.
 *
 * Columns: id, nhs_number, given_name, family_name, other_names (';'-separated full names),
 * date_of_birth (YYYY-MM-DD), postcode, address, edd (YYYY-MM-DD), sex, other_id.
 *
 * Validation is per row and names the field, so a screening report can say "row 17: date_of_birth:
 * not a real date" rather than reject the file. A check-digit failure on the NHS number is a
 * warning, not an error: an invalid number is still evidence (its transpositions are searched).
 */
import { z } from 'zod';
import type { Identity, Query } from './model';
import { isValidNhsNumber, normaliseNhsNumber } from './nhs-number';
import { parseDate, parsePostcode } from './normalise';

const optionalText = z
  .union([z.string(), z.number()])
  .optional()
  .nullable()
  .transform((v) => (v == null ? '' : String(v).trim()));

function isoDate(field: string) {
  return optionalText.superRefine((v, ctx) => {
    if (!v) return;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) {
      ctx.addIssue({ code: 'custom', message: `${field} must be YYYY-MM-DD` });
      return;
    }
    if (!parseDate(v)?.valid) ctx.addIssue({ code: 'custom', message: `${field} is not a real date` });
  });
}

export const screeningRowSchema = z.object({
  id: z
    .union([z.string(), z.number()])
    .transform((v) => String(v).trim())
    .refine((v) => v.length > 0, { message: 'id is required' }),
  nhs_number: optionalText.superRefine((v, ctx) => {
    if (v && !/^\d{10}$/.test(normaliseNhsNumber(v))) {
      ctx.addIssue({ code: 'custom', message: 'nhs_number must be 10 digits' });
    }
  }),
  given_name: optionalText,
  family_name: optionalText,
  other_names: optionalText,
  date_of_birth: isoDate('date_of_birth'),
  postcode: optionalText,
  address: optionalText,
  edd: isoDate('edd'),
  sex: optionalText.superRefine((v, ctx) => {
    if (v && !/^(f|m|u|female|male|unknown|indeterminate|not known|other)$/i.test(v)) {
      ctx.addIssue({ code: 'custom', message: 'sex must be F, M, U (or female/male/unknown)' });
    }
  }),
  other_id: optionalText,
});

export type ScreeningRow = z.output<typeof screeningRowSchema>;

export interface RowIssue {
  /** 1-based data row number as the caller counts rows. */
  row: number;
  field: string;
  message: string;
}

export type ParsedRow = { ok: true; row: ScreeningRow; warnings: RowIssue[] } | { ok: false; errors: RowIssue[] };

/** Validate one row. Unknown columns are ignored. */
export function parseScreeningRow(input: unknown, rowNumber: number): ParsedRow {
  const res = screeningRowSchema.safeParse(input);
  if (!res.success) {
    return {
      ok: false,
      errors: res.error.issues.map((i) => ({
        row: rowNumber,
        field: i.path.length ? i.path.map(String).join('.') : 'row',
        message: i.message,
      })),
    };
  }
  const warnings: RowIssue[] = [];
  const row = res.data;
  if (row.nhs_number && !isValidNhsNumber(row.nhs_number)) {
    warnings.push({ row: rowNumber, field: 'nhs_number', message: 'check digit is wrong; searched as a possible keying error' });
  }
  if (row.postcode && !parsePostcode(row.postcode)) {
    warnings.push({ row: rowNumber, field: 'postcode', message: 'postcode not recognised' });
  }
  if (!row.given_name && !row.family_name && !row.nhs_number && !row.date_of_birth && !row.other_id) {
    warnings.push({ row: rowNumber, field: 'row', message: 'no name, NHS number, date of birth or identifier: cannot be matched' });
  }
  return { ok: true, row, warnings };
}

/** Split "Jane Mary Smith" into given ["Jane", "Mary"] and family ["Smith"]; "Smith" alone is a family name. */
export function splitFullName(full: string): { given: string[]; family: string[] } {
  const parts = full.trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0) return { given: [], family: [] };
  if (parts.length === 1) return { given: [], family: parts };
  return { given: parts.slice(0, -1), family: parts.slice(-1) };
}

const UK_POSTCODE_IN_TEXT = /\b([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})\b/i;

/** A postcode found at the end of a free-text address, when the postcode column is empty. */
export function postcodeFromAddress(address: string): string | undefined {
  const m = UK_POSTCODE_IN_TEXT.exec(address);
  return m ? `${m[1]} ${m[2]}`.toUpperCase() : undefined;
}

function otherNames(row: ScreeningRow): { given: string[]; family: string[] }[] {
  return row.other_names
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(splitFullName);
}

function postcodesOf(row: ScreeningRow): string[] {
  const pc = row.postcode || (row.address ? postcodeFromAddress(row.address) : undefined);
  return pc ? [pc] : [];
}

/**
 * A screening row as a Query. Other names add their given and family parts as extra names to
 * try (the scorer compares against every name and takes the best).
 */
export function rowToQuery(row: ScreeningRow): Query {
  const given = row.given_name ? [row.given_name] : [];
  const family = row.family_name ? [row.family_name] : [];
  for (const o of otherNames(row)) {
    given.push(...o.given);
    family.push(...o.family);
  }
  const q: Query = { givenNames: given, familyNames: family, postcodes: postcodesOf(row) };
  if (row.date_of_birth) q.dateOfBirth = row.date_of_birth;
  if (row.nhs_number) q.nhsNumber = normaliseNhsNumber(row.nhs_number);
  if (row.edd) q.edd = row.edd;
  if (row.sex) q.sex = row.sex;
  if (row.other_id) q.otherIds = [row.other_id];
  return q;
}

/**
 * A register row as identities of one subject: the main identity, plus one per other name
 * (aliases share the DOB, NHS number and addresses of the row). Identity ids are
 * `${id}` and `${id}#alias-<n>`; the subject id defaults to the row id.
 */
export function rowToIdentities(row: ScreeningRow, subjectId: string = row.id): Identity[] {
  const base: Omit<Identity, 'id' | 'givenNames' | 'familyNames'> = {
    subjectId,
    postcodes: postcodesOf(row),
  };
  if (row.date_of_birth) base.dateOfBirth = row.date_of_birth;
  if (row.nhs_number) base.nhsNumber = normaliseNhsNumber(row.nhs_number);
  if (row.edd) base.edd = row.edd;
  if (row.sex) base.sex = row.sex;
  if (row.other_id) base.otherIds = [row.other_id];
  const main: Identity = {
    ...base,
    id: row.id,
    givenNames: row.given_name ? [row.given_name] : [],
    familyNames: row.family_name ? [row.family_name] : [],
  };
  const aliases = otherNames(row).map(
    (o, i): Identity => ({
      ...base,
      id: `${row.id}#alias-${i + 1}`,
      givenNames: o.given.length ? o.given : main.givenNames,
      familyNames: o.family,
    }),
  );
  return [main, ...aliases];
}
