/**
 * Each protocol criterion's measure, pure: from the facts the cases and escalations capabilities report to
 * the items a criterion counts. As for the SOP (measures.ts), a record whose time had not run out by `asOf`
 * is left out rather than failed.
 */
import type { CaseAuditFacts } from '../cases/assurance-facts';
import type { StageFact } from '../escalations/assurance-facts';
import { RECIPIENT_KIND_LABELS, type RecipientKind } from '../cases/birth-plan/model';
import { type AuditItem, formatMinutes } from './audit-rules';
import type { CriterionSetting, ProtocolCriterionKey } from './criteria';

export interface ProtocolFacts {
  cases: CaseAuditFacts;
  stages: StageFact[];
}

const MINUTE = 60_000;
const caseHref = (id: string) => `/cases/${id}`;

type Builder = (facts: ProtocolFacts, setting: CriterionSetting, asOf: Date) => AuditItem[];

const base = (f: { caseId: string; reference: string; organisationId: string }) => ({
  ref: f.reference,
  href: caseHref(f.caseId),
  organisationId: f.organisationId,
  unitId: null,
});

export const PROTOCOL_MEASURES: Record<ProtocolCriterionKey, Builder> = {
  milestones_on_time: (facts) =>
    facts.cases.milestones.map((m) => {
      const met = !!m.completedAt && m.completedAt.getTime() <= m.dueAt.getTime();
      return {
        ...base(m),
        id: m.id,
        at: m.dueAt,
        met,
        group: m.label,
        note: met
          ? null
          : m.completedAt
            ? `${m.label}: done ${formatMinutes((m.completedAt.getTime() - m.dueAt.getTime()) / MINUTE)} late`
            : `${m.label}: not done`,
      };
    }),

  birth_plan_sent: (facts, _s, asOf) =>
    facts.cases.distributions
      .filter((d) => d.sentAt || d.dueAt.getTime() <= asOf.getTime())
      .map((d) => {
        const met = !!d.sentAt && d.sentAt.getTime() <= d.dueAt.getTime();
        const who = RECIPIENT_KIND_LABELS[d.recipient as RecipientKind] ?? d.recipient;
        return { ...base(d), id: d.id, at: d.dueAt, met, group: who, note: met ? null : d.sentAt ? `${who}: sent late` : `${who}: not sent` };
      }),

  dpm_before_discharge: (facts) =>
    facts.cases.discharges
      .filter((d) => d.dpmRequired)
      .map((d) => ({ ...base(d), id: d.id, at: d.decidedAt, met: d.dpmHeldBefore, note: d.dpmHeldBefore ? null : 'No meeting held before the decision' })),

  toxicology_before_discharge: (facts) =>
    facts.cases.discharges
      .filter((d) => d.toxicologyRequested > 0)
      .map((d) => {
        const met = d.toxicologyKnown >= d.toxicologyRequested;
        return {
          ...base(d),
          id: d.id,
          at: d.decidedAt,
          met,
          note: met ? null : `${d.toxicologyRequested - d.toxicologyKnown} of ${d.toxicologyRequested} results not known`,
        };
      }),

  overrides_reviewed: (facts, s, asOf) => {
    const limit = (s.thresholdMinutes ?? 0) * MINUTE;
    return facts.cases.discharges
      .filter((d) => d.overridden && (d.reviewedAt || d.decidedAt.getTime() + limit <= asOf.getTime()))
      .map((d) => {
        const inTime = !!d.reviewedAt && d.reviewedAt.getTime() <= d.decidedAt.getTime() + limit;
        const met = inTime && d.overrideReason;
        const why = [!d.overrideReason ? 'No reason recorded' : null, !d.reviewedAt ? 'Not reviewed' : !inTime ? 'Reviewed late' : null]
          .filter(Boolean)
          .join('; ');
        return { ...base(d), id: d.id, at: d.decidedAt, met, note: met ? null : why };
      });
  },

  escalation_stages_on_time: (facts, _s, asOf) =>
    facts.stages
      .filter((st) => st.endedAt || st.dueAt.getTime() <= asOf.getTime())
      .map((st) => {
        const met = !!st.endedAt && st.endedAt.getTime() <= st.dueAt.getTime();
        return {
          id: st.id,
          ref: st.reference,
          href: `/escalations/${st.escalationId}`,
          at: st.dueAt,
          organisationId: st.organisationId,
          unitId: null,
          met,
          group: `Stage ${st.stage}`,
          note: met ? null : st.endedAt ? `Stage ${st.stage} ended after its time` : `Stage ${st.stage} still open past its time`,
        };
      }),

  prompts_answered: (facts, s, asOf) => {
    const limit = (s.thresholdMinutes ?? 0) * MINUTE;
    return facts.cases.prompts
      .filter((p) => p.respondedAt || p.raisedAt.getTime() + limit <= asOf.getTime())
      .map((p) => {
        const met = !!p.respondedAt && p.respondedAt.getTime() <= p.raisedAt.getTime() + limit;
        return { ...base(p), id: p.id, at: p.raisedAt, met, note: met ? null : p.respondedAt ? 'Answered late' : 'Not answered' };
      });
  },
  inconsistencies_resolved: (facts, s, asOf) => {
    const limit = (s.thresholdMinutes ?? 0) * MINUTE;
    return facts.cases.inconsistencies
      .filter((i) => (i.resolvedAt && i.resolvedAt <= asOf) || i.arisenAt.getTime() + limit <= asOf.getTime())
      .map((i) => {
        const resolvedBy = i.resolvedAt && i.resolvedAt <= asOf ? i.resolvedAt : null;
        const met = !!resolvedBy && resolvedBy.getTime() <= i.arisenAt.getTime() + limit;
        const minutes = resolvedBy ? (resolvedBy.getTime() - i.arisenAt.getTime()) / MINUTE : null;
        return { ...base(i), id: i.id, at: i.arisenAt, met, group: i.field, minutes, note: met ? null : resolvedBy ? 'Resolved late' : 'Not resolved' };
      });
  },
};
