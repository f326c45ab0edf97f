/**
 * Each SOP criterion's measure, pure: from the facts the alerts, identity and library capabilities report
 * to the items a criterion counts (met or not, when, where, and why not in words). `asOf` is the moment
 * the audit looks from (the end of the period, or now if sooner): a record whose time standard has not run
 * out by then is left out rather than counted as a failure.
 */
import type { AlertAuditFacts } from '../alerts/assurance-facts';
import type { PointOfCareAuditFacts } from '../identity/point-of-care/assurance-facts';
import type { ReadFact } from '../library/assurance-facts';
import { ROLE_LABELS, type Role } from '../platform/context';
import { type AuditItem, formatMinutes } from './audit-rules';
import type { CriterionSetting, SopCriterionKey } from './criteria';

export interface SopFacts {
  alerts: AlertAuditFacts;
  pointOfCare: PointOfCareAuditFacts;
  /** Readers of the SOP in force; null when no SOP is published. */
  reads: ReadFact[] | null;
  /** The SOP document, for the drill-down link (its readership report). */
  sopDocumentId: string | null;
}

const MINUTE = 60_000;
const minutesBetween = (a: Date, b: Date) => (b.getTime() - a.getTime()) / MINUTE;
const alertHref = (id: string) => `/alerts/${id}`;

type Builder = (facts: SopFacts, setting: CriterionSetting, asOf: Date) => AuditItem[];

/** An approved alert's content criterion: met when `has` says so. */
const approvedContent =
  (has: (a: AlertAuditFacts['alerts'][number]) => boolean, missing: string): Builder =>
  (facts) =>
    facts.alerts.alerts
      .filter((a) => a.approvedAt)
      .map((a) => ({
        id: a.id,
        ref: a.reference,
        href: alertHref(a.id),
        at: a.approvedAt!,
        organisationId: a.organisationId,
        unitId: null,
        met: has(a),
        note: has(a) ? null : missing,
      }));

/** Deliveries whose time standard ran out by `asOf`, unless a newer version reached the unit first. */
function dueDeliveries(facts: SopFacts, limit: number, asOf: Date) {
  return facts.alerts.deliveries.filter((d) => {
    const due = d.createdAt.getTime() + limit * MINUTE;
    if (d.acknowledgedAt && d.acknowledgedAt.getTime() <= due) return true;
    if (d.supersededAt && d.supersededAt.getTime() <= due) return false;
    return due <= asOf.getTime();
  });
}

export const MEASURES: Record<SopCriterionKey, Builder> = {
  nhs_number: approvedContent((a) => a.hasNhsNumber || a.nhsNumberUnknown, 'No NHS number recorded, and not said to be unknown'),
  due_date: approvedContent((a) => a.hasEdd, 'No due date recorded'),
  photograph: approvedContent((a) => a.hasPhoto || a.noPhotographReason, 'No photograph when approved, and no reason why not'),
  distribution_reason: approvedContent((a) => a.hasDistributionReason, 'No reason for the distribution'),

  approval_time: (facts, s, asOf) => {
    const limit = s.thresholdMinutes ?? 0;
    const out: AuditItem[] = [];
    for (const a of facts.alerts.alerts) {
      if (!a.submittedAt) continue;
      const took = a.decidedAt ? minutesBetween(a.submittedAt, a.decidedAt) : null;
      if (took === null && minutesBetween(a.submittedAt, asOf) <= limit) continue;
      const met = took !== null && took <= limit;
      out.push({
        id: a.id,
        ref: a.reference,
        href: alertHref(a.id),
        at: a.submittedAt,
        organisationId: a.organisationId,
        unitId: null,
        met,
        note: met ? null : took === null ? 'Still waiting for a decision' : `Decided after ${formatMinutes(took)}`,
        minutes: took,
      });
    }
    return out;
  },

  delivery_time: (facts, s) => {
    const limit = s.thresholdMinutes ?? 0;
    const out: AuditItem[] = [];
    for (const a of facts.alerts.alerts) {
      if (!a.approvedAt || (!a.lastActivationAt && a.endedUndelivered)) continue;
      const took = a.lastActivationAt ? Math.max(0, minutesBetween(a.approvedAt, a.lastActivationAt)) : null;
      const met = took !== null && took <= limit;
      out.push({
        id: a.id,
        ref: a.reference,
        href: alertHref(a.id),
        at: a.approvedAt,
        organisationId: a.organisationId,
        unitId: null,
        met,
        note: met ? null : took === null ? 'No recipient unit received it' : `Last unit received it ${formatMinutes(took)} after approval`,
        minutes: took,
      });
    }
    return out;
  },

  acknowledged: (facts, s, asOf) => {
    const limit = s.thresholdMinutes ?? 0;
    return dueDeliveries(facts, limit, asOf).map((d) => {
      const took = d.acknowledgedAt ? minutesBetween(d.createdAt, d.acknowledgedAt) : null;
      const met = took !== null && took <= limit;
      return {
        id: d.id,
        ref: d.reference,
        href: alertHref(d.alertId),
        at: d.createdAt,
        organisationId: d.organisationId,
        unitId: d.unitId,
        met,
        note: met ? null : took === null ? 'Not acknowledged' : `Acknowledged after ${formatMinutes(took)}`,
        minutes: took,
      };
    });
  },

  escalated: (facts, s, asOf) => {
    const limit = s.thresholdMinutes ?? 0;
    return dueDeliveries(facts, limit, asOf)
      .filter((d) => !d.acknowledgedAt || d.acknowledgedAt.getTime() > d.createdAt.getTime() + limit * MINUTE)
      .map((d) => ({
        id: d.id,
        ref: d.reference,
        href: alertHref(d.alertId),
        at: d.createdAt,
        organisationId: d.organisationId,
        unitId: d.unitId,
        met: d.escalatedAt !== null,
        note: d.escalatedAt ? null : 'Not escalated',
      }));
  },

  reviews: (facts) =>
    facts.alerts.reviews.map((r) => ({
      id: r.id,
      ref: r.reference,
      href: alertHref(r.alertId),
      at: r.at,
      organisationId: r.organisationId,
      unitId: null,
      met: r.event === 'renew',
      note: r.event === 'renew' ? null : 'Expired without a review',
    })),

  stand_down: (facts) =>
    facts.alerts.standDowns.map((sd) => {
      const told = sd.unitsTold >= sd.unitsBefore;
      const met = sd.hasReason && told;
      return {
        id: sd.id,
        ref: sd.reference,
        href: alertHref(sd.alertId),
        at: sd.at,
        organisationId: sd.organisationId,
        unitId: null,
        met,
        note: met
          ? null
          : [!sd.hasReason ? 'No outcome recorded' : null, !told ? `${sd.unitsTold} of ${sd.unitsBefore} units told it was stood down` : null]
              .filter(Boolean)
              .join('; '),
      };
    }),

  presentation_notified: (facts, s, asOf) => {
    const limit = s.thresholdMinutes ?? 0;
    const out: AuditItem[] = [];
    for (const p of facts.pointOfCare.presentations) {
      const took = p.notifiedAt ? Math.max(0, minutesBetween(p.presentedAt, p.notifiedAt)) : null;
      if (took === null && minutesBetween(p.presentedAt, asOf) <= limit) continue;
      const met = took !== null && took <= limit;
      out.push({
        id: p.id,
        ref: p.reference,
        href: `/presentations/${p.id}`,
        at: p.presentedAt,
        organisationId: p.organisationId,
        unitId: null,
        met,
        note: met ? null : took === null ? 'No email sent to the owners' : `Owners emailed after ${formatMinutes(took)}`,
        minutes: took,
      });
    }
    return out;
  },

  reveal_reason: (facts) =>
    facts.pointOfCare.reveals.map((r) => ({
      id: r.id,
      ref: r.reference,
      href: alertHref(r.alertId),
      at: r.at,
      organisationId: r.organisationId,
      unitId: r.unitId,
      met: r.hasReason,
      note: r.hasReason ? null : 'No reason given',
    })),

  sop_readership: (facts, _s, asOf) =>
    (facts.reads ?? []).map((r) => {
      const met = !!r.acknowledgedAt && r.acknowledgedAt.getTime() <= asOf.getTime();
      return {
        id: r.id,
        ref: ROLE_LABELS[r.role as Role] ?? r.role,
        href: facts.sopDocumentId ? `/library/documents/${facts.sopDocumentId}/readership` : null,
        at: r.askedAt,
        organisationId: r.organisationId,
        unitId: r.unitId,
        met,
        note: met ? null : 'Not confirmed as read',
      };
    }),
};
