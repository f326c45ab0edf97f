/**
 * Protocol configuration in words: the readable rendering partnership managers check before they save,
 * and the "due" column practitioners read on a case. Pure: no database, no clock.
 */
import type { CaseClassification, DueRule, MilestoneDefinition, ProtocolDefinition } from '../protocol';
import { CASE_CLASSIFICATIONS, CLASSIFICATION_LABELS, MILESTONE_SOURCE_LABELS } from '../protocol';
import { describeDeadline } from '../../platform/working-days';
import { CHRONOLOGY_KIND_LABELS, type PatternRule } from '../patterns';
import type { EscalationStage } from '../../escalations/stages';

const gestation = (weeks: number, days: number) => `${weeks}+${days} weeks`;

/** "16+0 weeks", "10 working days after “Referral to children’s social care”", "1 day after the birth". */
export function describeRuleAnchor(rule: DueRule, labelOf: (key: string) => string): string {
  switch (rule.from) {
    case 'gestation':
      return gestation(rule.weeks, rule.days);
    case 'milestone':
      return `${describeDeadline(rule.after).replace(/^within /, '')} after “${labelOf(rule.key)}”`;
    case 'case_opened':
      return `${describeDeadline(rule.after).replace(/^within /, '')} after the case was opened`;
    case 'birth':
      return `${describeDeadline(rule.after).replace(/^within /, '')} after the birth`;
  }
}

/** When a milestone is due, as a practitioner reads it: "by 16+0 weeks", "within 48 hours of “Birth plan agreed”". */
export function describeDue(rule: DueRule, labelOf: (key: string) => string): string {
  switch (rule.from) {
    case 'gestation':
      return `by ${gestation(rule.weeks, rule.days)}`;
    case 'milestone':
      return `${describeDeadline(rule.after)} of “${labelOf(rule.key)}”`;
    case 'case_opened':
      return `${describeDeadline(rule.after)} of the case being opened`;
    case 'birth':
      return `${describeDeadline(rule.after)} of the birth`;
  }
}

/** The whole timing of one milestone: "from 24+0 weeks to 30+0 weeks", or "by 16+0 weeks". */
export function describeTiming(m: MilestoneDefinition, labelOf: (key: string) => string): string {
  if (m.notBefore?.from === 'gestation' && m.due.from === 'gestation') {
    return `from ${gestation(m.notBefore.weeks, m.notBefore.days)} to ${gestation(m.due.weeks, m.due.days)}`;
  }
  const due = describeDue(m.due, labelOf);
  return m.notBefore ? `${due}, not before ${describeRuleAnchor(m.notBefore, labelOf)}` : due;
}

export interface MilestoneRow {
  key: string;
  label: string;
  timing: string;
  appliesTo: string;
  completedBy: string | null;
  guidance: string | null;
}

/** A protocol as table rows: "Referral to children’s social care — by 16+0 weeks". */
export function describeProtocol(def: ProtocolDefinition): MilestoneRow[] {
  const labels = new Map(def.milestones.map((m) => [m.key, m.label]));
  const labelOf = (key: string) => labels.get(key) ?? key;
  return def.milestones.map((m) => ({
    key: m.key,
    label: m.label,
    timing: describeTiming(m, labelOf),
    appliesTo: describeAppliesTo(m.appliesTo),
    completedBy: m.completedBy ? `Done automatically when: ${MILESTONE_SOURCE_LABELS[m.completedBy].toLowerCase()}` : null,
    guidance: m.guidance ?? null,
  }));
}

const ordinalWords: Record<string, string> = {
  milestones: 'Milestone',
  stages: 'Stage',
  rules: 'Rule',
  appliesTo: 'Type of case',
  conditions: 'Condition',
  kinds: 'Kind',
};

const fieldWords: Record<string, string> = {
  key: 'key',
  label: 'name',
  guidance: 'guidance',
  due: 'due',
  notBefore: 'earliest date',
  from: 'counted from',
  weeks: 'weeks',
  days: 'days',
  hours: 'hours',
  workingDays: 'working days',
  after: 'time limit',
  completedBy: 'completed by',
  name: 'name',
  description: 'description',
  lateBookingWeeks: 'late booking weeks',
  prompt: 'prompt',
};

/**
 * A validation path as words, for errors on configuration typed as JSON: `milestones.3.due.key` →
 * "Milestone 4, due, key". A number after a list's name becomes that item's position, counted from 1.
 */
export function describePath(path: string): string {
  if (!path || path === 'form') return 'The definition';
  const parts = path.split('.');
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as string;
    const next = parts[i + 1];
    if (next !== undefined && /^\d+$/.test(next)) {
      out.push(`${ordinalWords[p] ?? capitalise(words(p))} ${Number(next) + 1}`);
      i++;
    } else if (/^\d+$/.test(p)) {
      out.push(`item ${Number(p) + 1}`);
    } else out.push(fieldWords[p] ?? words(p));
  }
  return capitalise(out.join(', '));
}

const words = (camel: string) =>
  camel
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/_/g, ' ')
    .toLowerCase();
const capitalise = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

/** An escalation stage table as rows: "Stage 2 · Manager to manager · Their line managers · within 5 working days". */
export function describeStages(stages: readonly EscalationStage[]) {
  return stages.map((s) => ({ stage: s.stage, label: s.label, who: s.who, due: describeDeadline(s.due) }));
}

const listWords = (xs: readonly string[], joiner = 'or') => (xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} ${joiner} ${xs[xs.length - 1]}`);

/**
 * A pattern rule as a sentence: "When, within 56 days, there are at least 3 of: appointment missed or
 * appointment cancelled by the family; and at least 1 change of address".
 */
export function describePatternRule(rule: PatternRule): { key: string; label: string; sentence: string; prompt: string } {
  const parts = rule.requires.map((r) => {
    const kinds = listWords(r.kinds.map((k) => (CHRONOLOGY_KIND_LABELS[k] ?? k).toLowerCase()));
    return `at least ${r.atLeast} ${r.atLeast === 1 ? '' : 'entries of '}${kinds}`.replace('  ', ' ');
  });
  return {
    key: rule.key,
    label: rule.label,
    sentence: `When the chronology has ${listWords(parts, 'and')} within ${rule.withinDays} ${rule.withinDays === 1 ? 'day' : 'days'}, practitioners are prompted.`,
    prompt: rule.prompt,
  };
}

/** "Every case", "Every case except unbooked in labour", or the kinds listed: whichever is shorter to read. */
export function describeAppliesTo(appliesTo: readonly CaseClassification[] | undefined): string {
  if (!appliesTo || appliesTo.length === CASE_CLASSIFICATIONS.length) return 'Every case';
  const left = CASE_CLASSIFICATIONS.filter((c) => !appliesTo.includes(c));
  if (left.length < appliesTo.length) return `Every case except ${left.map((c) => CLASSIFICATION_LABELS[c].toLowerCase()).join(' and ')}`;
  return appliesTo.map((c) => CLASSIFICATION_LABELS[c]).join(', ');
}
