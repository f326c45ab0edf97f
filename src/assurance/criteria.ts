/**
 * The audits' criteria: for each kind of audit (the alert SOP; the concealed pregnancy and unborn baby
 * protocol), what each criterion measures over Beacon's own records, in the words the partnership's audit
 * report uses, with its default standard. A partnership's configuration (a version in
 * assurance_criteria_versions) switches criteria on or off and sets each standard; the measure itself is
 * code (measures.ts and protocol-measures.ts turn the facts into items, audit-rules.ts counts them), so a standard can change
 * without anyone being able to redefine what "acknowledged" means.
 */
import { z } from 'zod';

/** The kinds of audit: the high-risk alert SOP, and the concealed pregnancy / unborn baby protocol over case data. */
export const AUDIT_KINDS = ['sop', 'protocol'] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];
export const AUDIT_KIND_LABELS: Record<AuditKind, string> = {
  sop: 'High-risk alert SOP',
  protocol: 'Concealed pregnancy and unborn baby protocol',
};

export const SOP_CRITERIA_KEYS = [
  'nhs_number',
  'due_date',
  'photograph',
  'distribution_reason',
  'approval_time',
  'delivery_time',
  'acknowledged',
  'escalated',
  'reviews',
  'stand_down',
  'presentation_notified',
  'reveal_reason',
  'sop_readership',
] as const;
export type SopCriterionKey = (typeof SOP_CRITERIA_KEYS)[number];

/** Where the breakdown by organisation and unit looks: the raising side, the receiving side or the person acting. */
export type Side = 'raising' | 'receiving' | 'acting';

export interface CriterionDefinition {
  key: CriterionKey;
  title: string;
  /** What is counted: the denominator, what meets it, what is left out and why. */
  explanation: string;
  /** What one record in the drill-down is, and more than one. */
  recordNoun: string;
  recordPlural: string;
  side: Side;
  defaultTarget: number;
  /** The time standard, for criteria that have one (minutes). */
  defaultThresholdMinutes?: number;
  /** How the time standard reads: "within {t}". */
  thresholdLabel?: string;
  /** The criterion's own breakdown, where it has one: "milestone", "recipient", "stage". */
  groupNoun?: string;
}

export const SOP_CRITERIA: readonly CriterionDefinition[] = [
  {
    key: 'nhs_number',
    title: 'NHS number recorded where known',
    explanation:
      'Alerts approved in the month whose approved version records at least one NHS number, or says it is not known (she has not given it and it could not be found). An alert that does neither is not met: the drill-down lists them to check.',
    recordNoun: 'alert',
    recordPlural: 'alerts',
    side: 'raising',
    defaultTarget: 95,
  },
  {
    key: 'due_date',
    title: 'Due date recorded',
    explanation: 'Alerts approved in the month whose approved version records the expected date of delivery.',
    recordNoun: 'alert',
    recordPlural: 'alerts',
    side: 'raising',
    defaultTarget: 100,
  },
  {
    key: 'photograph',
    title: 'Photograph attached, or a reason why not',
    explanation:
      'Alerts approved in the month with a photograph attached by the time of approval, or whose approved version says why there is none (she declined, none could be taken safely). An alert with neither is not met.',
    recordNoun: 'alert',
    recordPlural: 'alerts',
    side: 'raising',
    defaultTarget: 80,
  },
  {
    key: 'distribution_reason',
    title: 'Reason for the distribution recorded',
    explanation: 'Alerts approved in the month whose approved version says why it is sent as widely as it is.',
    recordNoun: 'alert',
    recordPlural: 'alerts',
    side: 'raising',
    defaultTarget: 100,
  },
  {
    key: 'approval_time',
    title: 'Approved or returned in time',
    explanation:
      'Alerts first submitted for approval in the month, decided (approved or returned to the originator) within the standard. One still waiting when the standard ran out is not met; one still inside it at the end of the period is left out.',
    recordNoun: 'alert',
    recordPlural: 'alerts',
    side: 'raising',
    defaultTarget: 90,
    defaultThresholdMinutes: 24 * 60,
    thresholdLabel: 'of submission',
  },
  {
    key: 'delivery_time',
    title: 'Delivered to every recipient in time',
    explanation:
      'Alerts approved in the month whose last recipient unit received it within the standard of approval. An alert that reached no unit is not met, unless it was stood down or cancelled before it went out.',
    recordNoun: 'alert',
    recordPlural: 'alerts',
    side: 'raising',
    defaultTarget: 99,
    defaultThresholdMinutes: 15,
    thresholdLabel: 'of approval',
  },
  {
    key: 'acknowledged',
    title: 'Acknowledged by the recipient unit in time',
    explanation:
      'New and updated alerts delivered to a unit in the month, acknowledged by the unit within the standard. A delivery overtaken by a newer version before its standard ran out is left out (the newer one counts), and so is one still inside its standard at the end of the period.',
    recordNoun: 'delivery',
    recordPlural: 'deliveries',
    side: 'receiving',
    defaultTarget: 95,
    defaultThresholdMinutes: 24 * 60,
    thresholdLabel: 'of delivery',
  },
  {
    key: 'escalated',
    title: 'Unacknowledged deliveries escalated',
    explanation:
      'Deliveries still unacknowledged when the standard ran out (and not overtaken by a newer version), which Beacon escalated to the unit’s safeguarding team and the originator.',
    recordNoun: 'delivery',
    recordPlural: 'deliveries',
    side: 'receiving',
    defaultTarget: 100,
    defaultThresholdMinutes: 24 * 60,
    thresholdLabel: 'of delivery',
  },
  {
    key: 'reviews',
    title: 'Reviewed by the review date',
    explanation:
      'Alerts that reached their review date in the month: met when the owner renewed it before the date, not met when it expired unreviewed. Alerts stood down or cancelled before the date never reach it and are not counted.',
    recordNoun: 'alert',
    recordPlural: 'alerts',
    side: 'raising',
    defaultTarget: 90,
  },
  {
    key: 'stand_down',
    title: 'Stood down with a reason and redistributed',
    explanation: 'Alerts stood down in the month with an outcome recorded, whose closing version reached every unit that had received an earlier version.',
    recordNoun: 'alert',
    recordPlural: 'alerts',
    side: 'raising',
    defaultTarget: 100,
  },
  {
    key: 'presentation_notified',
    title: 'Originator told of a presentation in time',
    explanation:
      'Presentations (a clinician confirmed she is the woman in the alert) in the month, where the urgent email to the alert’s owners was sent within the standard.',
    recordNoun: 'presentation',
    recordPlural: 'presentations',
    side: 'raising',
    defaultTarget: 100,
    defaultThresholdMinutes: 15,
    thresholdLabel: 'of the presentation',
  },
  {
    key: 'reveal_reason',
    title: 'Point-of-care reveals with a reason',
    explanation: 'Alerts revealed at the point of care in the month where the clinician gave a reason (and described it, for "other").',
    recordNoun: 'reveal',
    recordPlural: 'reveals',
    side: 'acting',
    defaultTarget: 100,
  },
  {
    key: 'sop_readership',
    title: 'Staff who have read the SOP in force',
    explanation:
      'People asked to read the current major version of the partnership’s alert SOP (by the month they were asked) who had confirmed reading it by the end of the period. No SOP published in the library: nothing to count.',
    recordNoun: 'reader',
    recordPlural: 'readers',
    side: 'acting',
    defaultTarget: 90,
  },
];

export const PROTOCOL_CRITERIA_KEYS = [
  'milestones_on_time',
  'birth_plan_sent',
  'dpm_before_discharge',
  'toxicology_before_discharge',
  'overrides_reviewed',
  'escalation_stages_on_time',
  'prompts_answered',
  'inconsistencies_resolved',
] as const;
export type ProtocolCriterionKey = (typeof PROTOCOL_CRITERIA_KEYS)[number];
export type CriterionKey = SopCriterionKey | ProtocolCriterionKey;

export const PROTOCOL_CRITERIA: readonly CriterionDefinition[] = [
  {
    key: 'milestones_on_time',
    title: 'Protocol milestones met on time',
    explanation:
      'Milestones of the partnership’s cases that fell due in the month (computed from the protocol version each case follows, in working days), done by their due time. One not done by the end of the period is not met; one not needed for the case is left out. The breakdown by milestone shows which steps slip.',
    recordNoun: 'milestone',
    recordPlural: 'milestones',
    groupNoun: 'milestone',
    side: 'raising',
    defaultTarget: 90,
  },
  {
    key: 'birth_plan_sent',
    title: 'Birth plan sent to everyone in time',
    explanation:
      'Each recipient a birth plan version had to reach (the named midwife, the parents, the social worker, the health visitor, the GP, the birth unit), with its deadline in the month: sent by the deadline. One not yet due at the end of the period is left out.',
    recordNoun: 'birth plan recipient',
    recordPlural: 'birth plan recipients',
    groupNoun: 'recipient',
    side: 'raising',
    defaultTarget: 95,
  },
  {
    key: 'dpm_before_discharge',
    title: 'Discharge planning meeting held before discharge',
    explanation:
      'Discharge decisions in the month for a case whose discharge planning meeting was required: met when a meeting had been held before the decision.',
    recordNoun: 'discharge decision',
    recordPlural: 'discharge decisions',
    side: 'raising',
    defaultTarget: 100,
  },
  {
    key: 'toxicology_before_discharge',
    title: 'Toxicology result known before discharge',
    explanation:
      'Discharge decisions in the month for a case with toxicology requested before the decision: met when every such test had a result (or was cancelled) before the decision.',
    recordNoun: 'discharge decision',
    recordPlural: 'discharge decisions',
    side: 'raising',
    defaultTarget: 100,
  },
  {
    key: 'overrides_reviewed',
    title: 'Gate overrides with a reason, reviewed in time',
    explanation:
      'Discharges past the gate in the month: met when the override records its reason and a safeguarding lead reviewed it within the standard. One still inside the standard at the end of the period is left out.',
    recordNoun: 'override',
    recordPlural: 'overrides',
    side: 'raising',
    defaultTarget: 100,
    defaultThresholdMinutes: 7 * 24 * 60,
    thresholdLabel: 'of the discharge',
  },
  {
    key: 'escalation_stages_on_time',
    title: 'Escalations resolved within each stage’s time',
    explanation:
      'Escalation stages between agencies that fell due in the month (each stage’s time from the partnership’s stage table): met when the stage ended — resolved, moved on or withdrawn — by its due time.',
    recordNoun: 'escalation stage',
    recordPlural: 'escalation stages',
    groupNoun: 'stage',
    side: 'acting',
    defaultTarget: 90,
  },
  {
    key: 'prompts_answered',
    title: 'Chronology prompts answered',
    explanation:
      'Prompts about closure, flight or disguised compliance raised on the partnership’s cases in the month, answered by a practitioner within the standard. One still inside the standard at the end of the period is left out.',
    recordNoun: 'prompt',
    recordPlural: 'prompts',
    side: 'raising',
    defaultTarget: 90,
    defaultThresholdMinutes: 7 * 24 * 60,
    thresholdLabel: 'of being raised',
  },
  {
    key: 'inconsistencies_resolved',
    title: 'Demographic inconsistencies resolved',
    explanation:
      'Times in the month a case’s current details began to disagree (two names, dates of birth, addresses or NHS numbers from different sources, as the case page flags them): met when someone said which was right — superseding the other — within the standard. One still inside the standard at the end of the period is left out. The breakdown by detail shows which ones stay unresolved.',
    recordNoun: 'inconsistency',
    recordPlural: 'inconsistencies',
    groupNoun: 'detail',
    side: 'raising',
    defaultTarget: 90,
    defaultThresholdMinutes: 7 * 24 * 60,
    thresholdLabel: 'of arising',
  },
];

/** Each kind's criteria, in the order its report lists them. */
export const CRITERIA_SETS: Record<AuditKind, readonly CriterionDefinition[]> = { sop: SOP_CRITERIA, protocol: PROTOCOL_CRITERIA };

export const CRITERION: Record<CriterionKey, CriterionDefinition> = Object.fromEntries(
  [...SOP_CRITERIA, ...PROTOCOL_CRITERIA].map((c) => [c.key, c]),
) as Record<CriterionKey, CriterionDefinition>;

/** One criterion as a partnership configured it. */
export interface CriterionSetting {
  key: CriterionKey;
  enabled: boolean;
  /** The standard: the share of records that should meet it, a whole percentage. */
  target: number;
  /** The time standard in minutes, for criteria that have one; otherwise null. */
  thresholdMinutes: number | null;
}

export function defaultSettings(kind: AuditKind = 'sop'): CriterionSetting[] {
  return CRITERIA_SETS[kind].map((c) => ({ key: c.key, enabled: true, target: c.defaultTarget, thresholdMinutes: c.defaultThresholdMinutes ?? null }));
}

const MAX_THRESHOLD_MINUTES = 60 * 24 * 28;

/**
 * A new criteria version from the form (`<key>.enabled`, `<key>.target`, `<key>.threshold` in minutes or
 * hours as the form says) or the API (an array of settings). Every criterion is present in every version.
 */
export const criteriaChangeSchema = (kind: AuditKind) =>
  z.object({
    changeReason: z
      .string({ error: 'Enter why the criteria are changing' })
      .trim()
      .min(1, 'Enter why the criteria are changing')
      .max(1000, 'The reason must be 1,000 characters or fewer'),
    criteria: z
      .array(
        z.object({
          key: z.enum(kind === 'sop' ? SOP_CRITERIA_KEYS : PROTOCOL_CRITERIA_KEYS, { error: 'That criterion does not exist' }),
          enabled: z.boolean({ error: 'Say whether the criterion is used' }),
          target: z
            .number({ error: 'Enter the standard as a whole percentage, like 95' })
            .int('Enter the standard as a whole percentage, like 95')
            .min(1, 'The standard must be between 1% and 100%')
            .max(100, 'The standard must be between 1% and 100%'),
          thresholdMinutes: z
            .number({ error: 'Enter the time standard in minutes' })
            .int('Enter the time standard as a whole number of minutes')
            .min(1, 'The time standard must be at least 1 minute')
            .max(MAX_THRESHOLD_MINUTES, 'The time standard can be at most 28 days')
            .nullable()
            .default(null),
        }),
      )
      .superRefine((list, ctx) => {
        const seen = new Set(list.map((c) => c.key));
        for (const k of SOP_CRITERIA_KEYS)
          if (!seen.has(k)) ctx.addIssue({ code: 'custom', message: `Give a setting for every criterion (missing: ${CRITERION[k].title})` });
        if (seen.size !== list.length) ctx.addIssue({ code: 'custom', message: 'Each criterion can be given once' });
        list.forEach((c, i) => {
          const hasTime = CRITERION[c.key]?.defaultThresholdMinutes !== undefined;
          if (hasTime && c.thresholdMinutes === null)
            ctx.addIssue({ code: 'custom', path: [i, 'thresholdMinutes'], message: `Enter the time standard for ${CRITERION[c.key].title}` });
          if (!hasTime && c.thresholdMinutes !== null)
            ctx.addIssue({ code: 'custom', path: [i, 'thresholdMinutes'], message: `${CRITERION[c.key].title} has no time standard` });
        });
        if (!list.some((c) => c.enabled)) ctx.addIssue({ code: 'custom', message: 'Use at least one criterion' });
      }),
  });

/** A stored definition read back: unknown keys dropped, missing ones (a criterion added since) at their defaults, switched off. */
export function settingsFrom(kind: AuditKind, stored: unknown): CriterionSetting[] {
  const list = Array.isArray(stored) ? (stored as Partial<CriterionSetting>[]) : [];
  return CRITERIA_SETS[kind].map((c) => {
    const s = list.find((x) => x?.key === c.key);
    return s
      ? {
          key: c.key,
          enabled: s.enabled !== false,
          target: Number(s.target ?? c.defaultTarget),
          thresholdMinutes: s.thresholdMinutes ?? c.defaultThresholdMinutes ?? null,
        }
      : { key: c.key, enabled: false, target: c.defaultTarget, thresholdMinutes: c.defaultThresholdMinutes ?? null };
  });
}

/** "24 hours", "15 minutes", "7 days". */
export function formatThreshold(minutes: number): string {
  if (minutes > 48 * 60 && minutes % (60 * 24) === 0) return `${minutes / (60 * 24)} days`;
  if (minutes % 60 === 0) return `${minutes / 60} ${minutes === 60 ? 'hour' : 'hours'}`;
  return `${minutes} ${minutes === 1 ? 'minute' : 'minutes'}`;
}

/** The standard in words: "95%", "90% within 24 hours of submission". */
export function standardText(s: CriterionSetting): string {
  const d = CRITERION[s.key];
  return s.thresholdMinutes !== null && d.thresholdLabel ? `${s.target}% within ${formatThreshold(s.thresholdMinutes)} ${d.thresholdLabel}` : `${s.target}%`;
}
