/**
 * What a case holds beyond its demographics: classification, due date, the professionals and agencies
 * working on it. Validation messages are written for the midwife or social worker filling in the form;
 * field paths are stable so the error summary can link to the field.
 */
import { z } from 'zod';
import { addDays, type IsoDate, isIsoDate } from '../platform/dates';
import { CASE_CLASSIFICATIONS } from './protocol';
import { FACT_SOURCES } from './demographics';
import { optionalText, requiredText } from './text-fields';

export const CASE_STATUSES = ['open', 'closed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const EDD_SOURCES = ['dating_scan', 'last_period', 'clinical_estimate', 'reported'] as const;
export type EddSource = (typeof EDD_SOURCES)[number];
export const EDD_SOURCE_LABELS: Record<EddSource, string> = {
  dating_scan: 'Dating scan',
  last_period: 'Last menstrual period',
  clinical_estimate: 'Clinical estimate (examination or scan at presentation)',
  reported: 'Reported by her or another agency',
};

export const PROFESSIONAL_ROLES = [
  'midwife',
  'safeguarding_midwife',
  'social_worker',
  'team_manager',
  'health_visitor',
  'gp',
  'safeguarding_lead',
  'obstetrician',
  'other',
] as const;
export type ProfessionalRole = (typeof PROFESSIONAL_ROLES)[number];
export const PROFESSIONAL_ROLE_LABELS: Record<ProfessionalRole, string> = {
  midwife: 'Named midwife',
  safeguarding_midwife: 'Safeguarding midwife',
  social_worker: 'Social worker',
  team_manager: 'Social work team manager',
  health_visitor: 'Health visitor',
  gp: 'GP',
  safeguarding_lead: 'Safeguarding lead',
  obstetrician: 'Consultant obstetrician',
  other: 'Other professional',
};

export const CLOSE_REASONS = ['no_further_action', 'transferred', 'baby_discharged_safely', 'not_pregnant', 'opened_in_error', 'other'] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];
export const CLOSE_REASON_LABELS: Record<CloseReason, string> = {
  no_further_action: 'No further action needed',
  transferred: 'Transferred to another area',
  baby_discharged_safely: 'Baby discharged under an agreed plan',
  not_pregnant: 'Not pregnant',
  opened_in_error: 'Opened in error',
  other: 'Other',
};

/** A due date must fit a pregnancy that is happening: from 4 weeks ago (late presentation, born soon) to 44 weeks ahead. */
export const eddSchema = (today: IsoDate) =>
  z
    .string({ error: 'Enter the due date' })
    .refine(isIsoDate, 'Due date must be a real date')
    .refine((d) => d >= addDays(today, -28), 'Due date must be no more than 4 weeks ago: if she has given birth, record the birth')
    .refine((d) => d <= addDays(today, 44 * 7), 'Due date must be within the next 44 weeks');

export const openCaseSchema = (today: IsoDate) =>
  z
    .object({
      classification: z.enum(CASE_CLASSIFICATIONS, { error: 'Choose what kind of case this is' }),
      givenName: requiredText(100, 'Enter her first name, as she gave it'),
      familyName: requiredText(100, 'Enter her last name, as she gave it'),
      dateOfBirth: z
        .string()
        .nullish()
        .transform((v) => v || null)
        .refine((v) => v === null || isIsoDate(v), 'Date of birth must be a real date')
        .refine(
          (v) => v === null || (v >= addDays(today, -60 * 366) && v <= addDays(today, -10 * 365)),
          'Date of birth must make her between 10 and 60 years old',
        ),
      nhsNumber: optionalText(20),
      addressLine: optionalText(200),
      postcode: optionalText(10),
      /** Where these first details came from. */
      source: z.enum(FACT_SOURCES, { error: 'Choose where these details came from' }),
      sourceDetail: optionalText(200),
      edd: z.preprocess((v) => (v === '' ? null : v), eddSchema(today).nullish()).transform((v) => v || null),
      eddSource: z.enum(EDD_SOURCES, { error: 'Choose how the due date was worked out' }).nullish(),
      geographyId: z.uuid({ error: 'Choose the local authority area whose protocol applies' }),
      alertReference: optionalText(20),
      summary: optionalText(2000),
    })
    .superRefine((v, ctx) => {
      if (v.edd && !v.eddSource) ctx.addIssue({ code: 'custom', path: ['eddSource'], message: 'Choose how the due date was worked out' });
      if (v.source === 'other_agency' && !v.sourceDetail)
        ctx.addIssue({ code: 'custom', path: ['sourceDetail'], message: 'Enter which agency gave these details' });
      if (v.classification !== 'unbooked_in_labour' && !v.edd)
        ctx.addIssue({ code: 'custom', path: ['edd'], message: 'Enter the due date, or your best estimate: protocol milestones are worked out from it' });
    });
export type OpenCaseInput = z.output<ReturnType<typeof openCaseSchema>>;

export const professionalSchema = z
  .object({
    role: z.enum(PROFESSIONAL_ROLES, { error: 'Choose the professional’s role' }),
    name: requiredText(120, 'Enter the professional’s name'),
    organisationId: z
      .string()
      .nullish()
      .transform((v) => v || null)
      .refine((v) => v === null || z.uuid().safeParse(v).success, 'Choose an organisation from the list'),
    organisationName: optionalText(200),
    phone: z
      .string()
      .trim()
      .nullish()
      .transform((v) => v || null)
      .refine((v) => v === null || /^\+?[0-9 ()-]{6,20}$/.test(v), 'Enter a phone number, like 023 8077 7222'),
    email: z
      .string()
      .trim()
      .nullish()
      .transform((v) => v || null)
      .refine((v) => v === null || z.email().safeParse(v).success, 'Enter an email address in the correct format, like name@example.nhs.uk'),
  })
  .superRefine((v, ctx) => {
    if (!v.organisationId && !v.organisationName)
      ctx.addIssue({ code: 'custom', path: ['organisationName'], message: 'Choose their organisation, or type its name if it is not listed' });
    if (!v.phone && !v.email) ctx.addIssue({ code: 'custom', path: ['phone'], message: 'Enter a phone number or an email address, so they can be reached' });
  });
export type ProfessionalInput = z.output<typeof professionalSchema>;

export const closeCaseSchema = z.object({
  reason: z.enum(CLOSE_REASONS, { error: 'Choose why the case is closing' }),
  note: requiredText(2000, 'Enter a note saying why the case is closing'),
});

export const birthSchema = (now: Date) =>
  z.object({
    bornAt: z.coerce
      .date({ error: 'Enter the date and time of birth' })
      .refine((d) => d.getTime() <= now.getTime() + 5 * 60_000, 'The time of birth cannot be in the future')
      .refine((d) => d.getTime() >= now.getTime() - 90 * 86_400_000, 'The time of birth must be within the last 90 days'),
  });

export const eddChangeSchema = (today: IsoDate) =>
  z.object({
    edd: eddSchema(today),
    eddSource: z.enum(EDD_SOURCES, { error: 'Choose how the due date was worked out' }),
    reason: requiredText(500, 'Enter why the due date changed'),
  });
