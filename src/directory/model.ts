import { z } from 'zod';

export const GEOGRAPHY_LEVELS = ['country', 'region', 'icb', 'local_authority'] as const;
export type GeographyLevel = (typeof GEOGRAPHY_LEVELS)[number];
export const GEOGRAPHY_LEVEL_LABELS: Record<GeographyLevel, string> = {
  country: 'Country',
  region: 'NHS region',
  icb: 'ICB area (county)',
  local_authority: 'Local authority area',
};

export const ORGANISATION_TYPES = [
  'acute_trust',
  'community_trust',
  'mental_health_trust',
  'ambulance_trust',
  'icb',
  'gp_practice',
  'local_authority',
  'police',
  'other',
] as const;
export type OrganisationType = (typeof ORGANISATION_TYPES)[number];
export const ORGANISATION_TYPE_LABELS: Record<OrganisationType, string> = {
  acute_trust: 'Acute trust',
  community_trust: 'Community trust',
  mental_health_trust: 'Mental health trust',
  ambulance_trust: 'Ambulance trust',
  icb: 'Integrated care board',
  gp_practice: 'GP practice',
  local_authority: "Local authority children's services",
  police: 'Police',
  other: 'Other',
};

export const UNIT_TYPES = [
  'maternity_unit',
  'emergency_department',
  'birth_centre',
  'urgent_treatment_centre',
  'ambulance_control',
  'safeguarding_team',
  'childrens_social_care_front_door',
  'emergency_duty_team',
  'other',
] as const;
export type UnitType = (typeof UNIT_TYPES)[number];
export const UNIT_TYPE_LABELS: Record<UnitType, string> = {
  maternity_unit: 'Maternity unit',
  emergency_department: 'Emergency department',
  birth_centre: 'Birth centre',
  urgent_treatment_centre: 'Urgent treatment centre',
  ambulance_control: 'Ambulance control room',
  safeguarding_team: 'Safeguarding team',
  childrens_social_care_front_door: "Children's social care front door",
  emergency_duty_team: 'Emergency duty team (out of hours)',
  other: 'Other',
};

const trimmed = z.string().transform((s) => s.trim());
const optionalText = (max: number, what: string) =>
  trimmed.pipe(z.string().max(max, `${what} must be ${max} characters or fewer`)).transform((s) => (s === '' ? null : s));

/** UK telephone numbers as people write them: digits, spaces, +, brackets and hyphens. */
const phone = (what: string) =>
  trimmed
    .pipe(z.string().max(40, `${what} must be 40 characters or fewer`))
    .refine((s) => s === '' || (/^[+()\d\s-]+$/.test(s) && s.replace(/\D/g, '').length >= 10 && s.replace(/\D/g, '').length <= 13), {
      message: `Enter ${what.toLowerCase()} as a UK telephone number, like 023 8077 7222`,
    })
    .transform((s) => (s === '' ? null : s));

export const UK_POSTCODE = /^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$/;
const postcode = trimmed
  .transform((s) => s.toUpperCase().replace(/\s+/g, ' '))
  .refine((s) => s === '' || UK_POSTCODE.test(s), { message: 'Enter a real postcode, like SO16 6YD' })
  .transform((s) => (s === '' ? null : s.replace(/^(.+?)\s?(\d[A-Z]{2})$/, '$1 $2')));

export const ODS_CODE = /^[A-Z0-9]{3,6}$/;

export const organisationInput = z.object({
  odsCode: trimmed
    .transform((s) => s.toUpperCase())
    .pipe(z.string().min(1, 'Enter the ODS code').regex(ODS_CODE, 'Enter an ODS code of 3 to 6 letters and numbers, like RHM')),
  name: trimmed.pipe(z.string().min(1, 'Enter the organisation name').max(200, 'Organisation name must be 200 characters or fewer')),
  type: z.enum(ORGANISATION_TYPES, { message: 'Select the type of organisation' }),
  geographyCode: trimmed.pipe(z.string().min(1, 'Select the area the organisation belongs to')),
  addressLine: optionalText(300, 'Address'),
  postcode,
  phone: phone('Telephone number'),
  active: z.boolean().default(true),
});
export type OrganisationInput = z.infer<typeof organisationInput>;

export const unitInput = z.object({
  name: trimmed.pipe(z.string().min(1, 'Enter the unit name').max(200, 'Unit name must be 200 characters or fewer')),
  type: z.enum(UNIT_TYPES, { message: 'Select the type of unit' }),
  siteName: optionalText(200, 'Site name'),
  postcode,
  inHoursPhone: phone('In-hours telephone number'),
  outOfHoursPhone: phone('Out-of-hours telephone number'),
  sharedMailbox: trimmed
    .pipe(z.string().max(200))
    .refine((s) => s === '' || z.email().safeParse(s).success, { message: 'Enter the shared mailbox as an email address, like maternity.safeguarding@nhs.net' })
    .transform((s) => (s === '' ? null : s.toLowerCase())),
  active: z.boolean().default(true),
});
export type UnitInput = z.infer<typeof unitInput>;
