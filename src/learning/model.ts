/**
 * Learning's words and shapes: the managed topic list, formats, statuses, survey questions, and the zod
 * schemas every form and API body is checked with (messages a trainer or delegate understands).
 */
import { z } from 'zod';
import { dayListSchema } from '../platform/http/day-list';

export const TOPICS = [
  'closure',
  'flight',
  'disguised_compliance',
  'concealed_pregnancy',
  'unborn_baby_protocol',
  'high_risk_alerts',
  'escalation',
  'toxicology_substance_use',
  'domestic_abuse',
  'information_sharing',
] as const;
export type Topic = (typeof TOPICS)[number];
export const TOPIC_LABELS: Record<Topic, string> = {
  closure: 'Closure',
  flight: 'Flight',
  disguised_compliance: 'Disguised compliance',
  concealed_pregnancy: 'Concealed and denied pregnancy',
  unborn_baby_protocol: 'Unborn baby protocol',
  high_risk_alerts: 'High-risk alerts',
  escalation: 'Escalation of concerns',
  toxicology_substance_use: 'Toxicology and substance use',
  domestic_abuse: 'Domestic abuse',
  information_sharing: 'Information sharing',
};

export const FORMATS = ['in_person', 'live_online', 'e_learning'] as const;
export type Format = (typeof FORMATS)[number];
export const FORMAT_LABELS: Record<Format, string> = { in_person: 'In person', live_online: 'Live online', e_learning: 'E-learning' };

export const AGENCIES = ['health', 'local_authority', 'police', 'education', 'voluntary'] as const;
export const AGENCY_LABELS: Record<(typeof AGENCIES)[number], string> = {
  health: 'Health',
  local_authority: 'Local authority (children’s social care)',
  police: 'Police',
  education: 'Education',
  voluntary: 'Voluntary and community sector',
};

export const BOOKING_STATUSES = ['awaiting_approval', 'booked', 'waiting', 'declined', 'cancelled'] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];
export const BOOKING_STATUS_LABELS: Record<BookingStatus, string> = {
  awaiting_approval: 'Awaiting manager approval',
  booked: 'Booked',
  waiting: 'On the waiting list',
  declined: 'Declined by manager',
  cancelled: 'Cancelled',
};
/** The statuses that hold (or queue for) a place. */
export const LIVE_STATUSES = ['awaiting_approval', 'booked', 'waiting'] as const;

export const ATTENDANCE = ['attended', 'left_early', 'did_not_attend', 'cancelled_late'] as const;
export type Attendance = (typeof ATTENDANCE)[number];
export const ATTENDANCE_LABELS: Record<Attendance, string> = {
  attended: 'Attended',
  left_early: 'Left early',
  did_not_attend: 'Did not attend',
  cancelled_late: 'Cancelled late',
};

export const SURVEY_KINDS = ['baseline', 'immediate', 'follow_up', 'manager_follow_up'] as const;
/** The stages a delegate answers for themselves (the line manager answers `manager_follow_up`). */
export const DELEGATE_KINDS = ['baseline', 'immediate', 'follow_up'] as const;
export type SurveyKind = (typeof SURVEY_KINDS)[number];
export const SURVEY_KIND_LABELS: Record<SurveyKind, string> = {
  baseline: 'Before the session',
  immediate: 'At the end of the session',
  follow_up: 'Follow-up, weeks later',
  manager_follow_up: 'Line manager, weeks later',
};

export const QUESTION_TYPES = ['rating', 'confidence', 'single', 'multiple', 'text'] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];
export const QUESTION_TYPE_LABELS: Record<QuestionType, string> = {
  rating: 'Rating, 1 to 5',
  confidence: 'Confidence, 1 to 5 (compared before and after)',
  single: 'Choose one',
  multiple: 'Choose any',
  text: 'Free text',
};
export const CONFIDENCE_LABELS = ['Not at all confident', 'Slightly confident', 'Somewhat confident', 'Confident', 'Very confident'] as const;
export const RATING_LABELS = ['Very poor', 'Poor', 'Average', 'Good', 'Very good'] as const;

export interface SurveyQuestion {
  /** Stable across versions: answers to the same key are compared (confidence before and after). */
  key: string;
  type: QuestionType;
  text: string;
  hint?: string;
  required: boolean;
  /** For single and multiple choice. */
  options?: string[];
}

export const LIMITS = { title: 200, summary: 2000, outcomes: 4000, venue: 300, link: 500, reason: 1000, answer: 4000, question: 500 } as const;

const trimmed = (max: number, required: string, tooLong: string) => z.string({ error: required }).trim().min(1, required).max(max, tooLong);
const optionalText = (max: number, tooLong: string) =>
  z
    .string()
    .trim()
    .max(max, tooLong)
    .optional()
    .transform((v) => (v ? v : null));
const httpsUrl = (message: string) =>
  z
    .string()
    .trim()
    .max(LIMITS.link, 'The link must be 500 characters or fewer')
    .optional()
    .transform((v) => (v ? v : null))
    .refine((v) => v === null || /^https:\/\/[^\s]+$/.test(v), message);

/** A list sent as one value, several values, or a comma-separated string (forms send checkboxes as repeated fields). */
const listOf = <T extends string>(values: readonly T[], message: string) =>
  z.preprocess(
    (v) => (v === undefined || v === null || v === '' ? [] : Array.isArray(v) ? v : String(v).split(',')),
    z.array(z.enum(values as [T, ...T[]], { error: message })),
  );

const yesNo = z.preprocess((v) => (typeof v === 'boolean' ? v : v === 'yes' || v === 'true' ? true : v === 'no' || v === 'false' ? false : v), z.boolean());

/** The days before a session that people booked are reminded: "14, 2", or a list; none sent when left empty. Default 14 and 2. */
const reminderDaysSchema = dayListSchema({ fallback: [14, 2], max: 60, most: 4, order: 'descending', relation: 'before the session', example: '14, 2' });

export const courseSchema = z
  .object({
    title: trimmed(LIMITS.title, 'Enter the course title', 'The title must be 200 characters or fewer'),
    summary: trimmed(LIMITS.summary, 'Enter a summary of the course', 'The summary must be 2000 characters or fewer'),
    outcomes: trimmed(LIMITS.outcomes, 'Enter the learning outcomes, one per line', 'The learning outcomes must be 4000 characters or fewer'),
    topics: listOf(TOPICS, 'Choose topics from the list').refine((v) => v.length > 0, 'Choose at least one topic the course covers'),
    audienceAgencies: listOf(AGENCIES, 'Choose agencies from the list'),
    audienceRoles: optionalText(500, 'The roles must be 500 characters or fewer'),
    format: z.enum(FORMATS, { error: 'Choose how the course is delivered' }),
    durationMinutes: z.coerce
      .number({ error: 'Enter the duration in minutes, for example 180' })
      .int('Enter the duration in whole minutes')
      .min(5, 'The duration must be at least 5 minutes')
      .max(60 * 24 * 5, 'The duration must be 5 days or less'),
    funded: yesNo.refine((v) => typeof v === 'boolean', 'Say whether the course is fully funded'),
    costPounds: z
      .string()
      .trim()
      .optional()
      .transform((v) => (v ? v : null))
      .refine((v) => v === null || /^\d{1,5}(\.\d{1,2})?$/.test(v), 'Enter the charge in pounds, for example 45 or 45.50'),
    approvalRequired: yesNo,
    elearningUrl: httpsUrl('Enter the e-learning link as a full https:// address'),
    followUpWeeks: z.coerce
      .number({ error: 'Enter the weeks before the follow-up survey' })
      .int()
      .min(2, 'The follow-up must be at least 2 weeks after the session')
      .max(52, 'The follow-up must be within 52 weeks')
      .default(8),
    reminderDays: reminderDaysSchema,
    followUpAskManager: yesNo.optional().transform((v) => v ?? false),
  })
  .superRefine((v, ctx) => {
    if (!v.funded && !v.costPounds)
      ctx.addIssue({ code: 'custom', path: ['costPounds'], message: 'Enter the charge per place for a course that is not funded' });
    if (v.format === 'e_learning' && !v.elearningUrl)
      ctx.addIssue({ code: 'custom', path: ['elearningUrl'], message: 'Enter the link to the e-learning module' });
  });
export type CourseInput = z.output<typeof courseSchema>;

export const courseChangeSchema = z.object({
  changeSummary: trimmed(LIMITS.reason, 'Say what changed, for the course’s change log', 'The change summary must be 1000 characters or fewer'),
  promptedBy: optionalText(LIMITS.reason, 'What prompted the change must be 1000 characters or fewer'),
});

/** An instant as sent by the API (ISO 8601) or built by the page from its date and time boxes; empty for none. */
const optionalInstant = (message: string) =>
  z
    .string()
    .trim()
    .optional()
    .transform((v, ctx) => {
      if (!v) return null;
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v) || Number.isNaN(Date.parse(v))) {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
      return new Date(v);
    });

export const sessionSchema = z
  .object({
    startsAt: optionalInstant('Enter a real date and start time'),
    endsAt: optionalInstant('Enter a real date and end time'),
    venue: optionalText(LIMITS.venue, 'The venue must be 300 characters or fewer'),
    joiningLink: httpsUrl('Enter the joining link as a full https:// address'),
    capacity: z.coerce
      .number({ error: 'Enter the number of places, for example 20' })
      .int('Enter a whole number of places')
      .min(1, 'A session needs at least 1 place')
      .max(1000, 'A session can have at most 1000 places'),
    bookingCutoffAt: optionalInstant('Enter a real date and time for the booking cut-off'),
    cancellationCutoffAt: optionalInstant('Enter a real date and time for the cancellation cut-off'),
    trainerEmails: optionalText(1000, 'The trainers must be 1000 characters or fewer'),
  })
  .superRefine((v, ctx) => {
    if (v.startsAt && !v.endsAt) ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'Enter when the session ends' });
    if (v.endsAt && !v.startsAt) ctx.addIssue({ code: 'custom', path: ['startsAt'], message: 'Enter when the session starts' });
    if (v.startsAt && v.endsAt && v.endsAt <= v.startsAt) ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'The session must end after it starts' });
    if (v.startsAt && v.bookingCutoffAt && v.bookingCutoffAt > v.startsAt)
      ctx.addIssue({ code: 'custom', path: ['bookingCutoffAt'], message: 'Bookings must close before the session starts' });
    if (v.startsAt && v.cancellationCutoffAt && v.cancellationCutoffAt > v.startsAt)
      ctx.addIssue({ code: 'custom', path: ['cancellationCutoffAt'], message: 'Cancellations must close before the session starts' });
  });
export type SessionInput = z.output<typeof sessionSchema>;

export const reasonSchema = z.object({ reason: trimmed(LIMITS.reason, 'Enter a reason', 'The reason must be 1000 characters or fewer') });
export const optionalReasonSchema = z.object({ reason: optionalText(LIMITS.reason, 'The reason must be 1000 characters or fewer') });

export const bookForSchema = z.object({
  email: z.string({ error: 'Enter the email address of the person to book' }).trim().min(1, 'Enter the email address of the person to book').max(320),
});
export const managerSchema = z.object({
  managerEmail: z
    .string({ error: 'Enter your line manager’s email address' })
    .trim()
    .min(1, 'Enter your line manager’s email address')
    .max(320, 'Enter a real email address'),
});

export const registerSchema = z.record(z.string(), z.string());

const questionKey = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9_]{1,40}$/, 'The question’s key must be 2 to 41 lower-case letters, digits or underscores, starting with a letter');
export const questionSchema = z
  .object({
    key: questionKey,
    type: z.enum(QUESTION_TYPES, { error: 'Choose the type of question' }),
    text: trimmed(LIMITS.question, 'Enter the question', 'The question must be 500 characters or fewer'),
    hint: optionalText(LIMITS.question, 'The hint must be 500 characters or fewer'),
    required: yesNo.default(false),
    options: z
      .preprocess((v) => (typeof v === 'string' ? v.split(/\r?\n/) : v), z.array(z.string().trim().max(200, 'Each option must be 200 characters or fewer')))
      .optional()
      .transform((v) => (v ?? []).filter((o) => o.length > 0)),
  })
  .superRefine((v, ctx) => {
    if ((v.type === 'single' || v.type === 'multiple') && v.options.length < 2)
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'Enter at least two options, one per line' });
  });

export const surveySchema = z.object({
  title: trimmed(LIMITS.title, 'Enter the survey’s title', 'The title must be 200 characters or fewer'),
  kind: z.enum(SURVEY_KINDS, { error: 'Choose when the survey is asked' }),
  anonymous: yesNo,
});

/** The default evaluation, in the seed's words (the partnership's response to the review). */
export const CONFIDENCE_KEY = 'confidence_cfd';
export const DEFAULT_QUESTIONS: Record<SurveyKind, SurveyQuestion[]> = {
  baseline: [
    {
      key: CONFIDENCE_KEY,
      type: 'confidence',
      text: 'How confident are you to recognise closure, flight and disguised compliance?',
      required: true,
    },
    { key: 'hopes', type: 'text', text: 'What do you hope to learn?', required: false },
  ],
  immediate: [
    { key: 'session_rating', type: 'rating', text: 'How would you rate the session overall?', required: true },
    {
      key: CONFIDENCE_KEY,
      type: 'confidence',
      text: 'How confident are you now to recognise closure, flight and disguised compliance?',
      required: true,
    },
    {
      key: 'will_change',
      type: 'text',
      text: 'What will you do differently in your practice?',
      required: true,
    },
  ],
  follow_up: [
    {
      key: 'considering_dc',
      type: 'text',
      text: 'How are you now considering disguised compliance within your role?',
      required: true,
    },
    {
      key: 'example',
      type: 'text',
      text: 'Give a concrete example of when you used this learning',
      hint: 'Leave out anything that identifies a family',
      required: false,
    },
    {
      key: CONFIDENCE_KEY,
      type: 'confidence',
      text: 'How confident are you to recognise closure, flight and disguised compliance?',
      required: true,
    },
    {
      key: 'used_in_practice',
      type: 'single',
      text: 'Have you used the learning in your practice?',
      required: true,
      options: ['Yes', 'Not yet', 'It has not been relevant to my work'],
    },
  ],
  manager_follow_up: [
    {
      key: 'seen_in_practice',
      type: 'single',
      text: 'Since the training, have you seen them use it: testing what families say against what is seen, sharing information, escalating when nothing changes?',
      required: true,
      options: ['Yes, clearly', 'Somewhat', 'Not yet', 'I have not had the chance to see their practice'],
    },
    {
      key: 'manager_example',
      type: 'text',
      text: 'An example, if you have one',
      hint: 'Leave out anything that identifies a family',
      required: false,
    },
    {
      key: 'further_support',
      type: 'text',
      text: 'What further support or training would help them?',
      required: false,
    },
  ],
};
