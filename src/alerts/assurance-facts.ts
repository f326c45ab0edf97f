/**
 * What the assurance audits need to know about alerts, read here because these are the alerts capability's
 * tables: for each alert, delivery, review and stand-down in a window, the times and yes/no facts a
 * criterion counts — ids, references, organisations and units only, never a personal detail. The caller
 * (assurance) has already authorised the audit; what a drill-down opens goes through `requireAlert`.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import { rowDate, rows, uuidList } from '../platform/db/sql';

export interface AlertFact {
  id: string;
  reference: string;
  organisationId: string;
  submittedAt: Date | null;
  /** The first approval or return after submission. */
  decidedAt: Date | null;
  approvedAt: Date | null;
  hasNhsNumber: boolean;
  /** No NHS number, and the raiser said it is not known (the SOP asks for it where known). */
  nhsNumberUnknown: boolean;
  hasEdd: boolean;
  hasPhoto: boolean;
  /** The approved version says why there is no photograph. */
  noPhotographReason: boolean;
  hasDistributionReason: boolean;
  /** When the last recipient unit received the approved version (null: none did). */
  lastActivationAt: Date | null;
  /** Stood down or cancelled without any unit receiving it. */
  endedUndelivered: boolean;
}

export interface DeliveryFact {
  id: string;
  alertId: string;
  reference: string;
  organisationId: string;
  unitId: string;
  createdAt: Date;
  acknowledgedAt: Date | null;
  escalatedAt: Date | null;
  /** When the unit was sent a newer version of the same alert (null: never). */
  supersededAt: Date | null;
}

export interface ReviewFact {
  id: string;
  alertId: string;
  reference: string;
  organisationId: string;
  at: Date;
  event: 'renew' | 'expire';
}

export interface StandDownFact {
  id: string;
  alertId: string;
  reference: string;
  organisationId: string;
  at: Date;
  hasReason: boolean;
  unitsBefore: number;
  unitsTold: number;
}

/**
 * Facts for alerts raised by these organisations, and deliveries to their units, in [from, to): alerts
 * submitted or approved in the window, deliveries made in it, reviews reached and stand-downs in it.
 */
export async function alertAuditFacts(db: Db, opts: { organisationIds: readonly string[]; from: Date; to: Date }) {
  const orgs = uuidList(opts.organisationIds);
  const from = sql`${opts.from.toISOString()}::timestamptz`;
  const to = sql`${opts.to.toISOString()}::timestamptz`;
  const alertRows = await rows<Record<string, unknown>>(
    db,
    sql`with a as (
          select a.id, a.reference, a.status, a.originator_organisation_id, a.approved_at,
            (select min(e.at) from alert_events e where e.alert_id = a.id and e.event = 'submit') as submitted_at,
            (select min(e.at) from alert_events e where e.alert_id = a.id and e.event in ('approve', 'return')) as decided_at,
            (select e.version from alert_events e where e.alert_id = a.id and e.event = 'approve' order by e.at limit 1) as approved_version
          from alerts a
          where a.originator_organisation_id in (${orgs})
            and exists (select 1 from alert_events e where e.alert_id = a.id and e.event in ('submit', 'approve') and e.at >= ${from} and e.at < ${to}))
        select a.id, a.reference, a.originator_organisation_id, a.submitted_at, a.decided_at, a.approved_at,
          coalesce(jsonb_array_length(case when jsonb_typeof(v.content->'subject'->'nhsNumbers') = 'array' then v.content->'subject'->'nhsNumbers' end), 0) > 0 as has_nhs,
          coalesce(v.content->'subject'->>'nhsNumberUnknown', '') = 'true' as nhs_unknown,
          coalesce(v.content->'pregnancy'->>'edd', '') <> '' as has_edd,
          coalesce(btrim(v.content->>'noPhotographReason'), '') <> '' as has_photo_reason,
          coalesce(btrim(v.content->'distribution'->>'scopeReason'), '') <> '' as has_reason,
          exists (select 1 from alert_photos p where p.alert_id = a.id and a.approved_at is not null and p.created_at <= a.approved_at
                  and (p.removed_at is null or p.removed_at > a.approved_at)) as has_photo,
          (select max(d.created_at) from alert_deliveries d where d.alert_id = a.id and d.version = a.approved_version) as last_activation_at,
          a.status in ('stood_down', 'cancelled', 'archived')
            and not exists (select 1 from alert_deliveries d where d.alert_id = a.id and d.kind = 'activation') as ended_undelivered
        from a left join alert_versions v on v.alert_id = a.id and v.version = a.approved_version`,
  );
  const alerts: AlertFact[] = alertRows.map((r) => ({
    id: String(r.id),
    reference: String(r.reference),
    organisationId: String(r.originator_organisation_id),
    submittedAt: rowDate(r.submitted_at),
    decidedAt: rowDate(r.decided_at),
    approvedAt: rowDate(r.approved_at),
    hasNhsNumber: r.has_nhs === true,
    nhsNumberUnknown: r.nhs_unknown === true,
    hasEdd: r.has_edd === true,
    hasPhoto: r.has_photo === true,
    noPhotographReason: r.has_photo_reason === true,
    hasDistributionReason: r.has_reason === true,
    lastActivationAt: rowDate(r.last_activation_at),
    endedUndelivered: r.ended_undelivered === true,
  }));

  // "Overtaken": the next delivery of the same alert to the same unit (a newer version, or its stand-down), by one sort
  // rather than a lookup per row. A million rows come back: times as epoch milliseconds and no repeated text (the
  // references and the units' organisations are looked up once each), which is what the transfer costs.
  const ms = (col: string) => sql.raw(`(extract(epoch from ${col}) * 1000)::float8`);
  const deliveryRows = await rows<Record<string, unknown>>(
    db,
    sql`with d as (
          select d.id, d.alert_id, d.unit_id, d.kind, d.created_at, d.acknowledged_at, d.escalated_at,
            lead(d.created_at) over (partition by d.alert_id, d.unit_id order by d.version) as superseded_at
          from alert_deliveries d
          where d.unit_id in (select id from units where organisation_id in (${orgs})) and d.created_at >= ${from})
        select d.id, d.alert_id, d.unit_id, ${ms('d.created_at')} as created, ${ms('d.acknowledged_at')} as acked,
          ${ms('d.escalated_at')} as escalated, ${ms('d.superseded_at')} as superseded
        from d where d.kind in ('activation', 'update') and d.created_at < ${to}`,
  );
  const unitOrg = new Map(
    (await rows<{ id: string; organisation_id: string }>(db, sql`select id, organisation_id from units where organisation_id in (${orgs})`)).map((u) => [
      u.id,
      u.organisation_id,
    ]),
  );
  const alertIds = [...new Set(deliveryRows.map((r) => String(r.alert_id)))];
  const references = new Map<string, string>();
  for (let i = 0; i < alertIds.length; i += 5000)
    for (const a of await rows<{ id: string; reference: string }>(
      db,
      sql`select id, reference from alerts where id in (${uuidList(alertIds.slice(i, i + 5000))})`,
    ))
      references.set(a.id, a.reference);
  const at = (v: unknown) => (v === null || v === undefined ? null : new Date(Number(v)));
  const deliveries: DeliveryFact[] = deliveryRows.map((r) => ({
    id: String(r.id),
    alertId: String(r.alert_id),
    reference: references.get(String(r.alert_id)) ?? '',
    organisationId: unitOrg.get(String(r.unit_id)) ?? '',
    unitId: String(r.unit_id),
    createdAt: at(r.created)!,
    acknowledgedAt: at(r.acked),
    escalatedAt: at(r.escalated),
    supersededAt: at(r.superseded),
  }));

  const eventRows = await rows<Record<string, unknown>>(
    db,
    sql`select e.id, e.alert_id, a.reference, a.originator_organisation_id, e.at, e.event, coalesce(btrim(e.reason), '') <> '' as has_reason,
          case when e.event = 'stand_down' then (select count(distinct d.unit_id) from alert_deliveries d where d.alert_id = e.alert_id and d.version < e.version) end as units_before,
          case when e.event = 'stand_down' then (select count(distinct d.unit_id) from alert_deliveries d where d.alert_id = e.alert_id and d.version = e.version) end as units_told
        from alert_events e join alerts a on a.id = e.alert_id
        where e.event in ('renew', 'expire', 'stand_down') and a.originator_organisation_id in (${orgs}) and e.at >= ${from} and e.at < ${to}`,
  );
  const reviews: ReviewFact[] = [];
  const standDowns: StandDownFact[] = [];
  for (const r of eventRows) {
    const base = {
      id: String(r.id),
      alertId: String(r.alert_id),
      reference: String(r.reference),
      organisationId: String(r.originator_organisation_id),
      at: rowDate(r.at)!,
    };
    if (r.event === 'stand_down')
      standDowns.push({ ...base, hasReason: r.has_reason === true, unitsBefore: Number(r.units_before ?? 0), unitsTold: Number(r.units_told ?? 0) });
    else reviews.push({ ...base, event: r.event as 'renew' | 'expire' });
  }
  return { alerts, deliveries, reviews, standDowns };
}
export type AlertAuditFacts = Awaited<ReturnType<typeof alertAuditFacts>>;
