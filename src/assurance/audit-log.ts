import { checkAgainstCheckpoint } from '../platform/audit/checkpoint';
import { and, desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { authorize, authorizeContext } from '../platform/auth/policy';
import { auditEvents } from '../platform/audit/schema';
import { recordAuditNow, verifyAuditChain, type VerifyResult } from '../platform/audit/service';

export interface AuditFilter {
  action?: string | undefined;
  entityId?: string | undefined;
  before?: number | undefined;
}

/** The audit log, newest first, 50 at a time. Reading the log is itself audited. */
export async function listAuditEvents(db: Db, ctx: RequestContext, filter: AuditFilter) {
  authorize(ctx.actor, 'audit.view');
  const conds = [];
  if (filter.action) conds.push(eq(auditEvents.action, filter.action));
  if (filter.entityId) conds.push(eq(auditEvents.entityId, filter.entityId));
  if (filter.before) conds.push(lt(auditEvents.seq, filter.before));
  const rows = await db
    .select()
    .from(auditEvents)
    .where(conds.length ? and(...conds) : undefined)
    .orderBy(desc(auditEvents.seq))
    .limit(50);
  await recordAuditNow(db, ctx, { action: 'audit.view', verb: 'R', entityType: 'AuditEvent', detail: { ...filter, results: rows.length } });
  return rows;
}

/** Check the whole chain (auditors in the pages, the operator through `beacon audit verify`); the check is itself audited. */
/** Verify the chain, and (given the data folder) that the latest checkpoint kept outside the database still holds. */
export async function verifyAudit(db: Db, ctx: RequestContext, checkpointDir?: string): Promise<VerifyResult> {
  authorizeContext(ctx, 'audit.verify');
  let result = await verifyAuditChain(db);
  if (result.ok && checkpointDir) {
    const { checkpoint, problem } = await checkAgainstCheckpoint(db, checkpointDir);
    if (problem && checkpoint) result = { ...result, ok: false, broken: { seq: checkpoint.seq, problem } };
  }
  await recordAuditNow(db, ctx, {
    action: 'audit.verify',
    verb: 'E',
    outcome: result.ok ? 'success' : 'failure',
    entityType: 'AuditEvent',
    detail: { checked: result.checked, broken: result.broken ?? null },
  });
  return result;
}
