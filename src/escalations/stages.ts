/**
 * Resolving professional differences between agencies: the escalation ladder.
 *
 * When practitioners from two agencies disagree about a baby's safety (whether the threshold is met, whether
 * information should be shared, whether a plan is working, whether a discharge is safe), the disagreement
 * goes up a ladder of stages, each held by more senior people with a time limit, until it is resolved or
 * reaches the safeguarding partnership. The ladder is configuration, {@link DEFAULT_STAGES} the usual shape.
 *
 * {@link applyEscalation} decides what a command does; it never throws for a bad request, and a refusal
 * says why in words for the person who pressed the button. Services store the state, record the reason or
 * outcome from the command, and start the clock for a new stage with {@link stageDueAt}.
 */
import { z } from 'zod';
import { parseInput } from '../platform/errors';
import { type Deadline, deadlineFrom, deadlineSchema, type WorkingCalendar } from '../platform/working-days';

// ── Choices ────────────────────────────────────────────────────────────────────────────────────────

/** What the disagreement is about. */
export const ESCALATION_SUBJECTS = ['threshold', 'information_sharing', 'plan_progress', 'discharge_decision', 'other'] as const;
export type EscalationSubject = (typeof ESCALATION_SUBJECTS)[number];
export const ESCALATION_SUBJECT_LABELS: Record<EscalationSubject, string> = {
  threshold: 'Threshold for a referral or intervention',
  information_sharing: 'Sharing information',
  plan_progress: 'Progress of the plan',
  discharge_decision: 'Discharge decision',
  other: 'Something else',
};

export const ESCALATION_STATUSES = ['open', 'resolved', 'referred_to_partnership', 'withdrawn'] as const;
/** Only `open` escalations change; the others are final. */
export type EscalationStatus = (typeof ESCALATION_STATUSES)[number];
export const ESCALATION_STATUS_LABELS: Record<EscalationStatus, string> = {
  open: 'Open',
  resolved: 'Resolved',
  referred_to_partnership: 'Referred to the safeguarding partnership',
  withdrawn: 'Withdrawn',
};

// ── Stage table ────────────────────────────────────────────────────────────────────────────────────

/** One rung of the ladder. `due` is how long the people at this stage have to resolve it, from when it reached them. */
export interface EscalationStage {
  stage: number;
  label: string;
  /** Who holds it at this stage, e.g. "Practitioner to practitioner". */
  who: string;
  due: Deadline;
}

export const STAGE_LIMITS = { min: 2, max: 6, text: 120 } as const;

function requiredText(enter: string, label: string) {
  return z.string({ error: enter }).trim().min(1, enter).max(STAGE_LIMITS.text, `${label} must be ${STAGE_LIMITS.text} characters or fewer`);
}

const stageSchema = z.object(
  {
    stage: z.number({ error: 'Enter the stage number' }).refine(Number.isInteger, 'The stage number must be a whole number'),
    label: requiredText('Enter the name of the stage', 'The name of the stage'),
    who: requiredText('Enter who holds the escalation at this stage', 'Who holds it'),
    due: deadlineSchema,
  },
  { error: 'Enter the stage' },
);

/** A partnership's stage table: 2 to 6 stages, numbered 1, 2, 3 … in order. Error paths are like `2.due.hours`. */
export const stageTableSchema: z.ZodType<EscalationStage[], unknown> = z
  .array(stageSchema, { error: 'Enter the stages as a list' })
  .min(STAGE_LIMITS.min, `Enter at least ${STAGE_LIMITS.min} stages`)
  .max(STAGE_LIMITS.max, `There can be up to ${STAGE_LIMITS.max} stages`)
  .superRefine(
    (stages, ctx) => {
      stages.forEach((s, i) => {
        const n = typeof s === 'object' && s !== null ? (s as { stage?: unknown }).stage : undefined;
        if (Number.isInteger(n) && n !== i + 1) {
          ctx.addIssue({ code: 'custom', path: [i, 'stage'], message: `Number the stages 1, 2, 3 and so on, in order: this should be stage ${i + 1}` });
        }
      });
    },
    // Run even when a stage failed, so every problem shows at once.
    { when: (p) => Array.isArray(p.value) },
  );

/** Parse a stage table, throwing a ValidationError that names each problem by its field path. */
export function parseStageTable(input: unknown): EscalationStage[] {
  return parseInput(stageTableSchema, input);
}

/**
 * The usual four stages of a partnership's resolving professional differences procedure. Time limits
 * differ between partnerships, which is why they are configuration.
 */
export const DEFAULT_STAGES: EscalationStage[] = [
  { stage: 1, label: 'Practitioner to practitioner', who: 'The practitioners who disagree', due: { hours: 48 } },
  { stage: 2, label: 'Manager to manager', who: 'Their line managers or supervisors', due: { workingDays: 5 } },
  { stage: 3, label: 'Safeguarding leads', who: 'Designated or senior safeguarding leads in each agency', due: { hours: 48 } },
  { stage: 4, label: 'Safeguarding partnership', who: 'The safeguarding partnership, through its independent chair', due: { workingDays: 10 } },
];

/** When a stage's time runs out, counted from when the escalation reached it. Throws a RangeError for a stage not in the table. */
export function stageDueAt(table: readonly EscalationStage[], stage: number, enteredAt: Date, calendar: WorkingCalendar): Date {
  const row = table.find((s) => s.stage === stage);
  if (!row) throw new RangeError(`Stage ${stage} is not in the stage table (stages 1 to ${table.length})`);
  return deadlineFrom(enteredAt, row.due, calendar);
}

// ── State machine ──────────────────────────────────────────────────────────────────────────────────

export interface EscalationState {
  status: EscalationStatus;
  stage: number;
}

/**
 * - `escalate`: up to a higher stage. The next stage needs no reason (the time ran out or it did not
 *   resolve); jumping over stages is for urgent risk and needs a reason.
 * - `resolve`: agreed, with what was agreed as `outcome`.
 * - `refer_to_partnership`: the ladder is exhausted (or the risk is too urgent to climb it); goes to the
 *   partnership and closes here.
 * - `withdraw`: the person who raised it no longer disagrees.
 */
export type EscalationCommand =
  | { type: 'escalate'; toStage: number; reason?: string | null }
  | { type: 'resolve'; outcome: string }
  | { type: 'refer_to_partnership'; reason: string }
  | { type: 'withdraw'; reason: string };

/**
 * The new state, with any stages jumped over; or field → message. Problem keys are `toStage`, `reason`,
 * `outcome`, and `form` when the escalation is closed and cannot change at all.
 */
export type EscalationResult = { ok: true; state: EscalationState; skipped: number[] } | { ok: false; problems: Record<string, string> };

/** The shortest reason accepted for jumping over a stage: enough to say what the urgent risk is. */
export const SKIP_REASON_MIN_CHARACTERS = 10;

const CLOSED: Record<Exclude<EscalationStatus, 'open'>, string> = {
  resolved: 'This escalation has been resolved, so it cannot be changed. Raise a new one if the disagreement has come back.',
  referred_to_partnership: 'This escalation has been referred to the safeguarding partnership, so it cannot be changed here.',
  withdrawn: 'This escalation has been withdrawn, so it cannot be changed. Raise a new one if you still disagree.',
};

const clean = (s: string | null | undefined): string => (typeof s === 'string' ? s.replace(/\s+/g, ' ').trim() : '');

const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);

/** "stage 2", "stages 2 and 3", "stages 2, 3 and 4". */
function stagesText(stages: readonly number[]): string {
  if (stages.length === 1) return `stage ${stages[0]}`;
  return `stages ${stages.slice(0, -1).join(', ')} and ${stages[stages.length - 1]}`;
}

/** What a command does to an escalation. Checks run in order: is it open, is the command possible, is what was entered complete. */
export function applyEscalation(state: EscalationState, command: EscalationCommand, table: readonly EscalationStage[]): EscalationResult {
  if (state.status !== 'open') return { ok: false, problems: { form: CLOSED[state.status] } };
  const last = table.length;

  switch (command.type) {
    case 'escalate': {
      // A table shortened since the escalation opened can leave it past the end: it is then at the top.
      if (state.stage >= last) {
        return { ok: false, problems: { toStage: 'This is the last stage. Refer it to the safeguarding partnership instead of escalating further.' } };
      }
      const to = command.toStage;
      if (!Number.isInteger(to) || to < 1 || to > last) return { ok: false, problems: { toStage: `Choose a stage from ${state.stage + 1} to ${last}` } };
      if (to <= state.stage) return { ok: false, problems: { toStage: `Choose a stage higher than the current stage (stage ${state.stage})` } };
      const skipped = range(state.stage + 1, to - 1);
      if (skipped.length > 0) {
        const reason = clean(command.reason);
        if (reason === '') return { ok: false, problems: { reason: `Enter why you are skipping ${stagesText(skipped)}` } };
        if (reason.length < SKIP_REASON_MIN_CHARACTERS) {
          return {
            ok: false,
            problems: { reason: `The reason for skipping ${stagesText(skipped)} must be at least ${SKIP_REASON_MIN_CHARACTERS} characters` },
          };
        }
      }
      return { ok: true, state: { status: 'open', stage: to }, skipped };
    }
    case 'resolve':
      if (clean(command.outcome) === '') return { ok: false, problems: { outcome: 'Enter the outcome: what was agreed' } };
      return { ok: true, state: { status: 'resolved', stage: state.stage }, skipped: [] };
    case 'refer_to_partnership':
      if (clean(command.reason) === '') return { ok: false, problems: { reason: 'Enter why you are referring this to the safeguarding partnership' } };
      // Referring from below the top jumps the stages in between, which the record should show.
      return { ok: true, state: { status: 'referred_to_partnership', stage: Math.max(last, state.stage) }, skipped: range(state.stage + 1, last - 1) };
    case 'withdraw':
      if (clean(command.reason) === '') return { ok: false, problems: { reason: 'Enter why the escalation is being withdrawn' } };
      return { ok: true, state: { status: 'withdrawn', stage: state.stage }, skipped: [] };
  }
}
