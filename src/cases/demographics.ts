/**
 * Demographic information with provenance (R3: "management of demographic information").
 *
 * Every detail about the woman or baby is a separate fact with its source and the date the source gave
 * it. Facts are never overwritten: a different value from another source is a second fact, and when two
 * current facts for the same detail disagree the case shows an inconsistency instead of quietly choosing
 * one. This module is pure: what a fact may hold, how values compare, and where facts disagree.
 */
import { z } from 'zod';
import { formatNhsNumber, isValidNhsNumber, normaliseNhsNumber } from '../identity/matching/nhs-number';
import { normalisePostcode } from '../identity/matching/normalise';
import { UK_POSTCODE } from '../directory/model';
import { type IsoDate, formatDate, isIsoDate } from '../platform/dates';

export const FACT_SUBJECTS = ['mother', 'baby'] as const;
export type FactSubject = (typeof FACT_SUBJECTS)[number];
export const FACT_SUBJECT_LABELS: Record<FactSubject, string> = { mother: 'Mother', baby: 'Baby' };

export const FACT_FIELDS = ['name', 'date_of_birth', 'address', 'nhs_number', 'gp_practice', 'phone'] as const;
export type FactField = (typeof FACT_FIELDS)[number];
export const FACT_FIELD_LABELS: Record<FactField, string> = {
  name: 'Name',
  date_of_birth: 'Date of birth',
  address: 'Address',
  nhs_number: 'NHS number',
  gp_practice: 'GP practice',
  phone: 'Phone number',
};

/** Where a detail came from: how far it can be trusted. */
export const FACT_SOURCES = ['self_reported', 'id_document', 'pds_verified', 'other_agency', 'point_of_care'] as const;
export type FactSource = (typeof FACT_SOURCES)[number];
export const FACT_SOURCE_LABELS: Record<FactSource, string> = {
  self_reported: 'Self-reported',
  id_document: 'Identity document seen',
  pds_verified: 'National demographic trace (PDS) verified',
  other_agency: 'Reported by another agency',
  point_of_care: 'Given at a point-of-care search',
};

const text = (max: number, missing: string) => z.string({ error: missing }).trim().min(1, missing).max(max, `Must be ${max} characters or fewer`);
const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `Must be ${max} characters or fewer`)
    .nullish()
    .transform((v) => v || null);

const nameValue = z.object({ given: text(100, 'Enter the first name'), family: text(100, 'Enter the last name') });
const dobValue = z.object({
  date: z
    .string({ error: 'Enter the date of birth' })
    .refine(isIsoDate, 'Date of birth must be a real date')
    .refine((d) => d >= '1900-01-01', 'Date of birth must be after 1900'),
});
const addressValue = z.object({
  line: text(200, 'Enter the address'),
  postcode: z
    .string()
    .trim()
    .toUpperCase()
    .nullish()
    // 'SO16  6YD' (two spaces, as often pasted) is the same postcode.
    .transform((v) => (v ? v.replace(/\s+/g, ' ') : null))
    .refine((v) => v === null || UK_POSTCODE.test(v), 'Enter a real postcode, like SO16 6YD'),
});
const nhsValue = z.object({
  number: z
    .string({ error: 'Enter the NHS number' })
    .trim()
    .min(1, 'Enter the NHS number')
    .transform((v) => normaliseNhsNumber(v))
    .refine((v) => v.length === 10, 'NHS number must be 10 digits')
    .refine((v) => isValidNhsNumber(v), 'Enter a valid NHS number: the last digit (the check digit) does not match'),
});
const gpValue = z.object({ practice: text(200, 'Enter the GP practice'), odsCode: optionalText(10) });
const phoneValue = z.object({
  number: z
    .string({ error: 'Enter the phone number' })
    .trim()
    .regex(/^\+?[0-9 ()-]{6,20}$/, 'Enter a phone number, like 07700 900123'),
});

export const FACT_VALUE_SCHEMAS = {
  name: nameValue,
  date_of_birth: dobValue,
  address: addressValue,
  nhs_number: nhsValue,
  gp_practice: gpValue,
  phone: phoneValue,
} as const satisfies Record<FactField, z.ZodType>;

export type FactValue = { [F in FactField]: z.output<(typeof FACT_VALUE_SCHEMAS)[F]> }[FactField];

/** A new fact as submitted: what, whose, from where and when. */
export const factInputSchema = (today: IsoDate) =>
  z
    .object({
      subject: z.enum(FACT_SUBJECTS, { error: 'Choose whether this is about the mother or the baby' }).default('mother'),
      field: z.enum(FACT_FIELDS, { error: 'Choose which detail this is' }),
      value: z.unknown(),
      source: z.enum(FACT_SOURCES, { error: 'Choose where this detail came from' }),
      sourceDetail: optionalText(200),
      sourceDate: z
        .string({ error: 'Enter the date the source gave this detail' })
        .refine(isIsoDate, 'The date the source gave it must be a real date')
        .refine((d) => d <= today, 'The date the source gave it cannot be in the future'),
    })
    .superRefine((f, ctx) => {
      if (f.source === 'other_agency' && !f.sourceDetail)
        ctx.addIssue({ code: 'custom', path: ['sourceDetail'], message: 'Enter which agency reported this detail' });
      if (f.source === 'id_document' && !f.sourceDetail)
        ctx.addIssue({ code: 'custom', path: ['sourceDetail'], message: 'Enter which document was seen, like passport or driving licence' });
      const parsed = FACT_VALUE_SCHEMAS[f.field].safeParse(f.value ?? {});
      if (!parsed.success)
        for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: ['value', ...issue.path.map(String)], message: issue.message });
      else if (f.field === 'date_of_birth') {
        // Nobody's date of birth is after today, nor after the day a source gave it.
        const born = (parsed.data as { date: string }).date;
        if (born > today) ctx.addIssue({ code: 'custom', path: ['value', 'date'], message: 'Date of birth must be today or in the past' });
        else if (born > f.sourceDate)
          ctx.addIssue({ code: 'custom', path: ['value', 'date'], message: 'Date of birth must be on or before the date the source gave it' });
      }
    })
    .transform((f) => ({ ...f, value: FACT_VALUE_SCHEMAS[f.field].parse(f.value ?? {}) as FactValue }));

export type FactInput = z.output<ReturnType<typeof factInputSchema>>;

// Apostrophes join rather than split: St Mary's is St Marys, not St Mary s.
const squash = (s: string) =>
  s
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/['\u2018\u2019`]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
/** Names compare without any punctuation or spacing: O'Brien, OBrien and O Brien are one name; Smith-Jones and Smith Jones too. */
const squashName = (s: string) => squash(s).replace(/ /g, '');

/**
 * The form two values are compared in: case, accents, punctuation and spacing do not make two values
 * different ('SO16 6YD' = 'so166yd'; 'O'Brien' = 'OBrien'); anything else does.
 */
export function comparableValue(field: FactField, value: FactValue): string {
  const v = value as Record<string, string | null>;
  switch (field) {
    case 'name':
      return `${squashName(v.given ?? '')}|${squashName(v.family ?? '')}`;
    case 'date_of_birth':
      return v.date ?? '';
    case 'address':
      // The postcode decides when there is one; the first line otherwise (flat numbers written differently
      // are common: 'Flat 2, 14 Tarn Road' and '14 Tarn Road, flat 2' are one address).
      return v.postcode ? normalisePostcode(v.postcode).replace(/\s/g, '') : squash(v.line ?? '');
    case 'nhs_number':
      return normaliseNhsNumber(v.number ?? '');
    case 'gp_practice':
      return v.odsCode ? v.odsCode.toUpperCase() : squash(v.practice ?? '');
    case 'phone':
      return (v.number ?? '').replace(/\D/g, '').replace(/^44/, '0');
  }
}

/** One line for a page or an email. */
export function describeValue(field: FactField, value: unknown): string {
  const v = (value ?? {}) as Record<string, string | null>;
  switch (field) {
    case 'name':
      return `${v.given ?? ''} ${v.family ?? ''}`.trim();
    case 'date_of_birth':
      return v.date && isIsoDate(v.date) ? formatDate(v.date) : '';
    case 'address':
      return [v.line, v.postcode].filter(Boolean).join(', ');
    case 'nhs_number':
      return v.number ? formatNhsNumber(v.number) : '';
    case 'gp_practice':
      return v.odsCode ? `${v.practice} (${v.odsCode})` : (v.practice ?? '');
    case 'phone':
      return v.number ?? '';
  }
}

/** A fact as the rules see it. */
export interface FactView {
  id: string;
  subject: FactSubject;
  field: FactField;
  comparable: string;
  source: FactSource;
  sourceDate: IsoDate;
  superseded: boolean;
}

export interface Inconsistency {
  subject: FactSubject;
  field: FactField;
  /** The current facts that disagree, grouped by value (each group one value, with its sources). */
  groups: { comparable: string; factIds: string[]; sources: FactSource[] }[];
}

/**
 * Where current facts disagree. A name or address changing over time is not itself an inconsistency
 * when the older one has been marked superseded; two current values for the same detail are, because
 * nobody has yet said which is right.
 */
export function findInconsistencies(facts: readonly FactView[]): Inconsistency[] {
  const byKey = new Map<string, FactView[]>();
  for (const f of facts) {
    if (f.superseded) continue;
    const key = `${f.subject}:${f.field}`;
    const list = byKey.get(key) ?? [];
    list.push(f);
    byKey.set(key, list);
  }
  const out: Inconsistency[] = [];
  for (const list of byKey.values()) {
    const groups = new Map<string, FactView[]>();
    for (const f of list) groups.set(f.comparable, [...(groups.get(f.comparable) ?? []), f]);
    if (groups.size < 2) continue;
    out.push({
      subject: list[0]!.subject,
      field: list[0]!.field,
      groups: [...groups.entries()].map(([comparable, fs]) => ({ comparable, factIds: fs.map((f) => f.id), sources: [...new Set(fs.map((f) => f.source))] })),
    });
  }
  const order = (i: Inconsistency) => FACT_SUBJECTS.indexOf(i.subject) * 10 + FACT_FIELDS.indexOf(i.field);
  return out.sort((a, b) => order(a) - order(b));
}

/**
 * Whether a new fact disagrees with a current one for the same detail (the moment to flag it on the
 * chronology). Returns the facts it disagrees with.
 */
export function disagreesWith(newFact: Pick<FactView, 'subject' | 'field' | 'comparable'>, current: readonly FactView[]): FactView[] {
  return current.filter((f) => !f.superseded && f.subject === newFact.subject && f.field === newFact.field && f.comparable !== newFact.comparable);
}

/** A fact with the times it became current and stopped being so, for working out inconsistencies over time. */
export interface TimedFact {
  id: string;
  subject: string;
  field: string;
  comparable: string;
  recordedAt: Date;
  supersededAt: Date | null;
}

/** A stretch of time during which the current facts for one detail disagreed: from the fact that made them disagree, to the moment one was superseded. */
export interface InconsistencyEpisode {
  /** The fact whose recording made the details disagree. */
  factId: string;
  subject: string;
  field: string;
  arisenAt: Date;
  /** When the current facts agreed again (null: they still disagree). */
  resolvedAt: Date | null;
}

/**
 * Every inconsistency a case has had, as the case page would have shown it at each moment: for each detail,
 * the facts current at a time (recorded, not yet superseded) disagree when they hold two or more values. A
 * fact superseded at the same moment another is recorded counts as gone first (a correction is not an inconsistency).
 */
export function inconsistencyEpisodes(facts: readonly TimedFact[]): InconsistencyEpisode[] {
  const byKey = new Map<string, TimedFact[]>();
  for (const f of facts) byKey.set(`${f.subject}:${f.field}`, [...(byKey.get(`${f.subject}:${f.field}`) ?? []), f]);
  const out: InconsistencyEpisode[] = [];
  for (const list of byKey.values()) {
    const events = list.flatMap((f) => [
      { t: f.recordedAt.getTime(), add: true, f },
      ...(f.supersededAt ? [{ t: f.supersededAt.getTime(), add: false, f }] : []),
    ]);
    events.sort((a, b) => a.t - b.t || Number(a.add) - Number(b.add));
    const current = new Map<string, number>();
    let open: InconsistencyEpisode | null = null;
    for (const e of events) {
      const n = (current.get(e.f.comparable) ?? 0) + (e.add ? 1 : -1);
      if (n > 0) current.set(e.f.comparable, n);
      else current.delete(e.f.comparable);
      if (!open && current.size >= 2) {
        open = { factId: e.f.id, subject: e.f.subject, field: e.f.field, arisenAt: new Date(e.t), resolvedAt: null };
        out.push(open);
      } else if (open && current.size < 2) {
        open.resolvedAt = new Date(e.t);
        open = null;
      }
    }
  }
  return out.sort((a, b) => a.arisenAt.getTime() - b.arisenAt.getTime());
}

/** Trust order, most trusted first: a verified trace over a document over another agency over what she said. */
export const SOURCE_TRUST: readonly FactSource[] = ['pds_verified', 'id_document', 'other_agency', 'point_of_care', 'self_reported'];
