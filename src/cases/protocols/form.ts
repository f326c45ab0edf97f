/**
 * Protocol configuration as forms without JavaScript. The milestone protocol: one group of fields per
 * milestone, three empty groups to add more, a "remove" box on each; the escalation ladder likewise, one
 * row per stage. Turning the form into a definition keeps track of which
 * group each milestone came from, so an error in `milestones.3.due.key` is shown on the right group's
 * field even when groups above it were removed or left empty.
 */
import { CASE_CLASSIFICATIONS, type DueRule, type MilestoneDefinition, MILESTONE_SOURCES, type ProtocolDefinition } from '../protocol';
import type { Deadline } from '../../platform/working-days';
import type { EscalationStage } from '../../escalations/stages';

export const RULE_TYPES = ['gestation', 'milestone', 'birth', 'case_opened'] as const;
export const RULE_TYPE_LABELS: Record<(typeof RULE_TYPES)[number], string> = {
  gestation: 'Weeks of pregnancy',
  milestone: 'After another milestone',
  birth: 'After the birth',
  case_opened: 'After the case was opened',
};
export const DEADLINE_UNITS = ['hours', 'days', 'workingDays'] as const;
export const DEADLINE_UNIT_LABELS: Record<(typeof DEADLINE_UNITS)[number], string> = { hours: 'Hours', days: 'Days', workingDays: 'Working days' };

/** Empty groups offered for new milestones. */
export const EXTRA_ROWS = 3;

export interface MilestoneFormRow {
  key: string;
  label: string;
  guidance: string;
  ruleType: string;
  weeks: string;
  days: string;
  afterKey: string;
  amount: string;
  unit: string;
  notBeforeWeeks: string;
  notBeforeDays: string;
  /** A notBefore the form cannot show (counted from something other than weeks of pregnancy), kept as JSON. */
  notBeforeOther: string;
  appliesTo: string[];
  completedBy: string;
  remove: boolean;
}

export interface ProtocolForm {
  name: string;
  description: string;
  lateBookingWeeks: string;
  rows: MilestoneFormRow[];
}

const emptyRow = (): MilestoneFormRow => ({
  key: '',
  label: '',
  guidance: '',
  ruleType: '',
  weeks: '',
  days: '',
  afterKey: '',
  amount: '',
  unit: '',
  notBeforeWeeks: '',
  notBeforeDays: '',
  notBeforeOther: '',
  appliesTo: [],
  completedBy: '',
  remove: false,
});

const deadlineParts = (d: Deadline) =>
  'hours' in d
    ? { amount: String(d.hours), unit: 'hours' }
    : 'days' in d
      ? { amount: String(d.days), unit: 'days' }
      : { amount: String(d.workingDays), unit: 'workingDays' };

function rowOf(m: MilestoneDefinition): MilestoneFormRow {
  const row: MilestoneFormRow = {
    ...emptyRow(),
    key: m.key,
    label: m.label,
    guidance: m.guidance ?? '',
    ruleType: m.due.from,
    appliesTo: m.appliesTo ? [...m.appliesTo] : [],
    completedBy: m.completedBy ?? '',
  };
  if (m.due.from === 'gestation') Object.assign(row, { weeks: String(m.due.weeks), days: String(m.due.days) });
  else Object.assign(row, deadlineParts(m.due.after), m.due.from === 'milestone' ? { afterKey: m.due.key } : {});
  if (m.notBefore?.from === 'gestation') Object.assign(row, { notBeforeWeeks: String(m.notBefore.weeks), notBeforeDays: String(m.notBefore.days) });
  else if (m.notBefore) row.notBeforeOther = JSON.stringify(m.notBefore);
  return row;
}

/** The form for a definition, with the empty groups for new milestones. */
export function formOf(def: ProtocolDefinition): ProtocolForm {
  return {
    name: def.name,
    description: def.description ?? '',
    lateBookingWeeks: String(def.lateBookingWeeks),
    rows: [...def.milestones.map(rowOf), ...Array.from({ length: EXTRA_ROWS }, emptyRow)],
  };
}

const str = (v: unknown): string => (Array.isArray(v) ? String(v[v.length - 1] ?? '') : v == null ? '' : String(v)).trim();
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v == null || v === '' ? [] : [String(v)]);

/** The form as posted (field names like `m.3.key`); the row count comes from the hidden `rows` field. */
export function formFromBody(body: Record<string, unknown>): ProtocolForm {
  const n = Math.min(Math.max(Number.parseInt(str(body.rows), 10) || 0, 0), 60);
  const rows = Array.from({ length: n }, (_, i): MilestoneFormRow => {
    const f = (name: string) => str(body[`m.${i}.${name}`]);
    return {
      key: f('key'),
      label: f('label'),
      guidance: f('guidance'),
      ruleType: f('ruleType'),
      weeks: f('weeks'),
      days: f('days'),
      afterKey: f('afterKey'),
      amount: f('amount'),
      unit: f('unit'),
      notBeforeWeeks: f('notBeforeWeeks'),
      notBeforeDays: f('notBeforeDays'),
      notBeforeOther: f('notBeforeOther'),
      appliesTo: list(body[`m.${i}.appliesTo`]),
      completedBy: f('completedBy'),
      remove: f('remove') !== '',
    };
  });
  return { name: str(body.name), description: str(body.description), lateBookingWeeks: str(body.lateBookingWeeks), rows };
}

/** A number as typed: a whole number when it is one, otherwise the text, so the schema says what is wrong with it. */
const num = (s: string): unknown => (s === '' ? undefined : /^-?\d+$/.test(s) ? Number(s) : s);

function isEmpty(r: MilestoneFormRow): boolean {
  return (
    !r.key &&
    !r.label &&
    !r.guidance &&
    !r.weeks &&
    !r.days &&
    !r.afterKey &&
    !r.amount &&
    !r.notBeforeWeeks &&
    !r.notBeforeOther &&
    !r.appliesTo.length &&
    !r.completedBy
  );
}

function dueOf(r: MilestoneFormRow): unknown {
  const after = () => (r.unit ? { [r.unit]: num(r.amount) ?? null } : {});
  switch (r.ruleType) {
    case 'gestation':
      return { from: 'gestation', weeks: num(r.weeks), days: num(r.days) ?? 0 };
    case 'milestone':
      return { from: 'milestone', key: r.afterKey, after: after() };
    case 'birth':
    case 'case_opened':
      return { from: r.ruleType, after: after() };
    default:
      return { from: r.ruleType || undefined };
  }
}

function notBeforeOf(r: MilestoneFormRow): unknown {
  if (r.notBeforeWeeks || r.notBeforeDays) return { from: 'gestation', weeks: num(r.notBeforeWeeks), days: num(r.notBeforeDays) ?? 0 };
  if (r.notBeforeOther) {
    try {
      return JSON.parse(r.notBeforeOther) as DueRule;
    } catch {
      return { from: 'unreadable' };
    }
  }
  return undefined;
}

/**
 * The definition the form describes (unvalidated: the protocol schema checks it), and for each of its
 * milestones the form group it came from. Removed and empty groups are left out.
 */
export function definitionOfForm(form: ProtocolForm): { definition: unknown; rowOf: number[] } {
  const rowOfMilestone: number[] = [];
  const milestones: unknown[] = [];
  form.rows.forEach((r, i) => {
    if (r.remove || isEmpty(r)) return;
    rowOfMilestone.push(i);
    const nb = notBeforeOf(r);
    milestones.push({
      key: r.key,
      label: r.label,
      ...(r.guidance ? { guidance: r.guidance } : {}),
      ...(r.appliesTo.length ? { appliesTo: r.appliesTo } : {}),
      due: dueOf(r),
      ...(nb ? { notBefore: nb } : {}),
      ...(r.completedBy ? { completedBy: r.completedBy } : {}),
    });
  });
  return {
    definition: { name: form.name, ...(form.description ? { description: form.description } : {}), lateBookingWeeks: num(form.lateBookingWeeks), milestones },
    rowOf: rowOfMilestone,
  };
}

/**
 * The form field for a problem at a definition path: `milestones.3.due.key` → `m.5.afterKey` when the
 * fourth milestone came from the sixth group.
 */
export function formFieldFor(path: string, rowOf: readonly number[]): string {
  const parts = path.split('.');
  if (parts[0] !== 'milestones') return parts[0] || 'name';
  if (parts.length < 2) return 'm.0.key';
  const row = rowOf[Number(parts[1])] ?? 0;
  const [field, sub] = parts.slice(2);
  const at = (name: string) => `m.${row}.${name}`;
  switch (field) {
    case 'key':
    case 'label':
    case 'guidance':
    case 'completedBy':
    case 'appliesTo':
      return at(field);
    case 'due':
      if (sub === 'weeks') return at('weeks');
      if (sub === 'days') return at('days');
      if (sub === 'key') return at('afterKey');
      if (sub === 'after') return at('amount');
      return at('ruleType');
    case 'notBefore':
      if (sub === 'days') return at('notBeforeDays');
      return at('notBeforeWeeks');
    default:
      return at('key');
  }
}

/** The choices the form offers, for the template. */
export const FORM_CHOICES = {
  ruleTypes: RULE_TYPES,
  units: DEADLINE_UNITS,
  classifications: CASE_CLASSIFICATIONS,
  sources: MILESTONE_SOURCES,
};

// ── Escalation stages ──────────────────────────────────────────────────────────────────────────────

export interface StageFormRow {
  label: string;
  who: string;
  amount: string;
  unit: string;
  remove: boolean;
}

/** Empty rows offered for new stages (a ladder has at most six). */
export const EXTRA_STAGE_ROWS = 2;

/** The stage table as form rows, numbered by position, with empty rows to add stages. */
export function stageFormOf(stages: readonly EscalationStage[]): StageFormRow[] {
  return [
    ...stages.map((s) => ({ label: s.label, who: s.who, ...deadlineParts(s.due), remove: false })),
    ...Array.from({ length: EXTRA_STAGE_ROWS }, () => ({ label: '', who: '', amount: '', unit: '', remove: false })),
  ];
}

export function stageFormFromBody(body: Record<string, unknown>): StageFormRow[] {
  const n = Math.min(Math.max(Number.parseInt(str(body.rows), 10) || 0, 0), 20);
  return Array.from({ length: n }, (_, i) => {
    const f = (name: string) => str(body[`s.${i}.${name}`]);
    return { label: f('label'), who: f('who'), amount: f('amount'), unit: f('unit'), remove: f('remove') !== '' };
  });
}

/** The stage table the rows describe, numbered 1, 2, 3 in the order kept, and the row each stage came from. */
export function stagesOfForm(rows: readonly StageFormRow[]): { definition: unknown; rowOf: number[] } {
  const rowOf: number[] = [];
  const stages: unknown[] = [];
  rows.forEach((r, i) => {
    if (r.remove || (!r.label && !r.who && !r.amount)) return;
    rowOf.push(i);
    stages.push({ stage: stages.length + 1, label: r.label, who: r.who, due: r.unit ? { [r.unit]: num(r.amount) ?? null } : {} });
  });
  return { definition: stages, rowOf };
}

/** The form field for a problem at a stage table path: `2.due.hours` → `s.<row>.amount`. */
export function stageFieldFor(path: string, rowOf: readonly number[]): string {
  const [index, field] = path.split('.');
  if (index === undefined || index === '' || !/^\d+$/.test(index)) return 's.0.label';
  const row = rowOf[Number(index)] ?? 0;
  if (field === 'who') return `s.${row}.who`;
  if (field === 'due') return `s.${row}.amount`;
  return `s.${row}.label`;
}
