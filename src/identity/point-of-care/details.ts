/**
 * What she gave at the point of care: the check form's fields and their rules, whether they are enough to
 * search on, how they read back, and the keyed hash and sealed copy a search keeps (never the values).
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { dateMessage, daysBetween, formatDate as formatIsoDate, perLondonDay } from '../../platform/dates';
import { decrypt, encrypt } from '../../platform/crypto';
import { ValidationError, zodFieldErrors } from '../../platform/errors';
import { isValidNhsNumber, normaliseNhsNumber } from '../matching/nhs-number';
import { normaliseFamilyName, normaliseGivenName } from '../matching/normalise';
import { detailsToQuery, type GivenDetails } from '../register-index';
import { minimumOf } from '../minimum-search';

// ── What she gave ────────────────────────────────────────────────────────────────────────────────────

/** The fields of a check, in the order the form asks for them. */
export const CHECK_FIELDS = ['givenName', 'familyName', 'otherNames', 'dateOfBirth', 'nhsNumber', 'postcode', 'edd'] as const;
export type CheckField = (typeof CHECK_FIELDS)[number];
export const CHECK_FIELD_LABELS: Record<CheckField, string> = {
  givenName: 'First name',
  familyName: 'Last name',
  otherNames: 'Other names',
  dateOfBirth: 'Date of birth',
  nhsNumber: 'NHS number',
  postcode: 'Postcode',
  edd: 'Due date',
};

export const NOT_ENOUGH =
  'Enter at least her last name with her date of birth or full postcode, her first name with her date of birth, or her NHS number. Initials are not enough';
const PARTIAL_POSTCODE_ONLY = 'Enter her full postcode, like SO16 6YD, or her date of birth: a last name and part of a postcode are not enough to check safely';

/** A UK postcode in full (SO16 6YD) or its outward part (SO16). */
export const POSTCODE_FULL = /^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$/;
const POSTCODE_OUTWARD = /^[A-Z]{1,2}\d[A-Z\d]?$/;

export const text = (label: string, max = 100) =>
  z
    .string({ error: `${label} must be text` })
    .trim()
    .max(max, `${label} must be ${max} characters or fewer`)
    .nullish()
    .transform((s) => (s ? s : null));

const date = (label: string, check: (iso: string) => string | null) =>
  z
    .string({ error: `${label} must be a date written YYYY-MM-DD, like 1996-07-04` })
    .trim()
    .nullish()
    .transform((s) => (s ? s : null))
    .superRefine((s, ctx) => {
      if (s === null) return;
      const invalid = dateMessage(label, s);
      if (invalid) {
        ctx.addIssue({ code: 'custom', message: invalid });
        return;
      }
      const problem = check(s);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });

function buildCheckSchema(today: string) {
  return z.object({
    givenName: text('First name'),
    familyName: text('Last name'),
    otherNames: z
      .union([z.string(), z.array(z.string())], { error: 'Other names must be text' })
      .nullish()
      .transform((v) => (Array.isArray(v) ? v : (v ?? '').split(/[;,\n]/)).map((s) => s.trim().replace(/\s+/g, ' ')).filter(Boolean))
      .pipe(z.array(z.string().max(100, 'Each other name must be 100 characters or fewer')).max(10, 'Enter up to 10 other names')),
    dateOfBirth: date('Date of birth', (s) => (s > today ? 'Date of birth must be in the past' : s < '1900-01-01' ? 'Date of birth must be after 1900' : null)),
    nhsNumber: z
      .string({ error: 'Enter the NHS number as 10 digits, like 943 476 5919' })
      .nullish()
      .transform((s) => normaliseNhsNumber(s ?? ''))
      .refine((d) => d === '' || /^\d{10}$/.test(d), 'Enter the NHS number as 10 digits, like 943 476 5919')
      .transform((d) => (d === '' ? null : d)),
    postcode: z
      .string({ error: 'Enter a real postcode, like SO16 6YD, or its first part, like SO16' })
      .nullish()
      .transform((s) => (s ?? '').trim().toUpperCase().replace(/\s+/g, ' '))
      .refine((s) => s === '' || POSTCODE_FULL.test(s) || POSTCODE_OUTWARD.test(s), 'Enter a real postcode, like SO16 6YD, or its first part, like SO16')
      .transform((s) => (s === '' ? null : POSTCODE_FULL.test(s) ? s.replace(/^(.+?)\s?(\d[A-Z]{2})$/, '$1 $2') : s)),
    edd: date('Due date', (s) => (Math.abs(daysBetween(today, s)) > 366 ? 'Due date must be within a year of today' : null)),
  });
}

// Built once a day, not per search: building a zod schema costs more than the search itself.
const checkSchema = perLondonDay(buildCheckSchema);

export type CheckDetails = {
  givenName: string | null;
  familyName: string | null;
  otherNames: string[];
  dateOfBirth: string | null;
  nhsNumber: string | null;
  postcode: string | null;
  edd: string | null;
};

/** The fields given (names only), in form order. */
export const fieldsGiven = (d: CheckDetails): CheckField[] => CHECK_FIELDS.filter((f) => (f === 'otherNames' ? d.otherNames.length > 0 : !!d[f]));

/**
 * Validate what was entered, then refuse a search that is too thin to be safe (a first name alone
 * would list every Jane). Errors are field → message; the "too little" message is on `details`.
 */
export function parseCheckDetails(input: unknown, now = new Date()): CheckDetails {
  const r = checkSchema(now).safeParse(input ?? {});
  if (!r.success) throw new ValidationError(zodFieldErrors(r.error.issues));
  const d = r.data as CheckDetails;
  const problem = sufficiencyProblem(d);
  if (problem) throw new ValidationError({ details: problem });
  return d;
}

/** Problems with the values themselves (not whether there are enough of them): field → message. */
export function checkFieldErrors(input: unknown, now = new Date()): Record<string, string> {
  const r = checkSchema(now).safeParse(input ?? {});
  return r.success ? {} : zodFieldErrors(r.error.issues);
}

/** Why these details are too few to search, or null when they are enough (whole names only: see ../minimum-search). */
export function sufficiencyProblem(d: CheckDetails): string | null {
  const m = minimumOf(detailsToQuery(d));
  if (m.ok) return null;
  return m.problem === 'partial_postcode_only' ? PARTIAL_POSTCODE_ONLY : NOT_ENOUGH;
}

/** "Last name Smith, date of birth 14 July 1998, …": what was searched, for the clinician who searched. */
export function describeDetails(d: GivenDetails): { field: CheckField; label: string; value: string }[] {
  const out: { field: CheckField; label: string; value: string }[] = [];
  const add = (field: CheckField, value: string | null | undefined) => {
    if (value) out.push({ field, label: CHECK_FIELD_LABELS[field], value });
  };
  add('givenName', d.givenName);
  add('familyName', d.familyName);
  add('otherNames', (d.otherNames ?? []).join(', '));
  add('dateOfBirth', d.dateOfBirth ? formatIsoDate(d.dateOfBirth) : null);
  add(
    'nhsNumber',
    d.nhsNumber
      ? `${d.nhsNumber.slice(0, 3)} ${d.nhsNumber.slice(3, 6)} ${d.nhsNumber.slice(6)}${isValidNhsNumber(d.nhsNumber) ? '' : ' (not a valid NHS number: searched for near misses)'}`
      : null,
  );
  add('postcode', d.postcode);
  add('edd', d.edd ? formatIsoDate(d.edd) : null);
  return out;
}

// ── Keys ─────────────────────────────────────────────────────────────────────────────────────────────

/** A keyed hash of the normalised details: equal searches compare equal; the values cannot be read back. */
export function queryHash(key: Buffer, d: CheckDetails): string {
  const hashKey = createHmac('sha256', key).update('beacon point-of-care query hash v1').digest();
  const canonical = JSON.stringify([
    normaliseGivenName(d.givenName).join(' '),
    normaliseFamilyName(d.familyName).join(' '),
    d.otherNames.map((o) => normaliseGivenName(o).join(' ')).sort(),
    d.dateOfBirth,
    d.nhsNumber,
    d.postcode?.replace(/\s/g, '') ?? null,
    d.edd,
  ]);
  return createHmac('sha256', hashKey).update(canonical).digest('hex');
}

export const sealQuery = (key: Buffer, searchId: string, d: CheckDetails) => encrypt(key, Buffer.from(JSON.stringify(d), 'utf8'), `poc-search:${searchId}`);
export const openQuery = (key: Buffer, searchId: string, blob: Buffer): CheckDetails =>
  JSON.parse(decrypt(key, blob, `poc-search:${searchId}`).toString('utf8')) as CheckDetails;
