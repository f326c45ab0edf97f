/**
 * What the assurance audits need to know from the library: the alert SOP and the protocol in force for a
 * partnership (their publication starts an audit's period), and, read here because these are the library's
 * tables, for the alert SOP everyone in some organisations asked to read its
 * current major version, and when they confirmed it. Ids, organisations, units and roles only (no names);
 * the caller has already authorised the audit.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import { rowDate, rows, uuidList } from '../platform/db/sql';
import { documentInForce, type VersionLink } from './links';

export interface ReadFact {
  id: string;
  organisationId: string;
  unitId: string | null;
  role: string;
  askedAt: Date;
  acknowledgedAt: Date | null;
}

/** The high-risk alert SOP in force for a partnership (null when none is published). */
export function alertSopInForce(db: Db, geographyId: string): Promise<VersionLink | null> {
  return documentInForce(db, geographyId, ['sop'], 'high_risk_alerts');
}

/** The unborn baby protocol in force for a partnership (null when none is published). */
export function protocolInForce(db: Db, geographyId: string): Promise<VersionLink | null> {
  return documentInForce(db, geographyId, ['protocol'], 'unborn_baby_protocol');
}

/** The SOP's readers in these organisations, asked before `to`, for its major version in force. */
export async function sopReadFacts(db: Db, opts: { sop: VersionLink; organisationIds: readonly string[]; to: Date }): Promise<ReadFact[]> {
  const found = await rows<Record<string, unknown>>(
    db,
    sql`select r.id, r.organisation_id, r.unit_id, r.role, r.asked_at, r.acknowledged_at
        from library_reads r join library_versions v on v.id = ${opts.sop.versionId}::uuid
        where r.document_id = ${opts.sop.documentId}::uuid and r.major = v.major and r.organisation_id in (${uuidList(opts.organisationIds)})
          and r.asked_at < ${opts.to.toISOString()}::timestamptz`,
  );
  return found.map((r) => ({
    id: String(r.id),
    organisationId: String(r.organisation_id),
    unitId: r.unit_id ? String(r.unit_id) : null,
    role: String(r.role),
    askedAt: rowDate(r.asked_at)!,
    acknowledgedAt: rowDate(r.acknowledged_at),
  }));
}
