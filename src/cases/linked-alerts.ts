/**
 * High-risk alerts linked to a case, as the person reading the case may see them. A case is shared by
 * every agency on it, but an alert keeps its own need-to-know rule: what an alert says (its status, its
 * history, where she presented and what she called herself) is shown only to those who may view the
 * alert itself, and each such showing is recorded against the alert, so its owners see it in its access
 * history. Everyone else on the case sees that an alert is linked and whom to contact.
 */
import { asc, eq } from 'drizzle-orm';
import type { Db } from '../platform/db/engine';
import type { RequestContext } from '../platform/context';
import { alerts } from '../alerts/schema';
import { recordAlertReadsThrough, viewableAlertIds } from '../alerts/access';
import { organisations } from '../directory/schema';
import { safeguardingContactMailboxes } from '../directory/mailboxes';
import type { CaseRow } from './access';
import { caseAlerts } from './schema';

export interface LinkedAlertView {
  id: string;
  reference: string;
  linkedAt: Date;
  /** Whether this person may view the alert: only then are status and version given. */
  visible: boolean;
  status: string | null;
  version: number | null;
  /** Who raised it and how to reach their safeguarding team (for those who may not view it). */
  organisationName: string;
  contactMailboxes: string[];
}

async function linkedRows(db: Db, caseId: string) {
  return db
    .select({
      id: alerts.id,
      reference: alerts.reference,
      status: alerts.status,
      version: alerts.version,
      linkedAt: caseAlerts.linkedAt,
      organisationId: alerts.originatorOrganisationId,
      organisationName: organisations.name,
    })
    .from(caseAlerts)
    .innerJoin(alerts, eq(alerts.id, caseAlerts.alertId))
    .innerJoin(organisations, eq(organisations.id, alerts.originatorOrganisationId))
    .where(eq(caseAlerts.caseId, caseId))
    .orderBy(asc(caseAlerts.linkedAt));
}

/**
 * The linked alerts this person may view, with each recorded against its alert as seen through this
 * case (`part`: summary, details, chronology). Call it only where the part shows alert content.
 */
export async function viewableLinkedAlerts(db: Db, ctx: RequestContext, kase: CaseRow, part: string): Promise<Map<string, string>> {
  const rows = await linkedRows(db, kase.id);
  if (!rows.length) return new Map();
  const viewable = await viewableAlertIds(
    db,
    ctx,
    rows.map((r) => r.id),
  );
  const out = new Map(rows.filter((r) => viewable.has(r.id)).map((r) => [r.id, r.reference]));
  if (ctx.actor && out.size) await recordAlertReadsThrough(db, ctx, out.keys(), { entityType: 'Case', entityId: kase.id, reference: kase.reference, part });
  return out;
}

/** Every linked alert, with its details only where this person may view it (reads recorded as above). */
export async function linkedAlertsFor(db: Db, ctx: RequestContext, kase: CaseRow, part: string): Promise<LinkedAlertView[]> {
  const rows = await linkedRows(db, kase.id);
  if (!rows.length) return [];
  const viewable = await viewableLinkedAlerts(db, ctx, kase, part);
  return Promise.all(
    rows.map(async (r) => {
      const visible = viewable.has(r.id);
      return {
        id: r.id,
        reference: r.reference,
        linkedAt: r.linkedAt,
        visible,
        status: visible ? r.status : null,
        version: visible ? r.version : null,
        organisationName: r.organisationName,
        contactMailboxes: visible ? [] : await safeguardingContactMailboxes(db, r.organisationId),
      };
    }),
  );
}
