/**
 * What is recorded about a discharge, and the checks on each form: whether a discharge planning meeting
 * is needed, the meetings, toxicology, the decision (the gate itself is ../discharge-gate.ts). Messages
 * are written for the midwife or paediatrician filling in the form at the bedside; field paths are the
 * form's field names so the error summary links to the field. Pure: the time is passed in.
 */
import { z } from 'zod';
import { optionalText, requiredText } from '../text-fields';

// ── Choices ────────────────────────────────────────────────────────────────────────────────────────

export const TOX_SUBJECTS = ['mother', 'baby'] as const;
export type ToxSubject = (typeof TOX_SUBJECTS)[number];
export const SUBJECT_LABELS: Record<ToxSubject, string> = { mother: 'Mother', baby: 'Baby' };

export const SAMPLES = ['urine', 'meconium', 'hair', 'blood', 'umbilical_cord', 'oral_fluid', 'other'] as const;
export type Sample = (typeof SAMPLES)[number];
export const SAMPLE_LABELS: Record<Sample, string> = {
  urine: 'Urine',
  meconium: 'Meconium',
  hair: 'Hair',
  blood: 'Blood',
  umbilical_cord: 'Umbilical cord',
  oral_fluid: 'Oral fluid',
  other: 'Other',
};
/** The sample as stored: a known sample by its key, anything else as typed. */
export const sampleLabel = (sample: string): string => SAMPLE_LABELS[sample as Sample] ?? sample;

export const CONSENTS = ['given', 'declined', 'not_needed', 'not_recorded'] as const;
export type Consent = (typeof CONSENTS)[number];
export const CONSENT_LABELS: Record<Consent, string> = {
  given: 'Consent given',
  declined: 'Declined',
  not_needed: 'Not needed (baby’s sample taken as part of the baby’s care)',
  not_recorded: 'Not recorded',
};
export const CONSENT_HINTS: Partial<Record<Consent, string>> = {
  not_needed:
    'Only for a sample from the baby taken as part of the baby’s own clinical care (meconium, cord), decided by the clinicians caring for the baby in the baby’s best interests. Tell the parents.',
  not_recorded: 'The sample was sent but nobody recorded consent. Find out and record it in the notes.',
};

export const TOX_STATUSES = ['pending', 'resulted', 'cancelled'] as const;
export type ToxStatus = (typeof TOX_STATUSES)[number];
export const TOX_STATUS_LABELS: Record<ToxStatus, string> = { pending: 'Pending', resulted: 'Resulted', cancelled: 'Cancelled' };

export const TOX_RESULTS = ['positive', 'negative'] as const;
export type ToxResult = (typeof TOX_RESULTS)[number];
export const TOX_RESULT_LABELS: Record<ToxResult, string> = { positive: 'Positive', negative: 'Negative' };

/** Offered as tick boxes; anything else is typed. Stored as the names shown. */
export const COMMON_SUBSTANCES = [
  'Cannabis',
  'Cocaine',
  'Opiates',
  'Methadone',
  'Buprenorphine',
  'Benzodiazepines',
  'Amphetamines',
  'Alcohol',
  'Ketamine',
] as const;

/** Why a declined test is stored as cancelled: nothing will come back, so it must not hold the gate. */
export const CONSENT_DECLINED_REASON = 'Consent declined';

export const DISCHARGE_SUBJECTS = ['baby', 'mother'] as const;
export type DischargeSubject = (typeof DISCHARGE_SUBJECTS)[number];
export const DISCHARGE_SUBJECT_LABELS: Record<DischargeSubject, string> = { baby: 'Baby', mother: 'Mother' };

export const LIMITS = {
  name: 120,
  role: 120,
  agency: 160,
  location: 200,
  reason: 2000,
  decisions: 4000,
  note: 1000,
  destination: 500,
  substance: 60,
  substances: 20,
  attendees: 30,
} as const;

/** Clocks on ward computers drift: a time a few minutes ahead is not "in the future". */
export const CLOCK_SKEW_MS = 5 * 60_000;
const DAY_MS = 86_400_000;
/** Meetings and decisions may be recorded for up to a day before the case was opened (opened after the birth). */
export const EARLIEST_BEFORE_OPENING_MS = DAY_MS;
/** Toxicology may have been sent before the case was opened (at presentation, at a late booking). */
export const TOX_EARLIEST_BEFORE_OPENING_MS = 28 * DAY_MS;
/** A meeting is planned for the coming weeks, not months. */
export const SCHEDULE_MAX_AHEAD_MS = 90 * DAY_MS;

const LONDON_DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});
/** "3 Mar 2026 at 14:30", London time: for chronology lines and messages. */
export function formatDateTime(d: Date | null | undefined): string {
  if (!d || Number.isNaN(d.getTime())) return 'an unknown time';
  return LONDON_DATE_TIME.format(d).replace(',', ' at');
}

// ── Field helpers ──────────────────────────────────────────────────────────────────────────────────

interface Bound {
  at: Date;
  message: string;
}

/** A date and time (an ISO instant, or a Date), with a message for blank and one for each bound broken. */
export function instant(missing: string, bounds: { notAfter?: Bound; notBefore?: Bound } = {}) {
  return z
    .union([z.date(), z.string(), z.null()], { error: missing })
    .optional()
    .transform((v, ctx) => {
      if (v === null || v === undefined || (typeof v === 'string' && v.trim() === '')) {
        ctx.addIssue({ code: 'custom', message: missing });
        return z.NEVER;
      }
      const d = v instanceof Date ? v : new Date(v.trim());
      if (Number.isNaN(d.getTime())) {
        ctx.addIssue({ code: 'custom', message: 'Enter a real date and time, like 27 11 2026 and 14:30' });
        return z.NEVER;
      }
      if (bounds.notAfter && d.getTime() > bounds.notAfter.at.getTime()) ctx.addIssue({ code: 'custom', message: bounds.notAfter.message });
      else if (bounds.notBefore && d.getTime() < bounds.notBefore.at.getTime()) ctx.addIssue({ code: 'custom', message: bounds.notBefore.message });
      return d;
    });
}

const notFuture = (now: Date, what: string): Bound => ({ at: new Date(now.getTime() + CLOCK_SKEW_MS), message: `${what} cannot be in the future` });
const notBeforeCase = (openedAt: Date, what: string): Bound => ({
  at: new Date(openedAt.getTime() - EARLIEST_BEFORE_OPENING_MS),
  message: `${what} must be no more than a day before the case was opened`,
});

/** yes/no from a form, or a boolean from JSON. */
const yesNo = (missing: string) =>
  z
    .union([z.boolean(), z.string(), z.null()], { error: missing })
    .optional()
    .transform((v, ctx) => {
      if (v === true || v === 'yes' || v === 'true') return true;
      if (v === false || v === 'no' || v === 'false') return false;
      ctx.addIssue({ code: 'custom', message: missing });
      return z.NEVER;
    });

// ── Discharge planning ─────────────────────────────────────────────────────────────────────────────

export const dpmDecisionSchema = z.object({
  required: yesNo('Choose whether a discharge planning meeting is required'),
  decidedByName: requiredText(LIMITS.name, 'Enter the name of the person who decided'),
  decidedByRole: requiredText(LIMITS.role, 'Enter their role, for example safeguarding midwife'),
  reason: requiredText(LIMITS.reason, 'Enter the reason for the decision'),
});
export type DpmDecisionInput = z.output<typeof dpmDecisionSchema>;

export const dpmScheduleSchema = (now: Date, openedAt: Date) =>
  z.object({
    scheduledFor: instant('Enter the date and time of the meeting', {
      notAfter: { at: new Date(now.getTime() + SCHEDULE_MAX_AHEAD_MS), message: 'The meeting must be within the next 90 days' },
      notBefore: notBeforeCase(openedAt, 'The meeting'),
    }),
    location: optionalText(LIMITS.location),
  });

const attendeeSchema = z.object({
  name: requiredText(LIMITS.name, 'Enter the attendee’s name'),
  role: requiredText(LIMITS.role, 'Enter the attendee’s role'),
  agency: requiredText(LIMITS.agency, 'Enter the attendee’s agency'),
});

export const dpmHeldSchema = (now: Date, openedAt: Date) =>
  z.object({
    heldAt: instant('Enter the date and time the meeting was held', {
      notAfter: notFuture(now, 'The time the meeting was held'),
      notBefore: notBeforeCase(openedAt, 'The meeting'),
    }),
    attendees: z
      .array(attendeeSchema, { error: 'Enter at least one person who attended, with their role and agency' })
      .min(1, 'Enter at least one person who attended, with their role and agency')
      .max(LIMITS.attendees, `Enter no more than ${LIMITS.attendees} attendees`),
    decisions: requiredText(LIMITS.decisions, 'Enter the decisions made at the meeting'),
  });

export const reasonSchema = (missing: string) => z.object({ reason: requiredText(LIMITS.reason, missing) });

// ── Toxicology ─────────────────────────────────────────────────────────────────────────────────────

/** What identifies a test: whose, which sample, when and by whom it was asked for. */
const testFields = (now: Date, openedAt: Date, requestedWhat: string) => ({
  subject: z.enum(TOX_SUBJECTS, { error: 'Choose whether the test is on the mother or the baby' }),
  sample: z.enum(SAMPLES, { error: 'Choose the sample' }),
  sampleOther: optionalText(LIMITS.substance * 2),
  requestedAt: instant(`Enter the date and time the test was ${requestedWhat}`, {
    notAfter: notFuture(now, `The time the test was ${requestedWhat}`),
    notBefore: {
      at: new Date(openedAt.getTime() - TOX_EARLIEST_BEFORE_OPENING_MS),
      message: `The time the test was ${requestedWhat} must be no more than 28 days before the case was opened`,
    },
  }),
  requestedByName: requiredText(LIMITS.name, `Enter the name of the person who ${requestedWhat} it`),
});

type TestFieldsOut = { subject: ToxSubject; sample: Sample; sampleOther: string | null; requestedAt: Date };
function checkTest(v: TestFieldsOut, bornAt: Date | null, ctx: z.RefinementCtx): void {
  if (v.sample === 'other' && !v.sampleOther) ctx.addIssue({ code: 'custom', path: ['sampleOther'], message: 'Enter what the sample is' });
  if (v.subject === 'baby' && bornAt && v.requestedAt.getTime() < bornAt.getTime() - CLOCK_SKEW_MS) {
    ctx.addIssue({ code: 'custom', path: ['requestedAt'], message: 'A test on the baby cannot be before the baby was born' });
  }
}

export const toxicologyRequestSchema = (now: Date, openedAt: Date, bornAt: Date | null) =>
  z
    .object({
      ...testFields(now, openedAt, 'requested'),
      consent: z.enum(CONSENTS, { error: 'Choose what was recorded about consent' }),
    })
    .superRefine((v, ctx) => {
      checkTest(v, bornAt, ctx);
      if (v.consent === 'declined') {
        ctx.addIssue({
          code: 'custom',
          path: ['consent'],
          message: 'She declined, so no sample goes to the lab and there is no result to wait for. Record that she declined instead of requesting the test',
        });
      }
      if (v.consent === 'not_needed' && v.subject === 'mother') {
        ctx.addIssue({ code: 'custom', path: ['consent'], message: 'A test on the mother always needs her consent: choose consent given, or not recorded' });
      }
    });
export type ToxicologyRequestInput = z.output<ReturnType<typeof toxicologyRequestSchema>>;

/** A test offered and declined: kept (it matters to the plan) but never pending. */
export const toxicologyDeclinedSchema = (now: Date, openedAt: Date, bornAt: Date | null) =>
  z.object({ ...testFields(now, openedAt, 'offered'), note: optionalText(LIMITS.note) }).superRefine((v, ctx) => checkTest(v, bornAt, ctx));

/** Substances from tick boxes (a list) and a typed list (commas, semicolons or new lines), as one clean list. */
const substancesField = z
  .union([z.array(z.string()), z.string(), z.null()], { error: 'Enter the substances found' })
  .optional()
  .transform((v, ctx) => {
    const parts = (Array.isArray(v) ? v : [v ?? ''])
      .flatMap((s) => String(s).split(/[,;\n]/))
      .map((s) => s.replace(/\s+/g, ' ').trim())
      .filter(Boolean);
    const seen = new Map<string, string>();
    for (const p of parts) if (!seen.has(p.toLowerCase())) seen.set(p.toLowerCase(), p);
    const list = [...seen.values()];
    if (list.some((s) => s.length > LIMITS.substance))
      ctx.addIssue({ code: 'custom', message: `Each substance must be ${LIMITS.substance} characters or fewer` });
    if (list.length > LIMITS.substances) ctx.addIssue({ code: 'custom', message: `Enter no more than ${LIMITS.substances} substances` });
    return list;
  });

export const toxicologyResultSchema = (now: Date, requestedAt: Date) =>
  z
    .object({
      result: z.enum(TOX_RESULTS, { error: 'Choose whether the result is positive or negative' }),
      substances: substancesField,
      resultedAt: instant('Enter the date and time of the result', {
        notAfter: notFuture(now, 'The time of the result'),
        notBefore: { at: requestedAt, message: 'The result cannot be before the test was requested' },
      }),
      resultNote: optionalText(LIMITS.note),
    })
    .superRefine((v, ctx) => {
      if (v.result === 'positive' && v.substances.length === 0)
        ctx.addIssue({ code: 'custom', path: ['substances'], message: 'Enter the substances found: a positive result must say what for' });
      if (v.result === 'negative' && v.substances.length > 0)
        ctx.addIssue({ code: 'custom', path: ['substances'], message: 'A negative result has no substances found: remove them, or choose positive' });
    });

export const toxicologyToldSchema = (now: Date, resultedAt: Date) =>
  z.object({
    name: requiredText(LIMITS.name, 'Enter the name of the person who was told'),
    role: requiredText(LIMITS.role, 'Enter their role, for example social worker or mother'),
    at: instant('Enter the date and time they were told', {
      notAfter: notFuture(now, 'The time they were told'),
      notBefore: { at: resultedAt, message: 'They cannot have been told before the result came back' },
    }),
  });

// ── The decision ───────────────────────────────────────────────────────────────────────────────────

/** The override fields, as typed. Whether they are complete is the gate's question, not the schema's. */
export const OVERRIDE_FIELDS = ['overrideReason', 'seniorClinicianName', 'seniorClinicianRole', 'socialWorkerInformedName', 'socialWorkerInformedAt'] as const;

export const dischargeDecisionSchema = (now: Date, openedAt: Date) =>
  z.object({
    subject: z.enum(DISCHARGE_SUBJECTS, { error: 'Choose who is being discharged' }),
    destination: requiredText(LIMITS.destination, 'Enter where they are going and with whom, for example home with mother under the safety plan'),
    decidedAt: instant('Enter the date and time of the decision', {
      notAfter: notFuture(now, 'The time of the decision'),
      notBefore: notBeforeCase(openedAt, 'The decision'),
    }),
    overrideReason: optionalText(LIMITS.reason),
    seniorClinicianName: optionalText(LIMITS.name),
    seniorClinicianRole: optionalText(LIMITS.role),
    socialWorkerInformedName: optionalText(LIMITS.name),
    socialWorkerInformedAt: z
      .union([z.date(), z.string(), z.null()], { error: 'Enter the date and time the social worker was told' })
      .optional()
      .transform((v) => (v instanceof Date ? v : typeof v === 'string' && v.trim() ? new Date(v.trim()) : null)),
  });
export type DischargeDecisionInput = z.output<ReturnType<typeof dischargeDecisionSchema>>;

/** Whether the person is overriding: any override field filled in. */
export function overrideGiven(input: Pick<DischargeDecisionInput, (typeof OVERRIDE_FIELDS)[number]>): boolean {
  return !!(input.overrideReason || input.seniorClinicianName || input.seniorClinicianRole || input.socialWorkerInformedName || input.socialWorkerInformedAt);
}

export const reviewSchema = z.object({ note: requiredText(LIMITS.reason, 'Enter what you found when you reviewed the override, and any action taken') });
