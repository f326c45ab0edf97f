/**
 * The choke point for machine clients: load one, authorise the action on it, audit the read. Clients are
 * administered by system administrators (and seen by auditors); nobody else, and never another client.
 */
import { eq } from 'drizzle-orm';
import type { RequestContext } from '../platform/context';
import type { Db } from '../platform/db/engine';
import { type Action, authorize } from '../platform/auth/policy';
import { recordAudit } from '../platform/audit/service';
import { NotFoundError } from '../platform/errors';
import { isUuid } from '../directory/service';
import { apiClients } from './schema';

export type ApiClient = typeof apiClients.$inferSelect;

export async function requireClient(db: Db, ctx: RequestContext, id: string, action: Extract<Action, `apiclient.${string}`>): Promise<ApiClient> {
  authorize(ctx.actor, action);
  const [client] = isUuid(id) ? await db.select().from(apiClients).where(eq(apiClients.id, id)) : [];
  if (!client) throw new NotFoundError('API client');
  if (action === 'apiclient.view') await recordAudit(db, ctx, { action: 'apiclient.view', verb: 'R', entityType: 'ApiClient', entityId: client.id });
  return client;
}
