import { asc, eq, gt, type SQLWrapper, sql } from 'drizzle-orm';
import type { Db } from '../db/engine';
import { auditName, type RequestContext } from '../context';
import { auditEvents, auditHead } from './schema';
import { rows } from '../db/sql';
import { auditHash, GENESIS_HASH, type HashedAuditFields, hashedBodyAfterSeq } from './hash';

export type AuditVerb = 'C' | 'R' | 'U' | 'D' | 'E';
export type AuditOutcome = 'success' | 'denied' | 'failure';

export interface AuditEntry {
  action: string;
  verb: AuditVerb;
  outcome?: AuditOutcome;
  entityType?: string;
  entityId?: string;
  reason?: string;
  detail?: Record<string, unknown>;
  /** Overrides for events where the actor is not (yet) in the context, e.g. a failed sign-in. */
  actorUserId?: string | null;
  actorName?: string | null;
}

/**
 * Append one event to the chain inside the caller's transaction: the event commits or rolls back
 * with the change it records.
 *
 * One statement moves the head row on (seq + 1, the new hash computed from the previous one) and
 * inserts the event with the head's new values. The head row's lock serialises appends, and is held
 * from this statement to the end of the caller's transaction: that is one round trip and the commit,
 * where taking an advisory lock, reading the newest row and inserting it held it for three. Everything
 * the hash covers except the sequence number and the previous hash is serialised here, so the database
 * computes exactly {@link auditHash}: sha256(prevHash, "\n", "[" seq "," rest).
 */
export async function recordAudit(tx: Db, ctx: RequestContext, entry: AuditEntry): Promise<void> {
  await append(tx, ctx, entry, null);
}

/**
 * Make one change and record it, in a single statement and so without a transaction of its own: the
 * change (an INSERT, UPDATE or DELETE built with drizzle) runs as a data-modifying CTE of the statement
 * that appends the event, so both happen or neither does. The head row is then locked only while the
 * database runs the statement and commits, never across a round trip to the service: for the busiest
 * audited writes (a point-of-care search is one change and one event).
 */
export async function recordAuditWith(db: Db, ctx: RequestContext, entry: AuditEntry, change: SQLWrapper): Promise<void> {
  await append(db, ctx, entry, change);
}

async function append(db: Db, ctx: RequestContext, entry: AuditEntry, change: SQLWrapper | null): Promise<void> {
  const a = ctx.actor;
  const fields: Omit<HashedAuditFields, 'seq' | 'prevHash'> = {
    recordedAt: new Date().toISOString(),
    verb: entry.verb,
    action: entry.action,
    outcome: entry.outcome ?? 'success',
    actorUserId: entry.actorUserId !== undefined ? entry.actorUserId : (a?.userId ?? null),
    actorName:
      entry.actorName !== undefined ? entry.actorName : ctx.client ? auditName(ctx.client) : (a?.displayName ?? (ctx.system ? `system:${ctx.system}` : null)),
    actorOrganisationId: a?.organisationId ?? null,
    actorRole: a?.role ?? null,
    entityType: entry.entityType ?? null,
    entityId: entry.entityId ?? null,
    reason: entry.reason ?? null,
    ip: ctx.ip,
    correlationId: ctx.correlationId,
    // A machine client's every audited use names the client and the end user it said it acted for.
    detail: ctx.client ? { ...(entry.detail ?? {}), apiClientId: ctx.client.id, endUser: ctx.client.endUser } : (entry.detail ?? null),
  };
  const rest = hashedBodyAfterSeq(fields);
  const appended = await rows<{ seq: string | number }>(
    db,
    sql`WITH ${change ? sql`change AS (${change.getSQL()}),` : sql``} head AS (
          UPDATE audit_head
             SET seq = seq + 1,
                 prev_hash = hash,
                 hash = encode(sha256(convert_to(hash || ${'\n['}::text || (seq + 1)::text || ','::text || ${rest}::text, 'UTF8')), 'hex')
           WHERE id = 1
          RETURNING seq, prev_hash, hash)
        INSERT INTO audit_events (seq, recorded_at, verb, action, outcome, actor_user_id, actor_name, actor_organisation_id, actor_role,
                                  entity_type, entity_id, reason, ip, correlation_id, detail, prev_hash, hash)
        SELECT head.seq, ${fields.recordedAt}::timestamptz, ${fields.verb}::text, ${fields.action}::text, ${fields.outcome}::text,
               ${fields.actorUserId}::uuid, ${fields.actorName}::text, ${fields.actorOrganisationId}::uuid, ${fields.actorRole}::text,
               ${fields.entityType}::text, ${fields.entityId}::text, ${fields.reason}::text, ${fields.ip}::text, ${fields.correlationId}::text,
               ${fields.detail === null ? null : JSON.stringify(fields.detail)}::jsonb, head.prev_hash, head.hash
          FROM head
        RETURNING seq`,
  );
  if (appended.length !== 1) throw new Error('The audit chain has no head row (audit_head): the audit log cannot be written');
}

/** Record an event in a transaction of its own (reads, denials, failed sign-ins). */
export async function recordAuditNow(db: Db, ctx: RequestContext, entry: AuditEntry): Promise<void> {
  await db.transaction((tx) => recordAudit(tx, ctx, entry));
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  head: { seq: number; hash: string } | null;
  /** The first broken link, when not ok. */
  broken?: { seq: number; problem: string };
}

/**
 * Walk the whole chain in order and recompute every hash. Reports the first row that was altered
 * (hash mismatch), removed (a gap in seq or a prev_hash that does not match) or inserted out of band.
 * The last link (head) is printed so it can be compared with a copy kept elsewhere: removing rows
 * from the end of the chain is only detectable against such an anchor.
 */
export async function verifyAuditChain(db: Db, batchSize = 2000): Promise<VerifyResult> {
  // Read before the walk: events appended during it only move the head further on.
  const [anchor] = await db.select({ seq: auditHead.seq, hash: auditHead.hash }).from(auditHead).where(eq(auditHead.id, 1));
  let anchorHash: string | null = null;
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let checked = 0;
  let head: VerifyResult['head'] = null;
  for (;;) {
    const rows = await db
      .select()
      .from(auditEvents)
      .where(gt(auditEvents.seq, expectedSeq - 1))
      .orderBy(asc(auditEvents.seq))
      .limit(batchSize);
    if (rows.length === 0) break;
    for (const r of rows) {
      if (r.seq !== expectedSeq) {
        return { ok: false, checked, head, broken: { seq: expectedSeq, problem: `row ${expectedSeq} is missing (next row found is ${r.seq})` } };
      }
      if (r.prevHash !== prevHash) {
        return { ok: false, checked, head, broken: { seq: r.seq, problem: `row ${r.seq} does not follow row ${r.seq - 1} (previous-hash link broken)` } };
      }
      const recomputed = auditHash({
        seq: r.seq,
        recordedAt: r.recordedAt.toISOString(),
        verb: r.verb,
        action: r.action,
        outcome: r.outcome,
        actorUserId: r.actorUserId,
        actorName: r.actorName,
        actorOrganisationId: r.actorOrganisationId,
        actorRole: r.actorRole,
        entityType: r.entityType,
        entityId: r.entityId,
        reason: r.reason,
        ip: r.ip,
        correlationId: r.correlationId,
        detail: r.detail,
        prevHash: r.prevHash,
      });
      if (recomputed !== r.hash) {
        return {
          ok: false,
          checked,
          head,
          broken: { seq: r.seq, problem: `row ${r.seq} was altered after it was written (its content no longer matches its hash)` },
        };
      }
      if (anchor && r.seq === anchor.seq) anchorHash = r.hash;
      prevHash = r.hash;
      head = { seq: r.seq, hash: r.hash };
      expectedSeq++;
      checked++;
    }
  }
  if (!anchor) return { ok: false, checked, head, broken: { seq: checked + 1, problem: 'the head of the chain (audit_head) is missing' } };
  if (anchor.seq > checked) {
    const from = checked + 1;
    const what = from === anchor.seq ? `row ${from} is missing` : `rows ${from} to ${anchor.seq} are missing`;
    return { ok: false, checked, head, broken: { seq: from, problem: `${what}: the head of the chain says the newest event is ${anchor.seq}` } };
  }
  if (anchor.seq > 0 && anchorHash !== anchor.hash) {
    return {
      ok: false,
      checked,
      head,
      broken: { seq: anchor.seq, problem: `row ${anchor.seq} is not the one the head of the chain recorded (a different hash)` },
    };
  }
  return { ok: true, checked, head };
}
