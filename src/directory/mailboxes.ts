import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import { units } from './schema';

/** The shared mailboxes of an organisation's active units of the given types, in name order. */
export async function unitMailboxes(db: Db, organisationId: string, types: readonly string[]): Promise<string[]> {
  const rows = await db
    .select({ mailbox: units.sharedMailbox })
    .from(units)
    .where(and(eq(units.organisationId, organisationId), inArray(units.type, [...types]), eq(units.active, true)))
    .orderBy(asc(units.name));
  return rows.map((r) => r.mailbox).filter((m): m is string => !!m);
}

/**
 * Who at an organisation hears about a safeguarding matter that needs someone to act (an overdue
 * milestone or escalation stage, a discharge past the gate): its safeguarding team; for an organisation
 * without one (a local authority's children's services), its children's social care front door, so the
 * message reaches a staffed mailbox rather than nobody.
 */
export async function safeguardingContactMailboxes(db: Db, organisationId: string): Promise<string[]> {
  const teams = await unitMailboxes(db, organisationId, ['safeguarding_team']);
  return teams.length ? teams : unitMailboxes(db, organisationId, ['childrens_social_care_front_door']);
}
