import { sql } from 'drizzle-orm';
import { bigint, check, index, jsonb, pgTable, smallint, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Append-only, hash-chained audit trail, shaped like a FHIR AuditEvent. `seq` is assigned as previous + 1
 * from the chain's head row (not a sequence), so a gap means a row was removed. UPDATE and DELETE
 * are refused by a trigger on both engines and, on PostgreSQL, not granted to the application role.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull(),
    /** FHIR AuditEvent.action: C create, R read, U update, D delete, E execute. */
    verb: text('verb').notNull(),
    /** What happened, e.g. `user.sign-in`, `organisation.update`, `organisation.view`. */
    action: text('action').notNull(),
    outcome: text('outcome').notNull(),
    actorUserId: uuid('actor_user_id'),
    actorName: text('actor_name'),
    actorOrganisationId: uuid('actor_organisation_id'),
    actorRole: text('actor_role'),
    entityType: text('entity_type'),
    entityId: text('entity_id'),
    /** Why (a reason given by the person, or the purpose of use). */
    reason: text('reason'),
    ip: text('ip'),
    correlationId: text('correlation_id'),
    detail: jsonb('detail'),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [index('audit_entity_idx').on(t.entityType, t.entityId), index('audit_actor_idx').on(t.actorUserId)],
);

/**
 * The head of the audit chain: one row (id 1) holding the newest event's sequence number and hash, and
 * the hash before it. An append takes this row's lock, moves it on and inserts the event in one
 * statement (see recordAudit), so appends are serialised for as short a time as possible. The head
 * also lets `beacon audit verify` see that the newest events were removed (the head names a row that
 * is no longer there). The application role may read and update it, never insert or delete.
 */
export const auditHead = pgTable(
  'audit_head',
  {
    id: smallint('id').primaryKey(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [check('audit_head_one_row', sql`${t.id} = 1`)],
);
