/**
 * Chronology entries, and the patterns in them that should make a practitioner stop and think.
 *
 * Serious case reviews keep finding the same things in hindsight: appointments missed while the family
 * moved (closure, flight), agreed actions quietly not done while engagement looked fine (disguised
 * compliance). Each event alone looks ordinary; the pattern is only visible across agencies and weeks.
 * Pattern rules are configuration (a partnership edits them, {@link DEFAULT_PATTERN_RULES} is the start)
 * and a match raises a prompt on the case.
 *
 * Prompts inform professional judgement; they decide nothing. A prompt does not change a case, a risk
 * level or a plan, and a pattern not matching says nothing about safety. A practitioner answers each one.
 */
import { z } from 'zod';
import { dayNumber, fromDayNumber, londonDate } from '../platform/dates';
import { parseInput } from '../platform/errors';
import { endOfLondonDay } from '../platform/working-days';

// ── Chronology kinds ───────────────────────────────────────────────────────────────────────────────

/** What a practitioner can record in the chronology by hand. */
export const PRACTITIONER_KINDS = [
  'appointment_attended',
  'appointment_missed',
  'appointment_cancelled_by_family',
  'no_access_visit',
  'refused_to_be_seen',
  'address_change',
  'gp_change',
  'booking_unit_change',
  'area_change',
  'name_change',
  'inconsistent_details',
  'agreed_action_not_done',
  'selective_engagement',
  'short_lived_change',
  'claimed_progress_not_seen',
  'hostility_when_challenged',
  'observation',
] as const;

/** What the service records itself as the case changes. */
export const SYSTEM_KINDS = [
  'case_opened',
  'case_changed',
  'alert_linked',
  'alert_event',
  'presentation',
  'matched_search',
  'demographic_recorded',
  'identity_inconsistency',
  'milestone_completed',
  'checklist_item',
  'birth_plan',
  'toxicology',
  'discharge_planning',
  'discharge_decision',
  'escalation',
  'prompt_raised',
  'prompt_answered',
] as const;

export const CHRONOLOGY_KINDS = [...PRACTITIONER_KINDS, ...SYSTEM_KINDS] as const;
export type ChronologyKind = (typeof CHRONOLOGY_KINDS)[number];
export type PractitionerKind = (typeof PRACTITIONER_KINDS)[number];

export const CHRONOLOGY_KIND_LABELS: Record<ChronologyKind, string> = {
  appointment_attended: 'Appointment attended',
  appointment_missed: 'Appointment missed',
  appointment_cancelled_by_family: 'Appointment cancelled by the family',
  no_access_visit: 'No access on a home visit',
  refused_to_be_seen: 'Refused to be seen',
  address_change: 'Change of address',
  gp_change: 'Change of GP',
  booking_unit_change: 'Change of maternity unit',
  area_change: 'Moved to another area',
  name_change: 'Change of name',
  inconsistent_details: 'Inconsistent details given',
  agreed_action_not_done: 'Agreed action not done',
  selective_engagement: 'Engaging with some professionals but not others',
  short_lived_change: 'Change that did not last',
  claimed_progress_not_seen: 'Progress claimed but not seen',
  hostility_when_challenged: 'Hostile when challenged',
  observation: 'Observation',
  case_opened: 'Case opened',
  case_changed: 'Case record changed',
  alert_linked: 'Alert linked',
  alert_event: 'Alert changed',
  presentation: 'Presented at a unit',
  matched_search: 'Found by a search',
  demographic_recorded: 'Details recorded',
  identity_inconsistency: 'Identity details do not match',
  milestone_completed: 'Milestone completed',
  checklist_item: 'Checklist item',
  birth_plan: 'Birth plan',
  toxicology: 'Toxicology',
  discharge_planning: 'Discharge planning',
  discharge_decision: 'Discharge decision',
  escalation: 'Escalation',
  prompt_raised: 'Prompt raised',
  prompt_answered: 'Prompt answered',
};

export const INDICATORS = ['closure', 'flight', 'disguised_compliance'] as const;
export type Indicator = (typeof INDICATORS)[number];
export const INDICATOR_LABELS: Record<Indicator, string> = {
  closure: 'Closure',
  flight: 'Flight',
  disguised_compliance: 'Disguised compliance',
};

/**
 * Which warning sign a kind of entry can be, for labelling the chronology. Kinds the service records
 * itself are null, even an identity mismatch: that may be a typing error, and only a practitioner's
 * entry says what someone judged it to mean.
 */
export const INDICATOR_OF: Record<ChronologyKind, Indicator | null> = {
  appointment_attended: null,
  appointment_missed: 'closure',
  appointment_cancelled_by_family: 'closure',
  no_access_visit: 'closure',
  refused_to_be_seen: 'closure',
  address_change: 'flight',
  gp_change: 'flight',
  booking_unit_change: 'flight',
  area_change: 'flight',
  name_change: 'flight',
  inconsistent_details: 'flight',
  agreed_action_not_done: 'disguised_compliance',
  selective_engagement: 'disguised_compliance',
  short_lived_change: 'disguised_compliance',
  claimed_progress_not_seen: 'disguised_compliance',
  hostility_when_challenged: 'disguised_compliance',
  observation: null,
  case_opened: null,
  case_changed: null,
  alert_linked: null,
  alert_event: null,
  presentation: null,
  matched_search: null,
  demographic_recorded: null,
  identity_inconsistency: null,
  milestone_completed: null,
  checklist_item: null,
  birth_plan: null,
  toxicology: null,
  discharge_planning: null,
  discharge_decision: null,
  escalation: null,
  prompt_raised: null,
  prompt_answered: null,
};

// ── Rules ──────────────────────────────────────────────────────────────────────────────────────────

/** At least `atLeast` entries of any of `kinds`. */
export interface PatternRequirement {
  kinds: ChronologyKind[];
  atLeast: number;
}

/** A pattern: every requirement met within `withinDays` days. `prompt` is what practitioners are shown. */
export interface PatternRule {
  key: string;
  label: string;
  prompt: string;
  withinDays: number;
  requires: PatternRequirement[];
}

export const PATTERN_LIMITS = { rules: 30, requirements: 5, label: 120, prompt: 500, maxDays: 365, maxAtLeast: 20 } as const;

/** Prompts are not evidence: counting them would let one prompt raise the next. */
const NOT_COUNTABLE: readonly ChronologyKind[] = ['prompt_raised', 'prompt_answered'];

function requiredText(max: number, enter: string, label: string) {
  return z.string({ error: enter }).trim().min(1, enter).max(max, `${label} must be ${max} characters or fewer`);
}

const requirementSchema = z.object(
  {
    kinds: z
      .array(
        z.enum(CHRONOLOGY_KINDS, { error: 'Choose a kind of chronology entry from the list' }).refine((k) => !NOT_COUNTABLE.includes(k), {
          message: 'Prompts cannot count towards a pattern: choose what happened, not the prompt about it',
        }),
        { error: 'Choose at least one kind of chronology entry' },
      )
      .min(1, 'Choose at least one kind of chronology entry')
      .transform((ks) => [...new Set(ks)]),
    atLeast: z
      .number({ error: `How many must be a whole number from 1 to ${PATTERN_LIMITS.maxAtLeast}` })
      .refine(Number.isInteger, `How many must be a whole number from 1 to ${PATTERN_LIMITS.maxAtLeast}`)
      .min(1, `How many must be a whole number from 1 to ${PATTERN_LIMITS.maxAtLeast}`)
      .max(PATTERN_LIMITS.maxAtLeast, `How many must be a whole number from 1 to ${PATTERN_LIMITS.maxAtLeast}`),
  },
  { error: 'Enter what the pattern needs' },
);

const ruleSchema = z.object(
  {
    key: z
      .string({ error: 'Enter a key for the pattern' })
      .regex(
        /^[a-z][a-z0-9_]{1,49}$/,
        'The key must start with a lower-case letter and use only lower-case letters, numbers and underscores (2 to 50 characters)',
      ),
    label: requiredText(PATTERN_LIMITS.label, 'Enter the name of the pattern', 'The name of the pattern'),
    prompt: requiredText(PATTERN_LIMITS.prompt, 'Enter the prompt practitioners will see', 'The prompt'),
    withinDays: z
      .number({ error: `The number of days must be a whole number from 1 to ${PATTERN_LIMITS.maxDays}` })
      .refine(Number.isInteger, `The number of days must be a whole number from 1 to ${PATTERN_LIMITS.maxDays}`)
      .min(1, `The number of days must be a whole number from 1 to ${PATTERN_LIMITS.maxDays}`)
      .max(PATTERN_LIMITS.maxDays, `The number of days must be a whole number from 1 to ${PATTERN_LIMITS.maxDays}`),
    requires: z
      .array(requirementSchema, { error: 'Add at least one thing the pattern needs' })
      .min(1, 'Add at least one thing the pattern needs')
      .max(PATTERN_LIMITS.requirements, `A pattern can need up to ${PATTERN_LIMITS.requirements} things`),
  },
  { error: 'Enter the pattern' },
);

/** The pattern rules in force for an area, as stored. Error paths are like `2.requires.0.kinds`. */
export const patternRulesSchema: z.ZodType<PatternRule[], unknown> = z
  .array(ruleSchema, { error: 'Enter the pattern rules as a list' })
  .max(PATTERN_LIMITS.rules, `There can be up to ${PATTERN_LIMITS.rules} pattern rules`)
  .superRefine(
    (rules, ctx) => {
      const seen = new Map<string, number>();
      rules.forEach((r, i) => {
        const key = typeof r === 'object' && r !== null ? (r as { key?: unknown }).key : undefined;
        if (typeof key !== 'string') return;
        if (seen.has(key))
          ctx.addIssue({ code: 'custom', path: [i, 'key'], message: `The key “${key}” is already used by another pattern: each pattern needs its own key` });
        else seen.set(key, i);
      });
    },
    // Run even when a rule failed, so every problem shows at once.
    { when: (p) => Array.isArray(p.value) },
  );

/** Parse pattern rules, throwing a ValidationError that names each problem by its field path. */
export function parsePatternRules(input: unknown): PatternRule[] {
  return parseInput(patternRulesSchema, input);
}

const MOVES: ChronologyKind[] = ['address_change', 'gp_change', 'booking_unit_change', 'area_change', 'name_change'];

/**
 * Starting rules, drawn from the signs of closure, flight and disguised compliance that case reviews
 * describe. The numbers are judgements, not research findings: partnerships should tune them.
 * "Missed appointments" counts every missed or family-cancelled appointment the chronology records;
 * practitioners record antenatal ones, so in practice that is what is counted.
 */
export const DEFAULT_PATTERN_RULES: PatternRule[] = [
  {
    key: 'missed_appointments_and_move',
    label: 'Missed appointments and a change of address',
    prompt: 'Consider closure or flight: appointments are being missed and the address has changed. Discuss with your safeguarding lead.',
    withinDays: 56,
    requires: [
      { kinds: ['appointment_missed', 'appointment_cancelled_by_family'], atLeast: 3 },
      { kinds: ['address_change'], atLeast: 1 },
    ],
  },
  {
    key: 'not_seen',
    label: 'Repeatedly not seen',
    prompt: 'Consider closure: professionals have repeatedly not been able to see her. Discuss with your safeguarding lead.',
    withinDays: 28,
    requires: [{ kinds: ['no_access_visit', 'refused_to_be_seen'], atLeast: 2 }],
  },
  {
    key: 'agreed_actions_not_done',
    label: 'Agreed actions not done',
    prompt:
      'Consider disguised compliance: agreed actions are not being done. Look for evidence of change, not reports of it, and discuss with your safeguarding lead.',
    withinDays: 56,
    requires: [{ kinds: ['agreed_action_not_done'], atLeast: 2 }],
  },
  {
    key: 'repeated_changes',
    label: 'Repeated changes of address, GP, unit, area or name',
    prompt: 'Consider flight: details have changed more than once. Check other agencies know, and discuss with your safeguarding lead.',
    withinDays: 84,
    requires: [{ kinds: MOVES, atLeast: 2 }],
  },
  {
    key: 'selective_engagement',
    label: 'Selective engagement with actions not done',
    prompt: 'Consider disguised compliance: engagement is selective and progress is not being seen. Discuss with your safeguarding lead.',
    withinDays: 56,
    requires: [
      { kinds: ['selective_engagement'], atLeast: 1 },
      { kinds: ['agreed_action_not_done', 'claimed_progress_not_seen'], atLeast: 1 },
    ],
  },
];

// ── Matching ───────────────────────────────────────────────────────────────────────────────────────

/** A chronology entry as matching needs it. Kinds not in any rule are ignored. */
export interface PatternEvent {
  id: string;
  kind: string;
  at: Date;
}

/**
 * A rule matched. `eventIds` are every entry in the window that counts towards the rule, oldest first.
 * The window runs from `windowStart` (the start of the day in England `withinDays` days before the last
 * entry's day) to `windowEnd` (the time of the last entry, the one that completed the pattern).
 */
export interface PatternMatch {
  ruleKey: string;
  eventIds: string[];
  windowStart: Date;
  windowEnd: Date;
}

interface Entry {
  id: string;
  kind: string;
  at: Date;
  /** Day number of the date in England, so "within 28 days" means the same thing in summer and winter. */
  day: number;
}

const startOfLondonDay = (day: number) => new Date(endOfLondonDay(fromDayNumber(day - 1)).getTime() + 1);

/**
 * Which rules the chronology matches as of `asOf` (entries after it are ignored: the future has not happened).
 *
 * A rule matches when, on some run of dates in England no more than `withinDays` days apart (a window
 * of 28 days includes entries exactly 28 days apart), every requirement has at least `atLeast` entries
 * of its kinds. Each entry counts once towards a requirement. An entry whose kind is listed in two
 * requirements counts towards both: this keeps matching a count rather than a search, and a partnership
 * wanting distinct entries lists distinct kinds, as the defaults do.
 *
 * At most one match per rule: the latest window, ending at the latest entry with which the pattern holds.
 * Cost is a sort plus one pass per rule (entries × requirements), so a long chronology stays cheap.
 */
export function evaluatePatterns(rules: readonly PatternRule[], events: readonly PatternEvent[], asOf: Date): PatternMatch[] {
  const seen = new Set<string>();
  const entries: Entry[] = [];
  for (const e of events) {
    if (!(e.at instanceof Date) || Number.isNaN(e.at.getTime()) || e.at.getTime() > asOf.getTime() || seen.has(e.id)) continue;
    seen.add(e.id);
    entries.push({ id: e.id, kind: e.kind, at: e.at, day: dayNumber(londonDate(e.at)) });
  }
  entries.sort((a, b) => a.at.getTime() - b.at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const matches: PatternMatch[] = [];
  for (const rule of rules) {
    const match = matchRule(rule, entries);
    if (match) matches.push(match);
  }
  return matches;
}

function matchRule(rule: PatternRule, all: readonly Entry[]): PatternMatch | null {
  const kindSets = rule.requires.map((r) => new Set<string>(r.kinds));
  const relevant = all.filter((e) => kindSets.some((s) => s.has(e.kind)));
  /** For each relevant entry, which requirements it counts towards. */
  const counts = relevant.map((e) => kindSets.flatMap((s, r) => (s.has(e.kind) ? [r] : [])));
  const have = new Array<number>(rule.requires.length).fill(0);
  let left = 0;
  let best: { left: number; right: number } | null = null;

  for (let right = 0; right < relevant.length; right++) {
    for (const r of counts[right] as number[]) have[r] = (have[r] as number) + 1;
    const day = (relevant[right] as Entry).day;
    while (day - (relevant[left] as Entry).day > rule.withinDays) {
      for (const r of counts[left] as number[]) have[r] = (have[r] as number) - 1;
      left++;
    }
    if (rule.requires.every((req, r) => (have[r] as number) >= req.atLeast)) best = { left, right };
  }
  if (!best) return null;

  const used = relevant.slice(best.left, best.right + 1);
  const last = used[used.length - 1] as Entry;
  return {
    ruleKey: rule.key,
    eventIds: used.map((e) => e.id),
    windowStart: startOfLondonDay(last.day - rule.withinDays),
    windowEnd: last.at,
  };
}

/**
 * The matches that deserve a new prompt: those using at least one entry that no earlier prompt of the same
 * rule covered. Answering a prompt does not bring it back for the same entries; a new missed appointment
 * (or one recorded late, inside the window) does.
 */
export function promptsToRaise(matches: readonly PatternMatch[], existing: readonly { ruleKey: string; eventIds: readonly string[] }[]): PatternMatch[] {
  const covered = new Map<string, Set<string>>();
  for (const p of existing) {
    const set = covered.get(p.ruleKey) ?? new Set<string>();
    for (const id of p.eventIds) set.add(id);
    covered.set(p.ruleKey, set);
  }
  return matches.filter((m) => {
    const set = covered.get(m.ruleKey);
    return !set || m.eventIds.some((id) => !set.has(id));
  });
}
