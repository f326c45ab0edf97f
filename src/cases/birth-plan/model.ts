/**
 * The birth plan: what the unit does when the baby is born. Structured so that the midwife on the
 * labour ward at 3am finds the same things in the same place on every plan: who may be with her, who
 * must not be in the unit and why, whom to phone in and out of hours, whether the baby may leave and
 * with whom, and what to do if the baby comes early or the family disappears.
 *
 * Lists from forms come with blank rows (a page without JavaScript offers a fixed number): a row with
 * nothing in it is ignored, and a row half filled in is an error at its own position, so the error
 * summary links to the right field.
 */
import { z } from 'zod';
import { pastInstant } from '../milestones/model';
import { optionalText, requiredText } from '../text-fields';

export const BABY_MAY_LEAVE = ['yes', 'no', 'only_with'] as const;
export type BabyMayLeave = (typeof BABY_MAY_LEAVE)[number];
export const BABY_MAY_LEAVE_LABELS: Record<BabyMayLeave, string> = {
  yes: 'Yes, with the parents',
  no: 'No: the baby must not leave the unit until children’s social care agree',
  only_with: 'Only with named people',
};

/** Who each version must reach. named_midwife and parents have protocol deadlines of their own. */
export const RECIPIENT_KINDS = ['named_midwife', 'parents', 'social_worker', 'health_visitor', 'gp', 'birth_unit', 'other'] as const;
export type RecipientKind = (typeof RECIPIENT_KINDS)[number];
export const RECIPIENT_KIND_LABELS: Record<RecipientKind, string> = {
  named_midwife: 'Named midwife',
  parents: 'Parents',
  social_worker: 'Social worker',
  health_visitor: 'Health visitor',
  gp: 'GP',
  birth_unit: 'Birth unit',
  other: 'Other named person',
};
/** As it reads in a sentence: "not yet sent to the named midwife". */
export const RECIPIENT_KIND_PHRASES: Record<RecipientKind, string> = {
  named_midwife: 'named midwife',
  parents: 'parents',
  social_worker: 'social worker',
  health_visitor: 'health visitor',
  gp: 'GP',
  birth_unit: 'birth unit',
  other: 'other named person',
};
/** The kinds that may be added beside the named midwife and the parents. */
export const ADDITIONAL_RECIPIENT_KINDS = ['social_worker', 'health_visitor', 'gp', 'birth_unit', 'other'] as const;

export const SEND_METHODS = ['email', 'secure_email', 'post', 'by_hand', 'phone'] as const;
export type SendMethod = (typeof SEND_METHODS)[number];
export const SEND_METHOD_LABELS: Record<SendMethod, string> = {
  email: 'Email',
  secure_email: 'Secure email (NHSmail or equivalent)',
  post: 'Post',
  by_hand: 'By hand',
  phone: 'Read out by phone',
};

export const LIMITS = { name: 120, relationship: 80, reason: 500, description: 500, role: 120, phone: 30, text: 2000, rows: 12 } as const;

const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
const isBlankRow = (row: unknown) => typeof row === 'object' && row !== null && Object.values(row).every(blank);

/** A list of rows where rows left empty are dropped after validation (so each error keeps its row's position). */
function rows<T extends z.ZodType>(item: T, what: string) {
  return z
    .array(z.unknown(), { error: `${what} must be a list` })
    .max(LIMITS.rows, `Up to ${LIMITS.rows} ${what.toLowerCase()} can be listed`)
    .nullish()
    .transform((list, ctx) => {
      const out: z.output<T>[] = [];
      (list ?? []).forEach((row, i) => {
        if (isBlankRow(row)) return;
        const r = item.safeParse(row);
        if (r.success) out.push(r.data);
        else
          for (const issue of r.error.issues)
            ctx.addIssue({ code: 'custom', path: [i, ...issue.path.map((p) => p as string | number)], message: issue.message });
      });
      return out;
    });
}

const phone = (missing: string) =>
  z
    .string({ error: missing })
    .trim()
    .min(1, missing)
    .max(LIMITS.phone, `The phone number must be ${LIMITS.phone} characters or fewer`)
    .regex(/^\+?[0-9 ()-]{6,30}$/, 'Enter a phone number, like 023 8077 7222');

export const birthPartnerSchema = z.object({
  name: requiredText(LIMITS.name, 'Enter the birth partner’s name'),
  relationship: requiredText(LIMITS.relationship, 'Enter how the birth partner is related to her, like "Sister" or "Friend"'),
});

export const excludedPersonSchema = z.object({
  name: requiredText(LIMITS.name, 'Enter the name of the person who must not be in the unit'),
  relationship: optionalText(LIMITS.relationship),
  reason: requiredText(LIMITS.reason, 'Enter why this person must not be in the unit'),
  description: optionalText(LIMITS.description, `The description must be ${LIMITS.description} characters or fewer`),
});

export const birthPlanContentSchema = z
  .object(
    {
      birthPartners: rows(birthPartnerSchema, 'Birth partners'),
      excludedPeople: rows(excludedPersonSchema, 'People excluded'),
      notifyInHours: z.object(
        {
          name: requiredText(LIMITS.name, 'Enter whom to notify in hours'),
          role: requiredText(LIMITS.role, 'Enter their role, like "Allocated social worker"'),
          phone: phone('Enter the in-hours phone number'),
        },
        { error: 'Enter whom to notify in hours' },
      ),
      notifyOutOfHours: z.object(
        {
          name: requiredText(LIMITS.name, 'Enter whom to notify out of hours, like "Emergency duty team"'),
          phone: phone('Enter the out-of-hours phone number'),
        },
        { error: 'Enter whom to notify out of hours' },
      ),
      babyMayLeaveUnit: z.enum(BABY_MAY_LEAVE, { error: 'Choose whether the baby may leave the unit' }),
      onlyWith: optionalText(LIMITS.reason, `Must be ${LIMITS.reason} characters or fewer`),
      contingencyPreterm: requiredText(LIMITS.text, 'Enter what to do if the baby is born early'),
      contingencyMissing: requiredText(LIMITS.text, 'Enter what to do if the family goes missing'),
      otherArrangements: optionalText(LIMITS.text),
    },
    { error: 'Enter the birth plan' },
  )
  .superRefine(
    (v, ctx) => {
      if (v.babyMayLeaveUnit === 'only_with' && !(typeof v.onlyWith === 'string' && v.onlyWith.trim())) {
        ctx.addIssue({ code: 'custom', path: ['onlyWith'], message: 'Enter with whom the baby may leave the unit' });
      }
    },
    // Run even when another field failed, so the error summary lists every problem at once.
    { when: (p) => typeof p.value === 'object' && p.value !== null },
  )
  .transform((v) => ({ ...v, onlyWith: v.babyMayLeaveUnit === 'only_with' ? v.onlyWith : null }));
export type BirthPlanContent = z.output<typeof birthPlanContentSchema>;

export const additionalRecipientSchema = z.object({
  recipient: z.enum(ADDITIONAL_RECIPIENT_KINDS, { error: 'Choose who this person is' }),
  name: requiredText(LIMITS.name, 'Enter the name of the person the plan goes to'),
});

const YEAR_MS = 365 * 86_400_000;

/**
 * A new version of the plan. `previousAgreedAt` is when the version it replaces was agreed (null for
 * the first): a new version cannot have been agreed before the one it replaces.
 */
export const saveBirthPlanSchema = (now: Date, previousAgreedAt: Date | null) =>
  z
    .object({
      content: birthPlanContentSchema,
      agreedAt: pastInstant({
        missing: 'Enter the date and time the plan was agreed',
        invalid: 'The date the plan was agreed must be a real date, with the time as HH:MM',
        latest: now,
        future: 'The date the plan was agreed cannot be in the future',
        earliest: new Date(Math.max(now.getTime() - YEAR_MS, previousAgreedAt?.getTime() ?? 0)),
        tooEarly:
          previousAgreedAt && previousAgreedAt.getTime() > now.getTime() - YEAR_MS
            ? 'The plan cannot have been agreed before the version it replaces'
            : 'The date the plan was agreed must be within the last year',
      }),
      agreedAtMeeting: optionalText(200),
      changeReason: optionalText(500, 'The reason for the change must be 500 characters or fewer'),
      namedMidwifeName: optionalText(LIMITS.name),
      parentsName: requiredText(LIMITS.name, 'Enter the parents’ names, as the plan is sent to them (mark the milestone not applicable if it must not be)'),
      additionalRecipients: rows(additionalRecipientSchema, 'Other people'),
    })
    .superRefine(
      (v, ctx) => {
        if (previousAgreedAt && !(typeof v.changeReason === 'string' && v.changeReason.trim()))
          ctx.addIssue({ code: 'custom', path: ['changeReason'], message: 'Enter what has changed and why' });
      },
      { when: (p) => typeof p.value === 'object' && p.value !== null },
    );
export type SaveBirthPlanInput = z.output<ReturnType<typeof saveBirthPlanSchema>>;

export const recordSentSchema = (now: Date, agreedAt: Date) =>
  z.object({
    sentAt: pastInstant({
      missing: 'Enter the date and time it was sent',
      invalid: 'The date it was sent must be a real date, with the time as HH:MM',
      latest: now,
      future: 'The date it was sent cannot be in the future',
      earliest: agreedAt,
      tooEarly: 'The plan cannot have been sent before it was agreed',
    }),
    method: z.enum(SEND_METHODS, { error: 'Choose how it was sent' }),
  });

// ── Differences between versions ───────────────────────────────────────────────────────────────────

export const CONTENT_FIELD_LABELS: Record<keyof BirthPlanContent, string> = {
  birthPartners: 'Birth partners',
  excludedPeople: 'People excluded from the unit',
  notifyInHours: 'Whom to notify in hours',
  notifyOutOfHours: 'Whom to notify out of hours',
  babyMayLeaveUnit: 'Whether the baby may leave the unit',
  onlyWith: 'With whom the baby may leave',
  contingencyPreterm: 'If the baby is born early',
  contingencyMissing: 'If the family goes missing',
  otherArrangements: 'Other arrangements',
};

/** The fields that differ between two versions, in the order the plan lists them. */
export function changedFields(before: Partial<BirthPlanContent> | null, after: Partial<BirthPlanContent>): string[] {
  if (!before) return [];
  const norm = (v: unknown) => stableJson(v ?? null);
  return (Object.keys(CONTENT_FIELD_LABELS) as (keyof BirthPlanContent)[])
    .filter((k) => norm(before[k]) !== norm(after[k]))
    .map((k) => CONTENT_FIELD_LABELS[k]);
}

/** JSON with object keys sorted (JSONB hands keys back in its own order). Empty strings count as nothing. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== null && x !== undefined && x !== '')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}
