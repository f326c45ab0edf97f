/**
 * What the protocol embeddedness audit needs to know about escalations, read here because these are the
 * escalations capability's tables: each stage that fell due in a window, for escalations on a partnership's
 * cases or raised by its organisations, and when it ended. Ids, references and organisations only; the caller
 * has already authorised the audit, and a drill-down opens the escalation through its own choke point.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import { rowDate, rows, uuidList } from '../platform/db/sql';

export interface StageFact {
  id: string;
  escalationId: string;
  reference: string;
  stage: number;
  /** The agency that owned the stage (whose time it was). */
  organisationId: string | null;
  dueAt: Date;
  endedAt: Date | null;
}

export async function escalationAuditFacts(db: Db, opts: { geographyIds: readonly string[]; organisationIds: readonly string[]; from: Date; to: Date }) {
  const found = await rows<Record<string, unknown>>(
    db,
    sql`select s.id, s.escalation_id, e.reference, s.stage, coalesce(s.owner_organisation_id, e.raised_with_organisation_id) as organisation_id, s.due_at, s.ended_at
        from escalation_stages s join escalations e on e.id = s.escalation_id
        where s.kind = 'reached' and s.due_at >= ${opts.from.toISOString()}::timestamptz and s.due_at < ${opts.to.toISOString()}::timestamptz
          and (e.case_id in (select id from cases where geography_id in (${uuidList(opts.geographyIds)}))
               or (e.case_id is null and e.raised_by_organisation_id in (${uuidList(opts.organisationIds)})))`,
  );
  return found.map(
    (r): StageFact => ({
      id: String(r.id),
      escalationId: String(r.escalation_id),
      reference: String(r.reference),
      stage: Number(r.stage),
      organisationId: r.organisation_id ? String(r.organisation_id) : null,
      dueAt: rowDate(r.due_at)!,
      endedAt: rowDate(r.ended_at),
    }),
  );
}
