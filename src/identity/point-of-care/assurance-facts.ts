/**
 * What the assurance audits need to know about the point of care, read here because these are identity's
 * tables: presentations of alerts raised by some organisations (and when their owners' urgent email went),
 * and reveals made by some organisations' clinicians (whether they gave a reason). Ids, references,
 * organisations and units only; the caller has already authorised the audit.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/engine';
import { rowDate, rows, uuidList } from '../../platform/db/sql';
import { PRESENTATION_EMAIL_JOB } from './service';

export interface PresentationFact {
  id: string;
  alertId: string;
  reference: string;
  /** The alert's owning organisation (the one told). */
  organisationId: string;
  presentedAt: Date;
  /** When the first urgent email to the owners was sent (null: none sent yet). */
  notifiedAt: Date | null;
}

export interface RevealFact {
  id: string;
  alertId: string;
  reference: string;
  organisationId: string;
  unitId: string | null;
  at: Date;
  hasReason: boolean;
}

export async function pointOfCareAuditFacts(db: Db, opts: { organisationIds: readonly string[]; from: Date; to: Date }) {
  const orgs = uuidList(opts.organisationIds);
  const from = sql`${opts.from.toISOString()}::timestamptz`;
  const to = sql`${opts.to.toISOString()}::timestamptz`;
  // The owners' email is a job per recipient (service.ts PRESENTATION_EMAIL_JOB): the first one done is when they were told.
  const presented = await rows<Record<string, unknown>>(
    db,
    sql`select p.id, p.alert_id, a.reference, a.originator_organisation_id, p.presented_at,
          (select min(j.completed_at) from jobs j where j.type = ${PRESENTATION_EMAIL_JOB} and j.status = 'done'
             and j.payload->>'presentationId' = p.id::text) as notified_at
        from presentations p join alerts a on a.id = p.alert_id
        where a.originator_organisation_id in (${orgs}) and p.presented_at >= ${from} and p.presented_at < ${to}`,
  );
  const revealed = await rows<Record<string, unknown>>(
    db,
    sql`select r.id, r.alert_id, a.reference, r.organisation_id, r.unit_id, r.created_at,
          r.reason in ('presenting', 'before_appointment') or (r.reason = 'other' and coalesce(btrim(r.reason_other), '') <> '') as has_reason
        from point_of_care_reveals r join alerts a on a.id = r.alert_id
        where r.organisation_id in (${orgs}) and r.created_at >= ${from} and r.created_at < ${to}`,
  );
  return {
    presentations: presented.map(
      (r): PresentationFact => ({
        id: String(r.id),
        alertId: String(r.alert_id),
        reference: String(r.reference),
        organisationId: String(r.originator_organisation_id),
        presentedAt: rowDate(r.presented_at)!,
        notifiedAt: rowDate(r.notified_at),
      }),
    ),
    reveals: revealed.map(
      (r): RevealFact => ({
        id: String(r.id),
        alertId: String(r.alert_id),
        reference: String(r.reference),
        organisationId: String(r.organisation_id),
        unitId: r.unit_id ? String(r.unit_id) : null,
        at: rowDate(r.created_at)!,
        hasReason: r.has_reason === true,
      }),
    ),
  };
}
export type PointOfCareAuditFacts = Awaited<ReturnType<typeof pointOfCareAuditFacts>>;
