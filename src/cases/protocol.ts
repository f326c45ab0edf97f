/**
 * Unborn baby protocol milestones: what should have happened by when, for one case.
 *
 * The milestones and their timings are configuration, not code. Each safeguarding partnership writes its
 * own pre-birth protocol (when to refer, when the conference is held, how soon the birth plan is shared),
 * so a protocol is data: validated here with {@link protocolDefinitionSchema}, stored as JSON and edited by
 * the partnership. {@link DEFAULT_PROTOCOL} is only a starting point.
 *
 * A milestone is due at a point in pregnancy (from the due date), a time after another milestone, after
 * the case was opened or after the birth. {@link computeMilestones} works out, for a case at a moment,
 * which are done, late, due soon or still waiting for something (a due date, a birth, an earlier step).
 * It reads no clock and no database: the completions and the time are passed in.
 */
import { z } from 'zod';
import { addDays, daysBetween, type IsoDate, londonDate } from '../platform/dates';
import { TERM_DAYS } from '../alerts/pregnancy';
import { parseInput } from '../platform/errors';
import { type Deadline, deadlineFrom, deadlineSchema, endOfLondonDay, type WorkingCalendar } from '../platform/working-days';

// ── Choices ────────────────────────────────────────────────────────────────────────────────────────

/** Why a case was opened. Milestones can be limited to some of these with `appliesTo`. */
export const CASE_CLASSIFICATIONS = ['concealed', 'denied', 'late_booking', 'unbooked_in_labour', 'unborn_baby_protocol'] as const;
export type CaseClassification = (typeof CASE_CLASSIFICATIONS)[number];
export const CLASSIFICATION_LABELS: Record<CaseClassification, string> = {
  concealed: 'Concealed pregnancy',
  denied: 'Denied pregnancy',
  late_booking: 'Late booking',
  unbooked_in_labour: 'Unbooked in labour',
  unborn_baby_protocol: 'Unborn baby protocol referral',
};

/**
 * Milestones that other parts of a case complete without anyone ticking them: agreeing the birth plan,
 * sending it, holding the discharge planning meeting. The service passes the time that happened in with
 * the other completions; naming the source here lets a partnership attach it to its own milestone.
 */
export const MILESTONE_SOURCES = ['birth_plan_agreed', 'birth_plan_sent_named_midwife', 'birth_plan_sent_parents', 'discharge_planning_meeting_held'] as const;
export type MilestoneSource = (typeof MILESTONE_SOURCES)[number];
export const MILESTONE_SOURCE_LABELS: Record<MilestoneSource, string> = {
  birth_plan_agreed: 'Birth plan agreed',
  birth_plan_sent_named_midwife: 'Birth plan sent to the named midwife',
  birth_plan_sent_parents: 'Birth plan sent to the parents',
  discharge_planning_meeting_held: 'Discharge planning meeting held',
};

export const MILESTONE_STATES = ['done', 'done_late', 'not_applicable', 'overdue', 'due_soon', 'upcoming', 'waiting'] as const;
/**
 * - `done`: completed on or before the due time (or completed when no due time could be worked out).
 * - `done_late`: completed after the due time.
 * - `not_applicable`: recorded as not needed for this case, or counted from a milestone that is not needed.
 * - `overdue`: not done and the due time has passed.
 * - `due_soon`: not done, due today or in the next {@link DUE_SOON_DAYS} days.
 * - `upcoming`: not done, due later than that.
 * - `waiting`: the due time cannot be worked out yet (no due date, no birth, an earlier step not done).
 */
export type MilestoneState = (typeof MILESTONE_STATES)[number];
export const MILESTONE_STATE_LABELS: Record<MilestoneState, string> = {
  done: 'Done',
  done_late: 'Done late',
  not_applicable: 'Not applicable',
  overdue: 'Overdue',
  due_soon: 'Due soon',
  upcoming: 'Upcoming',
  waiting: 'Waiting',
};

/** A milestone due within this many days (counted in London dates) shows as due soon. */
export const DUE_SOON_DAYS = 7;

// ── Definition ─────────────────────────────────────────────────────────────────────────────────────

/**
 * When a milestone falls due (or, as `notBefore`, the earliest it should happen).
 * - `gestation`: at the end of the day the pregnancy reaches `weeks`+`days`, worked out from the due date.
 * - `milestone`: a time limit after another milestone in the same protocol was completed.
 * - `case_opened` / `birth`: a time limit after the case was opened / the baby was born.
 */
export type DueRule =
  | { from: 'gestation'; weeks: number; days: number }
  | { from: 'milestone'; key: string; after: Deadline }
  | { from: 'case_opened'; after: Deadline }
  | { from: 'birth'; after: Deadline };

/** One step of a protocol. */
export interface MilestoneDefinition {
  /** Stable identifier, stored with completions: lower-case letters, digits and underscores. Do not rename once in use. */
  key: string;
  label: string;
  /** Shown to practitioners beside the milestone: what good looks like, who does it. */
  guidance?: string;
  /** The kinds of case it applies to; left out, it applies to every case. */
  appliesTo?: CaseClassification[];
  due: DueRule;
  /** The earliest it should happen (an initial conference is not held before 24 weeks). Shown, not enforced. */
  notBefore?: DueRule;
  /** Set when another part of the case completes this milestone automatically. */
  completedBy?: MilestoneSource;
}

/** A partnership's protocol, as stored. */
export interface ProtocolDefinition {
  name: string;
  description?: string;
  /** A pregnancy first booked at or after this many weeks counts as a late booking. */
  lateBookingWeeks: number;
  milestones: MilestoneDefinition[];
}

export const PROTOCOL_LIMITS = { name: 120, description: 2000, label: 120, guidance: 500, milestones: 40, maxWeeks: 44 } as const;
const SLUG = /^[a-z][a-z0-9_]{1,49}$/;

function requiredText(max: number, enter: string, tooLong: string) {
  return z.string({ error: enter }).trim().min(1, enter).max(max, tooLong);
}

function optionalText(max: number, label: string) {
  return z
    .string({ error: `${label} must be text` })
    .trim()
    .max(max, `${label} must be ${max} characters or fewer`)
    .nullish()
    .transform((s) => (s ? s : undefined));
}

/** A refinement, not `.int()`, so a fraction does not stop the checks between milestones (see working-days). */
function wholeNumber(message: string, min: number, max: number) {
  return z.number({ error: message }).refine(Number.isInteger, message).min(min, message).max(max, message);
}

const dueRuleSchema = z.discriminatedUnion(
  'from',
  [
    z.object({
      from: z.literal('gestation'),
      weeks: wholeNumber(`Weeks of pregnancy must be a whole number from 0 to ${PROTOCOL_LIMITS.maxWeeks}`, 0, PROTOCOL_LIMITS.maxWeeks),
      days: wholeNumber('Days must be a whole number from 0 to 6', 0, 6).default(0),
    }),
    z.object({
      from: z.literal('milestone'),
      key: z.string({ error: 'Choose the milestone it is counted from' }).trim().min(1, 'Choose the milestone it is counted from'),
      after: deadlineSchema,
    }),
    z.object({ from: z.literal('case_opened'), after: deadlineSchema }),
    z.object({ from: z.literal('birth'), after: deadlineSchema }),
  ],
  { error: 'Choose what the date is counted from: weeks of pregnancy, another milestone, the case being opened or the birth' },
);

const milestoneSchema = z.object(
  {
    key: z
      .string({ error: 'Enter a key for the milestone' })
      .regex(SLUG, 'The key must start with a lower-case letter and use only lower-case letters, numbers and underscores (2 to 50 characters)'),
    label: requiredText(
      PROTOCOL_LIMITS.label,
      'Enter the name of the milestone',
      `The name of the milestone must be ${PROTOCOL_LIMITS.label} characters or fewer`,
    ),
    guidance: optionalText(PROTOCOL_LIMITS.guidance, 'Guidance'),
    appliesTo: z
      .array(z.enum(CASE_CLASSIFICATIONS, { error: 'Choose a type of case from the list' }), { error: 'Choose the types of case it applies to' })
      .min(1, 'Choose at least one type of case, or leave this out so it applies to every case')
      .nullish()
      .transform((xs) => (xs ? [...new Set(xs)] : undefined)),
    due: dueRuleSchema,
    notBefore: dueRuleSchema.nullish().transform((r) => r ?? undefined),
    completedBy: z
      .enum(MILESTONE_SOURCES, { error: 'Choose what completes this milestone from the list' })
      .nullish()
      .transform((s) => s ?? undefined),
  },
  { error: 'Enter the milestone' },
);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const gestationDays = (r: Record<string, unknown>): number | null => {
  const days = r.days ?? 0;
  return r.from === 'gestation' && Number.isInteger(r.weeks) && Number.isInteger(days) ? (r.weeks as number) * 7 + (days as number) : null;
};
const gestationText = (total: number) => `${Math.floor(total / 7)}+${total % 7}`;

/**
 * Checks between milestones. They run even when a field failed, so the error summary lists every problem
 * at once, which means reading the (possibly broken) value defensively.
 */
function checkMilestones(value: unknown, ctx: z.RefinementCtx): void {
  if (!Array.isArray(value)) return;
  const items = value.map((m) => (isRecord(m) ? m : {}));
  const name = (i: number) => {
    const m = items[i] as Record<string, unknown>;
    return `“${typeof m.label === 'string' && m.label.trim() ? m.label.trim() : String(m.key)}”`;
  };

  const indexOf = new Map<string, number>();
  items.forEach((m, i) => {
    if (typeof m.key !== 'string') return;
    if (indexOf.has(m.key)) {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'key'],
        message: `The key “${m.key}” is already used by ${name(indexOf.get(m.key) as number)}: each milestone needs its own key`,
      });
    } else indexOf.set(m.key, i);
  });

  /** Edges "i is counted from j", with the field they come from, for finding loops. */
  const edges: { from: number; to: number; field: 'due' | 'notBefore' }[] = [];
  items.forEach((m, i) => {
    for (const field of ['due', 'notBefore'] as const) {
      const rule = m[field];
      if (!isRecord(rule) || rule.from !== 'milestone' || typeof rule.key !== 'string' || rule.key.trim() === '') continue;
      const key = rule.key.trim();
      const target = indexOf.get(key);
      if (key === m.key)
        ctx.addIssue({ code: 'custom', path: [i, field, 'key'], message: 'A milestone cannot be counted from itself: choose a different milestone' });
      else if (target === undefined)
        ctx.addIssue({ code: 'custom', path: [i, field, 'key'], message: `There is no milestone with the key “${key}” in this protocol` });
      else edges.push({ from: i, to: target, field });
    }

    const due = isRecord(m.due) ? gestationDays(m.due) : null;
    const notBefore = isRecord(m.notBefore) ? gestationDays(m.notBefore) : null;
    if (due !== null && notBefore !== null && notBefore > due) {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'notBefore'],
        message: `The earliest date must not be after the due date: ${gestationText(notBefore)} is after ${gestationText(due)}`,
      });
    }
  });

  for (const cycle of findCycles(items.length, edges)) {
    const first = cycle[0] as number;
    const edge = edges.find((e) => e.from === first && e.to === cycle[1 % cycle.length]) as (typeof edges)[number];
    ctx.addIssue({
      code: 'custom',
      path: [first, edge.field, 'key'],
      message: `These milestones are counted from each other in a loop, so none of them could ever fall due: ${[...cycle, first].map(name).join(' → ')}`,
    });
  }
}

/**
 * One loop per group of milestones that depend on each other, each starting at its first milestone in
 * the definition: enough to point the author at every problem without listing the same loop twice.
 */
function findCycles(n: number, edges: readonly { from: number; to: number }[]): number[][] {
  const next: number[][] = Array.from({ length: n }, () => []);
  for (const e of edges) (next[e.from] as number[]).push(e.to);
  const state = new Array<0 | 1 | 2>(n).fill(0); // unvisited, on the path, finished
  const path: number[] = [];
  const found = new Map<string, number[]>();

  const visit = (v: number) => {
    state[v] = 1;
    path.push(v);
    for (const w of next[v] as number[]) {
      if (state[w] === 1) {
        const loop = path.slice(path.indexOf(w));
        const start = loop.indexOf(Math.min(...loop));
        const rotated = [...loop.slice(start), ...loop.slice(0, start)];
        const id = [...rotated].sort((a, b) => a - b).join(',');
        if (!found.has(id)) found.set(id, rotated);
      } else if (state[w] === 0) visit(w);
    }
    path.pop();
    state[v] = 2;
  };
  for (let v = 0; v < n; v++) if (state[v] === 0) visit(v);
  return [...found.values()].sort((a, b) => (a[0] as number) - (b[0] as number));
}

const EVEN_IF_FIELDS_FAIL = { when: (p: { value: unknown }) => Array.isArray(p.value) };

/** A protocol as stored and edited. Error paths are like `milestones.3.due.key`. */
export const protocolDefinitionSchema: z.ZodType<ProtocolDefinition, unknown> = z.object(
  {
    name: requiredText(PROTOCOL_LIMITS.name, 'Enter a name for the protocol', `The name of the protocol must be ${PROTOCOL_LIMITS.name} characters or fewer`),
    description: optionalText(PROTOCOL_LIMITS.description, 'The description'),
    lateBookingWeeks: wholeNumber('Late booking must be a whole number of weeks from 12 to 30', 12, 30).default(20),
    milestones: z
      .array(milestoneSchema, { error: 'Add at least one milestone' })
      .min(1, 'Add at least one milestone')
      .max(PROTOCOL_LIMITS.milestones, `A protocol can have up to ${PROTOCOL_LIMITS.milestones} milestones`)
      .superRefine(checkMilestones, EVEN_IF_FIELDS_FAIL),
  },
  { error: 'Enter the protocol' },
);

/** Parse a protocol, throwing a ValidationError that names each problem by its field path. */
export function parseProtocol(input: unknown): ProtocolDefinition {
  return parseInput(protocolDefinitionSchema, input);
}

// ── The default protocol ───────────────────────────────────────────────────────────────────────────

/**
 * A starting point modelled on common pre-birth protocols in England. The timings differ from one
 * safeguarding partnership to the next (some refer by 12 weeks, some hold the conference at 28), which is
 * why they are configuration: each partnership should check these against its own procedures and change
 * them in the protocol settings, not here.
 */
/**
 * The pre-birth milestones do not apply to a woman who first presents in labour: for her, the
 * unbooked-in-labour checklist (referral, checks) and the discharge planning meeting are what count.
 */
const BEFORE_BIRTH: CaseClassification[] = ['concealed', 'denied', 'late_booking', 'unborn_baby_protocol'];

export const DEFAULT_PROTOCOL: ProtocolDefinition = {
  name: 'Unborn baby protocol (default)',
  description:
    'A starting point only. Timings differ between safeguarding partnerships: check each milestone against your local pre-birth procedures before use.',
  lateBookingWeeks: 20,
  milestones: [
    {
      key: 'referral_to_social_care',
      appliesTo: BEFORE_BIRTH,
      label: 'Referral to children’s social care',
      guidance: 'Refer as soon as concerns are identified, and by 16 weeks of pregnancy at the latest.',
      due: { from: 'gestation', weeks: 16, days: 0 },
    },
    {
      key: 'pre_birth_assessment_started',
      appliesTo: BEFORE_BIRTH,
      label: 'Pre-birth assessment started',
      guidance: 'Children’s social care start the pre-birth assessment within 10 working days of the referral.',
      due: { from: 'milestone', key: 'referral_to_social_care', after: { workingDays: 10 } },
    },
    {
      key: 'strategy_discussion',
      appliesTo: BEFORE_BIRTH,
      label: 'Strategy discussion held',
      guidance: 'Record the date of the strategy discussion, or that one was not needed and why.',
      due: { from: 'gestation', weeks: 28, days: 0 },
    },
    {
      key: 'pre_birth_assessment_completed',
      appliesTo: BEFORE_BIRTH,
      label: 'Pre-birth assessment completed',
      due: { from: 'gestation', weeks: 28, days: 0 },
    },
    {
      key: 'initial_child_protection_conference',
      appliesTo: BEFORE_BIRTH,
      label: 'Initial child protection conference held',
      guidance: 'Held between 24 and 30 weeks of pregnancy when the threshold is met. Mark as not applicable, with the reason, if no conference is needed.',
      notBefore: { from: 'gestation', weeks: 24, days: 0 },
      due: { from: 'gestation', weeks: 30, days: 0 },
    },
    {
      key: 'birth_plan_agreed',
      appliesTo: BEFORE_BIRTH,
      label: 'Birth plan agreed',
      due: { from: 'gestation', weeks: 32, days: 0 },
      completedBy: 'birth_plan_agreed',
    },
    {
      key: 'birth_plan_sent_named_midwife',
      appliesTo: BEFORE_BIRTH,
      label: 'Birth plan sent to the named midwife',
      due: { from: 'milestone', key: 'birth_plan_agreed', after: { hours: 48 } },
      completedBy: 'birth_plan_sent_named_midwife',
    },
    {
      key: 'birth_plan_sent_parents',
      appliesTo: BEFORE_BIRTH,
      label: 'Birth plan sent to the parents',
      due: { from: 'milestone', key: 'birth_plan_agreed', after: { workingDays: 3 } },
      completedBy: 'birth_plan_sent_parents',
    },
    {
      key: 'discharge_planning_meeting',
      label: 'Discharge planning meeting held',
      guidance: 'Held before the baby leaves hospital, and within a day of the birth.',
      due: { from: 'birth', after: { days: 1 } },
      completedBy: 'discharge_planning_meeting_held',
    },
  ],
};

// ── Working out where a case stands ────────────────────────────────────────────────────────────────

/** What has been recorded against a milestone: done at a time, or not needed for this case and why. */
export type MilestoneCompletion = { completedAt: Date } | { notApplicable: true; reason: string };

/** The facts about a case that milestones are counted from. */
export interface MilestoneCase {
  classification: CaseClassification;
  edd: IsoDate | null;
  openedAt: Date;
  bornAt: Date | null;
}

/** Where one milestone stands for one case at one moment. */
export interface MilestoneStatus {
  key: string;
  label: string;
  guidance?: string;
  /** When it is (or was) due; null while it cannot be worked out (see `waitingFor`) or when it is counted from a milestone that is not needed. */
  dueAt: Date | null;
  /** The earliest it should happen, when the protocol says and it can be worked out. Shown, not enforced. */
  notBefore: Date | null;
  state: MilestoneState;
  completedAt: Date | null;
  /**
   * Whole days late, counted in London dates: for `overdue`, from the due date to today (0 for an
   * hours-based deadline missed earlier today); for `done_late`, from the due date to the date it was done.
   * 0 otherwise.
   */
  overdueDays: number;
  /** For `waiting`, what it is waiting for, to follow "Waiting for": "a due date", "the birth" or a milestone's name. */
  waitingFor: string | null;
  /** For `not_applicable`, why: the reason recorded, or which milestone it is counted from is not needed. */
  notApplicableReason: string | null;
}

type Resolved = { at: Date } | { waitingFor: string } | { notApplicable: string };
type Computed = { excluded: true; label: string } | { excluded: false; status: MilestoneStatus };

const startOfLondonDay = (date: IsoDate) => new Date(endOfLondonDay(addDays(date, -1)).getTime() + 1);

/**
 * Where each milestone of a protocol stands for a case, in the order the protocol lists them, leaving out
 * milestones that do not apply to the case's classification.
 *
 * Pass a definition that came through {@link parseProtocol}: one naming a milestone that does not exist,
 * or with a loop, is a bug, and this throws rather than guess. Completions for keys not in the protocol
 * are ignored (a milestone removed from the protocol keeps its history elsewhere).
 *
 * A milestone counted from one that is not applicable (recorded so, or not applying to this kind of case)
 * is itself not applicable, unless it has its own completion recorded: no birth plan, nothing to send.
 */
export function computeMilestones(
  def: ProtocolDefinition,
  kase: MilestoneCase,
  completions: ReadonlyMap<string, MilestoneCompletion>,
  calendar: WorkingCalendar,
  now: Date,
): MilestoneStatus[] {
  const byKey = new Map(def.milestones.map((m) => [m.key, m]));
  const memo = new Map<string, Computed>();
  const inProgress = new Set<string>();
  const today = londonDate(now);

  const resolve = (rule: DueRule, edge: 'due' | 'notBefore'): Resolved => {
    switch (rule.from) {
      case 'gestation': {
        if (kase.edd === null) return { waitingFor: 'a due date' };
        const date = addDays(kase.edd, rule.weeks * 7 + rule.days - TERM_DAYS);
        return { at: edge === 'due' ? endOfLondonDay(date) : startOfLondonDay(date) };
      }
      case 'case_opened':
        return { at: after(kase.openedAt, rule.after, edge) };
      case 'birth':
        return kase.bornAt === null ? { waitingFor: 'the birth' } : { at: after(kase.bornAt, rule.after, edge) };
      case 'milestone': {
        const dep = compute(rule.key);
        if (dep.excluded) return { notApplicable: `“${dep.label}” does not apply to this case` };
        const s = dep.status;
        if (s.state === 'not_applicable') return { notApplicable: `“${s.label}” is not applicable` };
        if (s.completedAt) return { at: after(s.completedAt, rule.after, edge) };
        return { waitingFor: s.label };
      }
    }
  };

  /** A due time is the end of the deadline; the earliest time is the start of the day it lands on (or the exact hour). */
  const after = (start: Date, deadline: Deadline, edge: 'due' | 'notBefore'): Date => {
    const at = deadlineFrom(start, deadline, calendar);
    return edge === 'due' || 'hours' in deadline ? at : startOfLondonDay(londonDate(at));
  };

  const compute = (key: string): Computed => {
    const cached = memo.get(key);
    if (cached) return cached;
    const m = byKey.get(key);
    if (!m) throw new Error(`The protocol counts from a milestone "${key}" that it does not define: parse it with parseProtocol`);
    if (inProgress.has(key)) throw new Error(`The protocol's milestones are counted from each other in a loop at "${key}": parse it with parseProtocol`);
    let result: Computed;
    if (m.appliesTo && !m.appliesTo.includes(kase.classification)) result = { excluded: true, label: m.label };
    else {
      inProgress.add(key);
      result = { excluded: false, status: statusOf(m) };
      inProgress.delete(key);
    }
    memo.set(key, result);
    return result;
  };

  const statusOf = (m: MilestoneDefinition): MilestoneStatus => {
    const due = resolve(m.due, 'due');
    const nb = m.notBefore ? resolve(m.notBefore, 'notBefore') : null;
    const dueAt = 'at' in due ? due.at : null;
    const base: MilestoneStatus = {
      key: m.key,
      label: m.label,
      ...(m.guidance ? { guidance: m.guidance } : {}),
      dueAt,
      notBefore: nb && 'at' in nb ? nb.at : null,
      state: 'upcoming',
      completedAt: null,
      overdueDays: 0,
      waitingFor: null,
      notApplicableReason: null,
    };

    const done = completions.get(m.key);
    if (done && 'notApplicable' in done) return { ...base, state: 'not_applicable', notApplicableReason: done.reason };
    if (done) {
      const late = dueAt !== null && done.completedAt.getTime() > dueAt.getTime();
      return {
        ...base,
        state: late ? 'done_late' : 'done',
        completedAt: done.completedAt,
        overdueDays: late ? daysBetween(londonDate(dueAt), londonDate(done.completedAt)) : 0,
      };
    }
    if ('notApplicable' in due) return { ...base, state: 'not_applicable', notApplicableReason: due.notApplicable };
    if ('waitingFor' in due) return { ...base, state: 'waiting', waitingFor: due.waitingFor };
    if (now.getTime() > due.at.getTime()) return { ...base, state: 'overdue', overdueDays: daysBetween(londonDate(due.at), today) };
    return { ...base, state: daysBetween(today, londonDate(due.at)) <= DUE_SOON_DAYS ? 'due_soon' : 'upcoming' };
  };

  const out: MilestoneStatus[] = [];
  for (const m of def.milestones) {
    const c = compute(m.key);
    if (!c.excluded) out.push(c.status);
  }
  return out;
}

/** The overdue milestones, in protocol order. */
export function overdueMilestones(statuses: readonly MilestoneStatus[]): MilestoneStatus[] {
  return statuses.filter((s) => s.state === 'overdue');
}
