import { asc, desc, gt, sql } from 'drizzle-orm';
import type { Db } from '../db/engine';
import type { RequestContext } from '../context';
import { auditEvents } from './schema';
import { auditHash, GENESIS_HASH, type HashedAuditFields } from './hash';

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

// Constant key for the advisory lock that serialises appends, so the chain never forks.
const AUDIT_LOCK_KEY = 4_207_310_002;

/**
 * Append one event to the chain inside the caller's transaction: the event commits or rolls back
 * with the change it records. Appends are serialised by a transaction-scoped advisory lock.
 */
export async function recordAudit(tx: Db, ctx: RequestContext, entry: AuditEntry): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`);
  const [last] = await tx.select({ seq: auditEvents.seq, hash: auditEvents.hash }).from(auditEvents).orderBy(desc(auditEvents.seq)).limit(1);
  const a = ctx.actor;
  const fields: HashedAuditFields = {
    seq: (last?.seq ?? 0) + 1,
    recordedAt: new Date().toISOString(),
    verb: entry.verb,
    action: entry.action,
    outcome: entry.outcome ?? 'success',
    actorUserId: entry.actorUserId !== undefined ? entry.actorUserId : (a?.userId ?? null),
    actorName: entry.actorName !== undefined ? entry.actorName : (a?.displayName ?? (ctx.system ? `system:${ctx.system}` : null)),
    actorOrganisationId: a?.organisationId ?? null,
    actorRole: a?.role ?? null,
    entityType: entry.entityType ?? null,
    entityId: entry.entityId ?? null,
    reason: entry.reason ?? null,
    ip: ctx.ip,
    correlationId: ctx.correlationId,
    detail: entry.detail ?? null,
    prevHash: last?.hash ?? GENESIS_HASH,
  };
  await tx.insert(auditEvents).values({ ...fields, recordedAt: new Date(fields.recordedAt), detail: fields.detail, hash: auditHash(fields) });
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
      prevHash = r.hash;
      head = { seq: r.seq, hash: r.hash };
      expectedSeq++;
      checked++;
    }
  }
  return { ok: true, checked, head };
}
