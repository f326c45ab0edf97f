/**
 * What people send to raise and move an escalation. Messages are written for the practitioner at the
 * form; field names are the form's, so the error summary links to the field. The rules about stages
 * (which stage may follow which, when a reason is needed) are in ./stages; these schemas only say
 * whether what was entered is complete and well formed.
 */
import { z } from 'zod';
import { ESCALATION_SUBJECTS, ESCALATION_STATUSES, type EscalationStatus } from './stages';
import { optionalNamedText, requiredNamedText } from '../cases/text-fields';

export const LIMITS = { concern: 2000, desiredOutcome: 2000, name: 120, reason: 1000, agreedActions: 4000, outcome: 2000 } as const;

const optionalUuid = (message: string) =>
  z
    .string({ error: message })
    .trim()
    .nullish()
    .transform((v) => v || null)
    .refine((v) => v === null || z.uuid().safeParse(v).success, message);

/** A stage number from a form (a string) or JSON (a number); blank means "not given". */
const stageNumber = (message: string) =>
  z.preprocess(
    (v) => (v === '' || v === null || v === undefined ? undefined : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
    z.number({ error: message }).int(message).min(1, message),
  );

export const raiseEscalationSchema = z.object({
  subject: z.enum(ESCALATION_SUBJECTS, { error: 'Choose what the disagreement is about' }),
  concern: requiredNamedText(LIMITS.concern, 'Enter your concern: what you disagree about and why it matters for the baby', 'Your concern'),
  desiredOutcome: optionalNamedText(LIMITS.desiredOutcome, 'What you want to happen'),
  raisedWithOrganisationId: z
    .string({ error: 'Choose the agency you disagree with' })
    .trim()
    .min(1, 'Choose the agency you disagree with')
    .refine((v) => z.uuid().safeParse(v).success, 'Choose the agency you disagree with from the list'),
  raisedWithName: optionalNamedText(LIMITS.name, 'The name of the person you disagree with'),
  /** Their email, when known: they are emailed at raising and at each stage, beside their agency's mailbox. */
  raisedWithEmail: z
    .string()
    .trim()
    .max(254, 'Their email address must be 254 characters or fewer')
    .optional()
    .transform((v) => (v ? v.toLowerCase() : null))
    .refine((v) => v === null || /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[a-z]{2,}$/i.test(v), 'Enter their email address like name@nhs.net, or leave it empty'),
  caseId: optionalUuid('The case could not be found. Start again from the case'),
  /** Who holds stage 1 (or the starting stage); the person raised with when not given. */
  ownerName: optionalNamedText(LIMITS.name, 'The name of the person who holds it'),
  /** 1 normally; higher only when the risk is too urgent to start at the bottom, with a reason. */
  startStage: stageNumber('Choose the stage to start at').optional().default(1),
  startReason: optionalNamedText(LIMITS.reason, 'The reason for starting at a higher stage'),
});
export type RaiseEscalationInput = z.output<typeof raiseEscalationSchema>;

export const escalateSchema = z.object({
  toStage: stageNumber('Choose the stage to escalate to'),
  reason: optionalNamedText(LIMITS.reason, 'The reason'),
  ownerName: requiredNamedText(
    LIMITS.name,
    'Enter the name of the person who now holds the escalation, like the manager you have contacted',
    'The name of the person who holds it',
  ),
  ownerOrganisationId: optionalUuid('Choose the organisation of the person who now holds it from the list'),
  /** What was agreed at the stage being left, if anything (kept on that stage's record). */
  agreedActions: optionalNamedText(LIMITS.agreedActions, 'Agreed actions'),
});
export type EscalateInput = z.output<typeof escalateSchema>;

export const agreedActionsSchema = z.object({
  agreedActions: requiredNamedText(LIMITS.agreedActions, 'Enter the actions agreed at this stage, who will do them and by when', 'Agreed actions'),
});

export const resolveSchema = z.object({
  outcome: requiredNamedText(LIMITS.outcome, 'Enter the outcome: what was agreed', 'The outcome'),
});

export const reasonSchema = (missing: string) =>
  z.object({
    reason: requiredNamedText(LIMITS.reason, missing, 'The reason'),
  });

export const LIST_FILTERS = ['open', 'closed', 'all'] as const;
export type ListFilter = (typeof LIST_FILTERS)[number];

export const CLOSED_STATUSES: readonly EscalationStatus[] = ESCALATION_STATUSES.filter((s) => s !== 'open');

/** What ended a stage: shown in the stage history. */
export const STAGE_OUTCOMES = ['escalated', 'resolved', 'referred_to_partnership', 'withdrawn'] as const;
export type StageOutcome = (typeof STAGE_OUTCOMES)[number];
export const STAGE_OUTCOME_LABELS: Record<StageOutcome, string> = {
  escalated: 'Escalated',
  resolved: 'Resolved',
  referred_to_partnership: 'Referred to the safeguarding partnership',
  withdrawn: 'Withdrawn',
};

/** ISO dates for the report period (YYYY-MM-DD), both optional. */
const isoDate = (message: string) =>
  z
    .string({ error: message })
    .trim()
    .nullish()
    .transform((v) => v || null)
    .refine(
      (v) =>
        v === null ||
        (/^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) === v),
      message,
    );

export const reportQuerySchema = z
  .object({
    from: isoDate('The start of the period must be a real date, like 2026-04-01'),
    to: isoDate('The end of the period must be a real date, like 2027-03-31'),
    geographyId: optionalUuid('Choose an area from the list'),
  })
  .superRefine((v, ctx) => {
    if (v.from && v.to && v.from > v.to)
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'The end of the period must be the same as or after the start' });
  });
export type ReportQuery = z.input<typeof reportQuerySchema>;
