import { createHash } from 'node:crypto';

/** The fields of an audit row that its hash covers (everything except the hash itself). */
export interface HashedAuditFields {
  seq: number;
  recordedAt: string; // ISO 8601 with milliseconds, UTC
  verb: string;
  action: string;
  outcome: string;
  actorUserId: string | null;
  actorName: string | null;
  actorOrganisationId: string | null;
  actorRole: string | null;
  entityType: string | null;
  entityId: string | null;
  reason: string | null;
  ip: string | null;
  correlationId: string | null;
  detail: unknown;
  prevHash: string;
}

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every depth, so jsonb's own key order cannot change the hash. */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The fields the hash covers after the sequence number, in order. */
function bodyAfterSeq(f: Omit<HashedAuditFields, 'seq' | 'prevHash'>): unknown[] {
  return [
    f.recordedAt,
    f.verb,
    f.action,
    f.outcome,
    f.actorUserId,
    f.actorName,
    f.actorOrganisationId,
    f.actorRole,
    f.entityType,
    f.entityId,
    f.reason,
    f.ip,
    f.correlationId,
    f.detail ?? null,
  ];
}

/**
 * The hashed body after `[seq,`: what the database appends to the sequence number when it computes a new
 * row's hash (see recordAudit), so the chain can be moved on in one statement.
 */
export function hashedBodyAfterSeq(f: Omit<HashedAuditFields, 'seq' | 'prevHash'>): string {
  return canonicalJson(bodyAfterSeq(f)).slice(1);
}

/** sha256 of the previous hash, a newline and the canonical JSON array [seq, recordedAt, …, detail]. */
export function auditHash(f: HashedAuditFields): string {
  const body = `[${canonicalJson(f.seq)},${hashedBodyAfterSeq(f)}`;
  return createHash('sha256').update(f.prevHash).update('\n').update(body).digest('hex');
}
