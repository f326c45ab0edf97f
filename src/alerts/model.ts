/**
 * The content of a high-risk alert (issue 3, "The alert"): who she is, the pregnancy, the risk and what to do,
 * the lawful basis for sharing and how widely to send it.
 *
 * Control data (status, version, originator, approver) is not here: see ./lifecycle. Photographs are
 * uploads with their own handling and are not part of this JSON either.
 *
 * Validation messages are written for the clinician filling in the form, and field paths are stable
 * (`subject.nhsNumbers.0.value`) so the error summary can link to the field. Optional text arrives as
 * '', null or nothing and leaves as null; lists may be left out and leave as [].
 */
import { z } from 'zod';
import { UK_POSTCODE, UNIT_TYPES, type UnitType } from '../directory/model';
import { formatNhsNumber, isValidNhsNumber, normaliseNhsNumber } from '../identity/matching/nhs-number';
import { parseInput } from '../platform/errors';
import { ageInYears, daysBetween, defaultReviewDate, formatDate, type IsoDate, isIsoDate, londonDate } from './pregnancy';
import { dateMessage, perLondonDay } from '../platform/dates';

// ── Choices ────────────────────────────────────────────────────────────────────────────────────────

export const NAME_KINDS = ['alias', 'previous', 'maiden'] as const;
export type NameKind = (typeof NAME_KINDS)[number];
export const NAME_KIND_LABELS: Record<NameKind, string> = { alias: 'Alias', previous: 'Previous name', maiden: 'Maiden name' };

/** How far an NHS number has been confirmed. An unverified number may be one she made up. */
export const NHS_NUMBER_VERIFICATIONS = ['unverified', 'pds_trace', 'document_seen'] as const;
export type NhsNumberVerification = (typeof NHS_NUMBER_VERIFICATIONS)[number];
export const NHS_NUMBER_VERIFICATION_LABELS: Record<NhsNumberVerification, string> = {
  unverified: 'Not verified',
  pds_trace: 'Verified by a national demographic (PDS) trace',
  document_seen: 'Identity document seen',
};

export const ADDRESS_KINDS = ['current', 'previous'] as const;
export type AddressKind = (typeof ADDRESS_KINDS)[number];
export const ADDRESS_KIND_LABELS: Record<AddressKind, string> = { current: 'Current address', previous: 'Previous address' };

export const BOOKING_STATUSES = ['booked', 'unbooked', 'unknown'] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];
export const BOOKING_STATUS_LABELS: Record<BookingStatus, string> = { booked: 'Booked', unbooked: 'Not booked', unknown: 'Not known' };

export const CONCEALMENT_TYPES = ['concealed', 'denied', 'late_booking', 'unbooked', 'none'] as const;
export type ConcealmentType = (typeof CONCEALMENT_TYPES)[number];
export const CONCEALMENT_LABELS: Record<ConcealmentType, string> = {
  concealed: 'Concealed pregnancy',
  denied: 'Denied pregnancy',
  late_booking: 'Late booking',
  unbooked: 'Unbooked',
  none: 'None known',
};

/** What the originator found on CP-IS (Child Protection – Information Sharing) for her NHS number. */
export const CPIS_RESULTS = ['plan', 'no_plan', 'not_checked'] as const;
export type CpisResult = (typeof CPIS_RESULTS)[number];
export const CPIS_RESULT_LABELS: Record<CpisResult, string> = {
  plan: 'Child protection plan shown on CP-IS',
  no_plan: 'No plan shown on CP-IS',
  not_checked: 'CP-IS not checked',
};

export const RISK_CRITERIA = ['missing_pregnant_woman', 'likely_to_evade', 'unbooked', 'concealment_suspected', 'risk_to_staff', 'other'] as const;
export type RiskCriterion = (typeof RISK_CRITERIA)[number];
export const RISK_CRITERION_LABELS: Record<RiskCriterion, string> = {
  missing_pregnant_woman: 'Pregnant woman missing',
  likely_to_evade: 'Likely to evade child protection processes',
  unbooked: 'Unbooked pregnancy',
  concealment_suspected: 'Concealment suspected',
  risk_to_staff: 'Risk to staff',
  other: 'Other',
};

/** The lawful basis for sharing her details. Kept short on purpose: the information governance lead should confirm the wording. */
export const LAWFUL_BASES = ['public_task_safeguarding', 'vital_interests', 'legal_obligation', 'consent'] as const;
export type LawfulBasis = (typeof LAWFUL_BASES)[number];
export const LAWFUL_BASIS_LABELS: Record<LawfulBasis, string> = {
  public_task_safeguarding:
    'Public task and safeguarding of children and individuals at risk (UK GDPR Articles 6(1)(e) and 9(2)(g); Data Protection Act 2018 Schedule 1 paragraph 18)',
  vital_interests: "Vital interests: to protect someone's life (UK GDPR Articles 6(1)(d) and 9(2)(c))",
  legal_obligation: 'Legal obligation, such as a court order (UK GDPR Article 6(1)(c))',
  consent: 'Her explicit consent (UK GDPR Articles 6(1)(a) and 9(2)(a))',
};

export const DISTRIBUTION_SCOPES = ['units', 'icb', 'region', 'national'] as const;
export type DistributionScope = (typeof DISTRIBUTION_SCOPES)[number];
export const DISTRIBUTION_SCOPE_LABELS: Record<DistributionScope, string> = {
  units: 'Named units',
  icb: 'ICB area (county)',
  region: 'NHS region',
  national: 'National (England)',
};

/** The places an unbooked woman in labour turns up: what an alert reaches unless the originator chooses otherwise. */
export const DEFAULT_UNIT_TYPES = ['maternity_unit', 'emergency_department', 'birth_centre', 'ambulance_control'] as const satisfies readonly UnitType[];

/** Bounds on lists and free text, so one alert cannot fill a recipient's inbox or the database. */
export const LIMITS = {
  otherNames: 20,
  datesOfBirth: 10,
  nhsNumbers: 10,
  addresses: 20,
  phones: 10,
  associatedPeople: 10,
  unitIds: 1000,
  name: 100,
  shortText: 200,
  address: 500,
  scopeReason: 1000,
  longText: 2000,
} as const;

/** A date of birth outside these ages (inclusive) at the time of entry is almost certainly a typing error. */
export const AGE_LIMITS = { min: 10, max: 60 } as const;
/** The due date may be this far either side of today when entered. */
export const EDD_WINDOW = { maxWeeksPast: 10, maxWeeksFuture: 44 } as const;
/** A review date chosen by hand must fall within this many days of today. */
export const MAX_REVIEW_DATE_DAYS = 365;

// ── Field building blocks ──────────────────────────────────────────────────────────────────────────

const thousands = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const tooLong = (label: string, max: number) => `${label} must be ${thousands(max)} characters or fewer`;

// No check below uses zod's `abort`: an aborted field stops the enclosing object's cross-field checks even
// with `when`, and the error summary should show every problem at once. Each field gives one message instead.

function requiredText(max: number, label: string, enter: string) {
  return z.string({ error: enter }).trim().min(1, enter).max(max, tooLong(label, max));
}

function optionalText(max: number, label: string) {
  return z
    .string({ error: `${label} must be text` })
    .trim()
    .max(max, tooLong(label, max))
    .nullish()
    .transform((s) => (s ? s : null));
}

/** A required date. Checks chained after it still run on a bad value, so they must test isIsoDate first. */
function requiredDate(label: string, enter: string) {
  return z
    .string({ error: enter })
    .trim()
    .superRefine((s, ctx) => {
      if (s === '') ctx.addIssue({ code: 'custom', message: enter });
      else if (!isIsoDate(s)) ctx.addIssue({ code: 'custom', message: dateMessage(label, s) ?? `${label} must be a real date` });
    });
}

function optionalDate(label: string) {
  return z
    .string({ error: `${label} must be a date written YYYY-MM-DD, like 1996-07-04` })
    .trim()
    .superRefine((s, ctx) => {
      if (s !== '' && !isIsoDate(s)) ctx.addIssue({ code: 'custom', message: dateMessage(label, s) ?? `${label} must be a real date` });
    })
    .nullish()
    .transform((s): IsoDate | null => (s ? s : null));
}

/** Why an NHS number is refused, or null. Expects the normalised digits. */
function nhsNumberProblem(digits: string): string | null {
  if (!/^\d{10}$/.test(digits)) return 'Enter the NHS number as 10 digits, like 943 476 5919';
  if (!isValidNhsNumber(digits)) return `The NHS number ${formatNhsNumber(digits)} is not valid: check the last digit`;
  return null;
}

/** Stored as the ten digits without spaces, so equal numbers compare equal. */
const nhsNumber = z
  .string({ error: 'Enter the NHS number' })
  .trim()
  .min(1, 'Enter the NHS number')
  .transform(normaliseNhsNumber)
  .superRefine((digits, ctx) => {
    const problem = nhsNumberProblem(digits);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const optionalNhsNumber = z
  .string({ error: 'Enter the NHS number as 10 digits, like 943 476 5919' })
  .nullish()
  .transform((s) => normaliseNhsNumber(s ?? ''))
  .superRefine((digits, ctx) => {
    const problem = digits === '' ? null : nhsNumberProblem(digits);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform((digits) => (digits === '' ? null : digits));

/** UK telephone numbers as people write them (the directory's rule): digits, spaces, +, brackets, hyphens; 10 to 13 digits. */
function ukPhone(what: string) {
  const enter = `Enter ${what}`;
  return z
    .string({ error: enter })
    .trim()
    .superRefine((s, ctx) => {
      const digits = s.replace(/\D/g, '').length;
      if (s === '') ctx.addIssue({ code: 'custom', message: enter });
      else if (s.length > 40 || !/^[+()\d\s-]+$/.test(s) || digits < 10 || digits > 13) {
        ctx.addIssue({ code: 'custom', message: `${enter} as a UK telephone number, like 023 8077 7222` });
      }
    });
}

/** Optional UK postcode, upper-cased with one space before the inward code ("so166yd" → "SO16 6YD"). */
const optionalPostcode = z
  .string({ error: 'Enter a real postcode, like SO16 6YD' })
  .nullish()
  .transform((s) => (s ?? '').trim().toUpperCase().replace(/\s+/g, ' '))
  .refine((s) => s === '' || UK_POSTCODE.test(s), 'Enter a real postcode, like SO16 6YD')
  .transform((s) => (s === '' ? null : s.replace(/^(.+?)\s?(\d[A-Z]{2})$/, '$1 $2')));

function list<T extends z.ZodType>(item: T, max: number, tooMany: string) {
  return z.array(item, { error: 'Enter a list' }).max(max, tooMany).default([]);
}

/**
 * Default for a missing section: parse an empty object, so a missing section gives its fields' own messages
 * ("Enter the due date") rather than one unhelpful "expected object". The cast is only for the type of the
 * default: zod parses it like any input.
 */
const EMPTY = {} as never;

/**
 * Cross-field checks run even when a field inside failed, so the error summary lists every problem at
 * once rather than revealing them a round at a time. The checks must then read the value defensively.
 */
const EVEN_IF_FIELDS_FAIL = { when: (p: { value: unknown }) => typeof p.value === 'object' && p.value !== null };

const unique = <T>(xs: readonly T[]): T[] => [...new Set(xs)];

/** Given and family name where either may be unknown, but not both. The message sits on `given`, the first field. */
function partialName(enterEither: string) {
  return z
    .object({ given: optionalText(LIMITS.name, 'First name'), family: optionalText(LIMITS.name, 'Last name') })
    .prefault(EMPTY)
    .superRefine((n, ctx) => {
      if (!n.given && !n.family) ctx.addIssue({ code: 'custom', message: enterEither, path: ['given'] });
    }, EVEN_IF_FIELDS_FAIL);
}

// ── The schema ─────────────────────────────────────────────────────────────────────────────────────

/**
 * The dates of the version being updated. A date carried over unchanged is not re-checked against today:
 * a due date that was fine when raised is 11 weeks past by the time someone corrects the action on
 * presentation, and refusing that update would keep wrong instructions in front of staff.
 */
export interface PreviousDates {
  subject: { datesOfBirth: readonly { value: string }[] };
  pregnancy: { edd: string };
  reviewDate: string | null;
}

export interface AlertContentSchemaOptions {
  previous?: PreviousDates | null;
}

/** The alert content schema, with the date rules that depend on today taken from `now` (as a date in England). */
export function alertContentSchema(now: Date, options: AlertContentSchemaOptions = {}) {
  return options.previous ? buildAlertContentSchema(londonDate(now), options.previous) : alertContentSchemaToday(now);
}

// Without a previous version the schema depends only on the date: built once a day, not per request.
const alertContentSchemaToday = perLondonDay((today) => buildAlertContentSchema(today, null));

function buildAlertContentSchema(today: IsoDate, previous: PreviousDates | null) {
  const previousDobs = new Set(previous?.subject.datesOfBirth.map((d) => d.value) ?? []);

  const subjectDateOfBirth = requiredDate('Date of birth', 'Enter the date of birth').superRefine((dob, ctx) => {
    if (!isIsoDate(dob) || previousDobs.has(dob)) return;
    if (dob > today) {
      ctx.addIssue({ code: 'custom', message: 'Date of birth must be in the past' });
      return;
    }
    const age = ageInYears(dob, today);
    if (age < AGE_LIMITS.min || age > AGE_LIMITS.max) {
      const years = age === 0 ? 'less than a year' : age === 1 ? '1 year' : `${age} years`;
      ctx.addIssue({ code: 'custom', message: `A date of birth of ${formatDate(dob)} makes her ${years} old: check the year` });
    }
  });

  const subject = z
    .object({
      name: z
        .object({
          given: requiredText(LIMITS.name, 'First name', 'Enter her first name'),
          family: requiredText(LIMITS.name, 'Last name', 'Enter her last name'),
        })
        .prefault(EMPTY),
      otherNames: list(
        z.object({
          kind: z.enum(NAME_KINDS, { error: 'Select whether this is an alias, a previous name or a maiden name' }),
          name: partialName('Enter a first name or a last name'),
        }),
        LIMITS.otherNames,
        `You can add up to ${LIMITS.otherNames} previous names and aliases`,
      ),
      datesOfBirth: list(
        z.object({
          value: subjectDateOfBirth,
          /** She has given this date, and it is known not to be her real one. Kept because she may give it again. */
          knownFalse: z.boolean({ error: 'Select whether this date of birth is known to be false' }).default(false),
        }),
        LIMITS.datesOfBirth,
        `You can add up to ${LIMITS.datesOfBirth} dates of birth`,
      ).superRefine(
        (dobs, ctx) =>
          flagRepeats(
            dobs,
            (d) => d.value,
            ['value'],
            (d) => `The date of birth ${formatDate(d.value)} is entered twice`,
            ctx,
          ),
        EVEN_IF_FIELDS_FAIL,
      ),
      /** Said out loud rather than left blank, so a missing date of birth is a decision and not an oversight. */
      dateOfBirthUnknown: z.boolean({ error: 'Select whether her date of birth is known' }).default(false),
      nhsNumbers: list(
        z.object({
          value: nhsNumber,
          verification: z.enum(NHS_NUMBER_VERIFICATIONS, { error: 'Select how the NHS number was verified' }),
        }),
        LIMITS.nhsNumbers,
        `You can add up to ${LIMITS.nhsNumbers} NHS numbers`,
      ).superRefine(
        (ns, ctx) =>
          flagRepeats(
            ns,
            (n) => n.value,
            ['value'],
            (n) => `The NHS number ${formatNhsNumber(n.value)} is entered twice`,
            ctx,
          ),
        EVEN_IF_FIELDS_FAIL,
      ),
      /** Said out loud when no NHS number is recorded: she has not given one and none could be found (the SOP asks for it "where known"). */
      nhsNumberUnknown: z.boolean({ error: 'Select whether her NHS number is known' }).default(false),
      addresses: list(
        z.object({
          kind: z.enum(ADDRESS_KINDS, { error: 'Select whether this is her current or a previous address' }),
          address: requiredText(LIMITS.address, 'Address', 'Enter the address'),
          postcode: optionalPostcode,
        }),
        LIMITS.addresses,
        `You can add up to ${LIMITS.addresses} addresses`,
      ),
      phones: list(
        z.object({ number: ukPhone('the telephone number'), note: optionalText(LIMITS.name, 'Note') }),
        LIMITS.phones,
        `You can add up to ${LIMITS.phones} telephone numbers`,
      ),
      physicalDescription: optionalText(LIMITS.longText, 'Physical description'),
    })
    .prefault(EMPTY)
    .superRefine((s, ctx) => {
      // Defensive: refinements run even when a field inside failed, so nothing here is guaranteed well formed.
      const dobs: unknown[] = Array.isArray(s.datesOfBirth) ? s.datesOfBirth : [];
      const believed = dobs.some((d) => typeof d === 'object' && d !== null && (d as { knownFalse?: unknown }).knownFalse !== true);
      if (!believed && s.dateOfBirthUnknown !== true) {
        ctx.addIssue({ code: 'custom', path: ['datesOfBirth'], message: 'Enter her date of birth, or say that it is not known' });
      } else if (believed && s.dateOfBirthUnknown === true) {
        ctx.addIssue({
          code: 'custom',
          path: ['dateOfBirthUnknown'],
          message: 'You said her date of birth is not known but entered one: remove it, mark it as known to be false, or say it is known',
        });
      }
      if (s.nhsNumberUnknown === true && Array.isArray(s.nhsNumbers) && s.nhsNumbers.length > 0)
        ctx.addIssue({
          code: 'custom',
          path: ['nhsNumberUnknown'],
          message: 'You said her NHS number is not known but entered one: remove it, or untick “not known”',
        });
    }, EVEN_IF_FIELDS_FAIL);

  const associatedPerson = z.object({
    relationship: requiredText(LIMITS.name, 'Relationship', 'Enter their relationship to her, like partner or father of the baby'),
    name: partialName('Enter their first name or last name'),
    dateOfBirth: optionalDate('Date of birth').superRefine((dob, ctx) => {
      if (dob && isIsoDate(dob) && dob > today) ctx.addIssue({ code: 'custom', message: 'Date of birth must be in the past' });
    }),
    nhsNumber: optionalNhsNumber,
    notesOnRisk: optionalText(LIMITS.longText, 'Notes on risk'),
  });

  const edd = requiredDate('Due date', 'Enter the due date').superRefine((value, ctx) => {
    if (!isIsoDate(value) || value === previous?.pregnancy.edd) return;
    const ahead = daysBetween(today, value);
    if (ahead < -EDD_WINDOW.maxWeeksPast * 7) {
      ctx.addIssue({ code: 'custom', message: `A due date of ${formatDate(value)} is more than ${EDD_WINDOW.maxWeeksPast} weeks ago: check the date` });
    } else if (ahead > EDD_WINDOW.maxWeeksFuture * 7) {
      ctx.addIssue({
        code: 'custom',
        message: `A due date of ${formatDate(value)} is more than ${EDD_WINDOW.maxWeeksFuture} weeks from today: check the year`,
      });
    }
  });

  const pregnancy = z
    .object({
      edd,
      bookingStatus: z.enum(BOOKING_STATUSES, { error: 'Select whether she has booked for maternity care' }),
      bookingUnit: optionalText(LIMITS.shortText, 'Booking unit'),
      concealment: z.enum(CONCEALMENT_TYPES, { error: 'Select whether the pregnancy is concealed, denied, booked late or unbooked' }),
      cpis: z
        .object({
          checkedAt: optionalDate('The date CP-IS was checked'),
          result: z.enum(CPIS_RESULTS, { error: 'Select what CP-IS showed, or that it was not checked' }),
        })
        .prefault(EMPTY)
        .superRefine((c, ctx) => {
          if ((c.result === 'plan' || c.result === 'no_plan') && !c.checkedAt) {
            ctx.addIssue({ code: 'custom', path: ['checkedAt'], message: 'Enter the date you checked CP-IS' });
          } else if (c.result === 'not_checked' && c.checkedAt) {
            ctx.addIssue({ code: 'custom', path: ['checkedAt'], message: 'You said CP-IS was not checked: remove the date, or select what it showed' });
          } else if (typeof c.checkedAt === 'string' && isIsoDate(c.checkedAt) && c.checkedAt > today) {
            ctx.addIssue({ code: 'custom', path: ['checkedAt'], message: 'The date CP-IS was checked must be today or in the past' });
          }
        }, EVEN_IF_FIELDS_FAIL),
    })
    .prefault(EMPTY);

  const contact = (when: string) =>
    z
      .object({
        name: requiredText(LIMITS.shortText, `The ${when} contact's name`, `Enter the name of the ${when} contact`),
        phone: ukPhone(`the ${when} contact's telephone number`),
      })
      .prefault(EMPTY);

  const risk = z
    .object({
      criteria: z
        .array(z.enum(RISK_CRITERIA, { error: 'Select the criteria from the list' }), { error: 'Select at least one criterion for the alert' })
        .min(1, 'Select at least one criterion for the alert')
        .prefault([])
        .transform(unique),
      otherCriterion: optionalText(LIMITS.shortText, 'The other criterion'),
      reason: requiredText(LIMITS.longText, 'The reason for the alert', 'Enter why this alert is needed, in plain language'),
      riskToStaff: optionalText(LIMITS.longText, 'Risk to staff'),
      actionOnPresentation: requiredText(LIMITS.longText, 'Action on presentation', 'Enter what staff must do when she presents'),
      inHoursContact: contact('in-hours'),
      outOfHoursContact: contact('out-of-hours'),
    })
    .prefault(EMPTY)
    .superRefine((r, ctx) => {
      const criteria: unknown[] = Array.isArray(r.criteria) ? r.criteria : [];
      if (criteria.includes('other') && !r.otherCriterion) ctx.addIssue({ code: 'custom', path: ['otherCriterion'], message: 'Describe the other criterion' });
      if (criteria.includes('risk_to_staff') && !r.riskToStaff) ctx.addIssue({ code: 'custom', path: ['riskToStaff'], message: 'Describe the risk to staff' });
    }, EVEN_IF_FIELDS_FAIL)
    // The "other" text is revealed only when "other" is ticked: text left behind from an untick is not kept.
    .transform((r) => ({ ...r, otherCriterion: r.criteria.includes('other') ? r.otherCriterion : null }));

  /**
   * How widely the alert goes. `geographyCode` is the ICB or NHS region code for those scopes; `unitIds`
   * are the named units for scope `units`. Values left behind by a changed choice are cleared, as the
   * form only shows the fields for the chosen scope. `unitTypes` chooses which units in a geography
   * receive it; for named units the intent is that the named units receive it whatever their type.
   */
  const distribution = z
    .object({
      scope: z.enum(DISTRIBUTION_SCOPES, { error: 'Select how widely to send the alert' }),
      geographyCode: z
        .string({ error: 'Select an area from the list' })
        .trim()
        .toUpperCase()
        .refine((s) => s === '' || /^[A-Z0-9]{2,12}$/.test(s), 'Select an area from the list')
        .nullish()
        .transform((s) => (s ? s : null)),
      unitIds: list(z.uuid({ error: 'Select units from the list' }), LIMITS.unitIds, `You can name up to ${thousands(LIMITS.unitIds)} units`),
      unitTypes: z
        .array(z.enum(UNIT_TYPES, { error: 'Select the types of unit from the list' }), { error: 'Select at least one type of unit to send the alert to' })
        .min(1, 'Select at least one type of unit to send the alert to')
        .prefault([...DEFAULT_UNIT_TYPES])
        .transform(unique),
      scopeReason: requiredText(LIMITS.scopeReason, 'The reason for sending it this widely', 'Enter why the alert needs to go this widely'),
    })
    .prefault(EMPTY)
    .superRefine((d, ctx) => {
      if (d.scope === 'icb' && !d.geographyCode)
        ctx.addIssue({ code: 'custom', path: ['geographyCode'], message: 'Select the ICB area (county) to send the alert to' });
      if (d.scope === 'region' && !d.geographyCode)
        ctx.addIssue({ code: 'custom', path: ['geographyCode'], message: 'Select the NHS region to send the alert to' });
      if (d.scope === 'units' && !(Array.isArray(d.unitIds) && d.unitIds.length > 0)) {
        ctx.addIssue({ code: 'custom', path: ['unitIds'], message: 'Select at least one unit to send the alert to' });
      }
    }, EVEN_IF_FIELDS_FAIL)
    .transform((d) => ({
      ...d,
      geographyCode: d.scope === 'icb' || d.scope === 'region' ? d.geographyCode : null,
      unitIds: d.scope === 'units' ? unique(d.unitIds) : [],
    }));

  const reviewDate = optionalDate('Review date').superRefine((value, ctx) => {
    if (!value || !isIsoDate(value) || value === previous?.reviewDate) return;
    const ahead = daysBetween(today, value);
    if (ahead <= 0) ctx.addIssue({ code: 'custom', message: 'The review date must be in the future' });
    else if (ahead > MAX_REVIEW_DATE_DAYS) ctx.addIssue({ code: 'custom', message: 'The review date must be within a year of today' });
  });

  // Keys in the order the journey asks, so the error summary lists problems in that order.
  return z.object({
    subject,
    /** Why there is no photograph, when there is none (the SOP asks for one "or a reason why not"). */
    noPhotographReason: optionalText(LIMITS.longText, 'Why there is no photograph'),
    associatedPeople: list(associatedPerson, LIMITS.associatedPeople, `You can add up to ${LIMITS.associatedPeople} associated people`),
    pregnancy,
    risk,
    lawfulBasis: z.enum(LAWFUL_BASES, { error: 'Select the lawful basis for sharing her information' }),
    distribution,
    /** Left empty, the alert is reviewed {@link defaultReviewDate} weeks after the due date: see {@link effectiveReviewDate}. */
    reviewDate,
  });
}

/** Adds an issue at each repeat of an earlier item's key (the first one stays clean). */
function flagRepeats<T>(items: readonly T[], key: (item: T) => unknown, field: (string | number)[], message: (item: T) => string, ctx: z.RefinementCtx): void {
  if (!Array.isArray(items)) return;
  const seen = new Set<unknown>();
  items.forEach((item, i) => {
    if (typeof item !== 'object' || item === null) return;
    const k = key(item);
    if (typeof k !== 'string' || k === '') return;
    if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [i, ...field], message: message(item) });
    seen.add(k);
  });
}

export type AlertContentSchema = ReturnType<typeof alertContentSchema>;
/** Validated alert content, as stored in each version. */
export type AlertContent = z.output<AlertContentSchema>;
/** What a form or API client sends. */
export type AlertContentInput = z.input<AlertContentSchema>;

/** Parse alert content at a service's edge: the content, or a ValidationError naming each bad field by its path. */
export function parseAlertContent(input: unknown, now: Date, options: AlertContentSchemaOptions = {}): AlertContent {
  return parseInput(alertContentSchema(now, options), input);
}

/** The review date that applies: the one chosen, or `weeksAfterEdd` weeks after the due date. */
export function effectiveReviewDate(content: Pick<AlertContent, 'reviewDate' | 'pregnancy'>, weeksAfterEdd = 6): IsoDate {
  return content.reviewDate ?? defaultReviewDate(content.pregnancy.edd, weeksAfterEdd);
}
