/** The tracker's input shapes (every form and API body), with messages a board's officer understands. */
import { z } from 'zod';
import { isoDateProblem } from '../../platform/dates';
import { optionalText, requiredText } from '../../cases/text-fields';
import { ACTION_STATUSES, EVIDENCE_KINDS, REVIEW_TYPES } from './rules';

export const LIMITS = { title: 300, text: 4000, long: 20_000, name: 200, note: 2000, fileBytes: 10 * 1024 * 1024 } as const;

const requiredDate = (what: string) =>
  z
    .string({ error: `Enter the ${what}` })
    .trim()
    .min(1, `Enter the ${what}`)
    .superRefine((v, c) => {
      const problem = isoDateProblem(v);
      if (problem) c.addIssue({ code: 'custom', message: `The ${what} must be a real date, like 2027-03-31` });
    });
const optionalDate = (what: string) =>
  z
    .string()
    .trim()
    .nullish()
    .transform((v) => v || null)
    .refine((v) => v === null || !isoDateProblem(v), `The ${what} must be a real date, like 2027-03-31`);

/** A list sent as one value, several values or a comma-separated string (checkboxes arrive as repeated fields). */
const listOf = (message: string) =>
  z.preprocess(
    (v) => (v === undefined || v === null || v === '' ? [] : Array.isArray(v) ? v : String(v).split(',')),
    z.array(z.string().trim().min(1, message)),
  );

export const reviewSchema = z.object({
  partnershipId: z.uuid({ error: 'Choose the partnership whose review it is' }),
  title: requiredText(LIMITS.title, 'Enter the review’s title, like "Partnership review: Baby H"', `The title must be ${LIMITS.title} characters or fewer`),
  reviewType: z.enum(REVIEW_TYPES, { error: 'Choose the type of review' }),
  consideredOn: optionalDate('date the case was considered'),
  decision: optionalText(LIMITS.text, `The decision must be ${LIMITS.text} characters or fewer`),
  ledBy: optionalText(LIMITS.text, `Who led it must be ${LIMITS.text} characters or fewer`),
  methodology: optionalText(LIMITS.text, `The methodology must be ${LIMITS.text} characters or fewer`),
  publishedOn: optionalDate('publication date'),
  subgroup: requiredText(LIMITS.name, 'Enter the subgroup that quality-assures the response, like "Learning and Inquiry Group"'),
});

export const recommendationSchema = z.object({
  text: requiredText(LIMITS.text, 'Enter the recommendation as the review wrote it', `The recommendation must be ${LIMITS.text} characters or fewer`),
  /** "board" and/or organisation ids. */
  addressees: listOf('Choose who the recommendation is addressed to').pipe(
    z.array(z.string()).min(1, 'Choose who the recommendation is addressed to: the board, an agency, or both'),
  ),
});

export const responseSchema = z.object({
  response: requiredText(LIMITS.long, 'Enter the response', `The response must be ${LIMITS.long} characters or fewer`),
});

export const actionSchema = z.object({
  title: requiredText(LIMITS.title, 'Enter what will be done', `What will be done must be ${LIMITS.title} characters or fewer`),
  detail: optionalText(LIMITS.text, `The detail must be ${LIMITS.text} characters or fewer`),
  ownerName: requiredText(LIMITS.name, 'Enter the name of the person who owns the action', `The owner’s name must be ${LIMITS.name} characters or fewer`),
  organisationId: z
    .string()
    .trim()
    .nullish()
    .transform((v) => v || null),
  dueOn: requiredDate('due date'),
  sourceRunId: z
    .string()
    .trim()
    .nullish()
    .transform((v) => v || null),
  sourceCriterion: z
    .string()
    .trim()
    .max(60)
    .nullish()
    .transform((v) => v || null),
});

export const reviseDueSchema = z.object({
  dueOn: requiredDate('new due date'),
  reason: requiredText(LIMITS.note, 'Enter why the due date is changing', `The reason must be ${LIMITS.note} characters or fewer`),
});

export const statusSchema = z.object({
  status: z.enum(ACTION_STATUSES, { error: 'Choose the action’s status' }),
  note: optionalText(LIMITS.note, `The note must be ${LIMITS.note} characters or fewer`),
});

export const signOffNoteSchema = z.object({
  note: requiredText(
    LIMITS.note,
    'Enter where and when it was agreed, like "Learning and Inquiry Group, 12 March"',
    `The note must be ${LIMITS.note} characters or fewer`,
  ),
});

export const evidenceLinkSchema = z.object({
  kind: z.enum(EVIDENCE_KINDS.filter((k) => k !== 'file') as ['course', 'readership', 'document', 'audit_run'], {
    error: 'Choose what kind of evidence it is',
  }),
  targetId: z.uuid({ error: 'Choose the record that is the evidence' }),
  note: optionalText(LIMITS.note, `The note must be ${LIMITS.note} characters or fewer`),
});

export const fileNoteSchema = z.object({
  note: requiredText(LIMITS.note, 'Say what the file shows', `The note must be ${LIMITS.note} characters or fewer`),
});

export const boardReportSchema = z.object({
  presentedOn: requiredDate('date the report was presented to the board'),
});
