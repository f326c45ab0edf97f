/**
 * The library's words and input shapes: kinds of document, version statuses, and the zod schema of every
 * form and API body (messages a clinician understands).
 */
import { z } from 'zod';
import { dayListSchema } from '../platform/http/day-list';
import { isoDateProblem } from '../platform/dates';

export const KINDS = ['sop', 'guideline', 'protocol', 'briefing', 'practice_note', 'review_response'] as const;
export type Kind = (typeof KINDS)[number];
export const KIND_LABELS: Record<Kind, string> = {
  sop: 'Standard operating procedure',
  guideline: 'Guideline',
  protocol: 'Protocol',
  briefing: 'Spotlight briefing (7-minute briefing)',
  practice_note: 'Practice note',
  review_response: 'Response to a review’s recommendations',
};

export const STATUSES = ['draft', 'in_review', 'approved', 'published', 'superseded', 'withdrawn'] as const;
export type VersionStatus = (typeof STATUSES)[number];
export const STATUS_LABELS: Record<VersionStatus, string> = {
  draft: 'Draft',
  in_review: 'In review',
  approved: 'Approved',
  published: 'Published',
  superseded: 'Superseded',
  withdrawn: 'Withdrawn',
};
/** Versions anyone may read; the others only the document's authors, its named reviewers and auditors. */
export const PUBLIC_STATUSES: readonly VersionStatus[] = ['published', 'superseded'];

/** What a document can be guidance for: the chronology's pattern prompts link to the current one. */
export const TOPICS = ['closure', 'flight', 'disguised_compliance', 'concealed_pregnancy', 'unborn_baby_protocol', 'high_risk_alerts'] as const;
export type Topic = (typeof TOPICS)[number];
export const TOPIC_LABELS: Record<Topic, string> = {
  closure: 'Closure',
  flight: 'Flight',
  disguised_compliance: 'Disguised compliance',
  concealed_pregnancy: 'Concealed and denied pregnancy',
  unborn_baby_protocol: 'Unborn baby protocol',
  high_risk_alerts: 'High-risk alerts',
};

export const LIMITS = {
  title: 200,
  summary: 1000,
  body: 100_000,
  changeSummary: 2000,
  reason: 1000,
  question: 300,
  option: 200,
  questions: 3,
  attachmentBytes: 10 * 1024 * 1024,
  notes: 2000,
} as const;

const trimmed = (max: number, required: string, tooLong: string) => z.string({ error: required }).trim().min(1, required).max(max, tooLong);
const optionalText = (max: number, tooLong: string) =>
  z
    .string()
    .trim()
    .max(max, tooLong)
    .optional()
    .transform((v) => (v ? v : null));
/** A list sent as one value, several values, or a comma-separated string (forms send checkboxes as repeated fields). */
const list = (v: unknown) => (v === undefined || v === null || v === '' ? [] : Array.isArray(v) ? v : String(v).split(','));
const isoDate = (label: string) =>
  z
    .string({ error: `Enter ${label}` })
    .trim()
    .min(1, `Enter ${label}`)
    .superRefine((v, c) => {
      const p = isoDateProblem(v);
      if (p) c.addIssue({ code: 'custom', message: `${label[0]!.toUpperCase()}${label.slice(1)}: ${p}` });
    });

export const documentSchema = z.object({
  kind: z.enum(KINDS, { error: 'Choose the kind of document' }),
  title: trimmed(LIMITS.title, 'Enter the title', 'The title must be 200 characters or fewer'),
  summary: trimmed(LIMITS.summary, 'Enter a one-paragraph summary of what the document is for', 'The summary must be 1000 characters or fewer'),
  reviewMonths: z.coerce
    .number({ error: 'Enter how many months between reviews, for example 12' })
    .int('Enter how many months between reviews as a whole number')
    .min(1, 'Reviews must be at least 1 month apart')
    .max(36, 'Reviews must be at most 36 months apart'),
  topics: z.preprocess(list, z.array(z.enum(TOPICS, { error: 'Choose topics from the list' }))),
  /** Codes of other partnerships that share the document. */
  sharedWith: z.preprocess(list, z.array(z.string().trim().min(1).max(20)).max(20, 'Share with at most 20 partnerships')),
});
export type DocumentInput = z.output<typeof documentSchema>;

const questionSchema = z.object({
  text: trimmed(LIMITS.question, 'Enter the question', 'A question must be 300 characters or fewer'),
  options: z
    .array(z.string().trim().max(LIMITS.option, 'An answer must be 200 characters or fewer'))
    .transform((o) => o.filter(Boolean))
    .refine((o) => o.length >= 2, 'Give at least two answers to choose from')
    .refine((o) => o.length <= 5, 'Give at most five answers'),
  correct: z.coerce.number({ error: 'Say which answer is right' }).int().min(0, 'Say which answer is right'),
});

/**
 * The knowledge check as a form sends it (question1, question1Options one per line, question1Correct as the
 * answer's number from 1) or as the API sends it (an array).
 */
export const questionsSchema = z.preprocess(
  (v) => {
    if (Array.isArray(v)) return v;
    if (!v || typeof v !== 'object') return [];
    const f = v as Record<string, unknown>;
    const out: unknown[] = [];
    for (let i = 1; i <= LIMITS.questions + 2; i++) {
      const text = String(f[`question${i}`] ?? '').trim();
      const options = String(f[`question${i}Options`] ?? '').trim();
      if (!text && !options) continue;
      const correct = Number(String(f[`question${i}Correct`] ?? '').trim());
      out.push({ text, options: options.split(/\r?\n/), correct: Number.isFinite(correct) && correct > 0 ? correct - 1 : -1 });
    }
    return out;
  },
  z
    .array(questionSchema)
    .max(LIMITS.questions, 'Set at most three questions')
    .superRefine((qs, c) => {
      qs.forEach((q, i) => {
        if (q.correct >= q.options.length)
          c.addIssue({ code: 'custom', path: [i, 'correct'], message: `Question ${i + 1}: the right answer must be one of its answers` });
      });
    }),
);

export const draftSchema = z.object({
  body: trimmed(LIMITS.body, 'Enter the text of the document', 'The text must be 100,000 characters or fewer'),
  changeSummary: trimmed(LIMITS.changeSummary, 'Enter a summary of what changed in this version', 'The summary of changes must be 2000 characters or fewer'),
  /** Named reviewers by email, one per line or separated by commas. */
  reviewers: z
    .preprocess((v) => (Array.isArray(v) ? v.join('\n') : (v ?? '')), z.string().max(2000, 'List at most 2000 characters of reviewers'))
    .transform((v) =>
      [
        ...new Set(
          v
            .split(/[\s,;]+/)
            .map((s) => s.trim().toLowerCase())
            .filter(Boolean),
        ),
      ].slice(0, 20),
    ),
});
export type DraftInput = z.output<typeof draftSchema>;

export const newVersionSchema = z.object({
  change: z.enum(['major', 'minor'], { error: 'Say whether this is a change of practice (major) or of wording (minor)' }),
});

export const commentSchema = z.object({
  text: trimmed(LIMITS.notes, 'Enter your comment', 'A comment must be 2000 characters or fewer'),
});

export const approvalSchema = z.object({
  group: trimmed(200, 'Enter the group that approved it, for example the Policy and Procedures Subgroup', 'The group must be 200 characters or fewer'),
  meeting: trimmed(200, 'Enter the meeting that approved it, for example 12 March 2026 meeting', 'The meeting must be 200 characters or fewer'),
  approvedOn: isoDate('the date it was approved'),
});

export const publishSchema = z.object({
  reviewDueOn: z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : null))
    .superRefine((v, c) => {
      const p = v ? isoDateProblem(v) : null;
      if (p) c.addIssue({ code: 'custom', message: `Review date: ${p}` });
    }),
});

export const reasonSchema = z.object({
  reason: trimmed(LIMITS.reason, 'Enter the reason', 'The reason must be 1000 characters or fewer'),
});

export const circulateSchema = z
  .object({
    everyone: z.preprocess((v) => v === true || v === 'yes' || v === 'true', z.boolean()),
    organisationIds: z.preprocess(list, z.array(z.uuid({ error: 'Choose organisations from the list' })).max(200)),
    roles: z.preprocess(list, z.array(z.string().trim().min(1).max(60)).max(20)),
    unitIds: z.preprocess(list, z.array(z.uuid({ error: 'Choose units from the list' })).max(500)),
    reminderDays: dayListSchema({ fallback: [7, 14], max: 60, most: 3, order: 'ascending', relation: 'after circulation', example: '7, 14' }),
  })
  .refine((a) => a.everyone || a.organisationIds.length || a.roles.length || a.unitIds.length, {
    path: ['everyone'],
    message: 'Choose who it goes to: everyone in the partnership, or agencies, roles or units',
  });
export type CirculateInput = z.output<typeof circulateSchema>;

export const discussionSchema = z.object({
  team: trimmed(200, 'Enter the team that discussed it', 'The team must be 200 characters or fewer'),
  heldOn: isoDate('the date of the meeting'),
  present: z.coerce
    .number({ error: 'Enter how many people were there, for example 8' })
    .int('Enter how many people were there as a whole number')
    .min(1, 'At least one person must have been there')
    .max(1000, 'Enter at most 1000 people'),
  notes: optionalText(LIMITS.notes, 'The notes must be 2000 characters or fewer'),
});

/** The answers to the knowledge check (answer1…answer3 from a form, or an array), each the number of the option chosen from 1. */
export const acknowledgeSchema = z.object({
  confirm: z.preprocess((v) => v === true || v === 'yes' || v === 'true', z.literal(true, { error: 'Confirm that you have read and understood it' })),
  answers: z.array(z.number().int().min(0)).default([]),
});
